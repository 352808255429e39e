"""What one call to a sandboxed submission costs, and where the time goes: the same call
(a student's `double(x)` of a 3x4 float array, an array back) made six ways in one run.

    .venv/bin/python benchmarks/call_cost.py [--calls 2000] [--rounds 7]

- sandboxed: as grading makes it (sandbox/client.py): a worker forked from the template,
  confined as this machine allows, on the grader's CPU;
- sandboxed, on two CPUs: the same, the grader moved to another CPU once the worker runs
  (what sandbox/affinity.py avoids);
- a new Python: `worker.serve` in an interpreter of its own, started for it (no template,
  no confinement), on the same CPU;
- a fork of this process: `worker.serve` in a fork of the benchmark, on the same CPU;
- in process: sandbox/inprocess.py, the wire's encoding both ways and the Executor, no
  socket, no second process;
- ping-pong: a fork echoing the call's very request and reply bytes over a socket pair,
  on the same CPU: the kernel's round trip with the least Python there can be.

The benchmark pins itself to one CPU first. Every round times each way in turn (the
order rotated from round to round), after warm-up calls; it prints each way's median
microseconds per call and the differences between neighbours, each a cost of its own.
"""
import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the package, run from anywhere

from autograder.config import load_settings  # noqa: E402
from autograder.sandbox import wire, worker  # noqa: E402
from autograder.sandbox.client import SandboxedSubmission  # noqa: E402
from autograder.sandbox.inprocess import InProcessSubmission  # noqa: E402
from autograder.sandbox.remote import Submission  # noqa: E402

CODE = "def double(x):\n    return 2 * x\n"
ARGUMENT = np.arange(12.0).reshape(3, 4)
SERVE = "import socket, sys; sys.path.insert(0, sys.argv[1]); from autograder.sandbox import worker; " \
        "worker.serve(socket.socket(fileno=int(sys.argv[2])))"


class SocketSubmission(Submission):
    """A worker's socket with none of the sandbox's client: no deadlines, no restarts."""

    def __init__(self, sock):
        self.sock, self.reader = sock, sock.makefile("rb")

    def _exchange(self, header, arrays):
        wire.send_message(self.sock, header, arrays)
        return wire.recv_message(self.reader)


class RecordingSubmission(InProcessSubmission):
    """In process, keeping the last request and reply as the wire writes them."""

    def _exchange(self, header, arrays):
        reply = super()._exchange(header, arrays)
        self.last_bytes = wire.pack(header, arrays), wire.pack(*reply)
        return reply


@contextlib.contextmanager
def sandboxed(settings):
    with SandboxedSubmission(settings) as submission:
        submission.load([{"label": "cell", "source": CODE}])
        yield lambda: submission.call("double", ARGUMENT)


@contextlib.contextmanager
def serving(start):
    """Our end of a socket pair whose other end `start(their_socket)` hands to a server
    process; `start` returns a callable that waits for it to end once ours is closed."""
    ours, theirs = socket.socketpair()
    wait = start(theirs)
    theirs.close()
    try:
        yield ours
    finally:
        ours.close()
        wait()


@contextlib.contextmanager
def socket_worker(start):
    """A worker started by `start` (see `serving`), the code loaded."""
    with serving(start) as sock:
        submission = SocketSubmission(sock)
        try:
            submission.load([{"label": "cell", "source": CODE}])
            yield lambda: submission.call("double", ARGUMENT)
        finally:
            submission.reader.close()


def new_python(sock):
    process = subprocess.Popen([sys.executable, "-c", SERVE, str(Path(__file__).resolve().parents[1]), str(sock.fileno())],
                               pass_fds=[sock.fileno()])
    return process.wait


def forked(serve):
    def start(sock):
        pid = os.fork()
        if pid == 0:  # holding no other socket, so that each side sees the other close
            os.closerange(3, sock.fileno())
            os.closerange(sock.fileno() + 1, os.sysconf("SC_OPEN_MAX"))
            serve(sock)
            os._exit(0)
        return lambda: os.waitpid(pid, 0)
    return start


def echo(request, reply):
    """A server that answers each request's bytes with the reply's."""
    def serve(sock):
        while len(sock.recv(len(request), socket.MSG_WAITALL)) == len(request):
            sock.sendall(reply)
    return serve


@contextlib.contextmanager
def ping_pong(request, reply):
    with serving(forked(echo(request, reply))) as sock:
        def call():
            sock.sendall(request)
            sock.recv(len(reply), socket.MSG_WAITALL)
        yield call


def in_process(kind=InProcessSubmission):
    submission = kind({"__name__": "convnets"})
    submission.load([{"label": "cell", "source": CODE}])
    return submission, lambda: submission.call("double", ARGUMENT)


def call_bytes():
    """The call's request and reply as the wire writes them."""
    recording, call = in_process(RecordingSubmission)
    call()
    return recording.last_bytes


def microseconds_per_call(call, calls, cpu):
    """The mean time of `calls` calls made from `cpu`."""
    os.sched_setaffinity(0, {cpu})
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000, help="calls timed per way and round")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[0]})
    settings = load_settings()
    with contextlib.ExitStack() as stack:
        sandboxed_call = stack.enter_context(sandboxed(settings))
        ways = {  # name: (the call, the CPU it is made from)
            "sandboxed": (sandboxed_call, cpus[0]),
            "a new Python": (stack.enter_context(socket_worker(new_python)), cpus[0]),
            "a fork of this process": (stack.enter_context(socket_worker(forked(worker.serve))), cpus[0]),
            "in process": (in_process()[1], cpus[0]),
            "ping-pong": (stack.enter_context(ping_pong(*call_bytes())), cpus[0]),
        }
        if len(cpus) > 1:
            ways["sandboxed, on two CPUs"] = (sandboxed_call, cpus[1])  # the same worker, still on the first
        times = {name: [] for name in ways}
        names = list(ways)
        for round_ in range(args.rounds):
            for name in names[round_ % len(names):] + names[:round_ % len(names)]:
                call, cpu = ways[name]
                microseconds_per_call(call, args.calls // 10, cpu)  # warm-up
                times[name].append(microseconds_per_call(call, args.calls, cpu))
        os.sched_setaffinity(0, {cpus[0]})
    report({name: statistics.median(values) for name, values in times.items()}, args, os.getloadavg())


def report(median, args, load):
    print(f"{args.rounds} rounds of {args.calls} calls; load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for name, microseconds in median.items():
        print(f"  {name:<24} {microseconds:7.1f} us per call (median)")
    print("where a sandboxed call's time goes:")
    steps = [("the kernel's round trip (ping-pong)", median["ping-pong"]),
             ("the wire and the Executor, both sides (in process)", median["in process"]),
             ("the rest of a socket call (a fork of this process, less the two above)",
              median["a fork of this process"] - median["in process"] - median["ping-pong"]),
             ("a worker that is no fork of the grader (a new Python, less a fork of this process)",
              median["a new Python"] - median["a fork of this process"]),
             ("the template, the confinement and the client's deadlines (sandboxed, less a new Python)",
              median["sandboxed"] - median["a new Python"])]
    for what, microseconds in steps:
        print(f"  {microseconds:7.1f} us  {microseconds / median['sandboxed']:4.0%}  {what}")
    if "sandboxed, on two CPUs" in median:
        print(f"two CPUs / one CPU (sandboxed): {median['sandboxed, on two CPUs'] / median['sandboxed']:.2f}x")


if __name__ == "__main__":
    main()
