"""The worker template: one clean process per grader that has imported what a worker
needs, and forks every worker from itself.

Starting each worker as a new Python costs about 0.1 s of CPU (the interpreter, then
numpy); forking a process that has done that once costs a few milliseconds. The template
never runs student code and never receives any: the grader starts it, with the workers'
minimal environment, before its first worker (a command that will grade starts it first
thing, so that its start overlaps the grader's own imports), and it only ever forks.

A request is a JSON header {"plan", "environment", "cpus"} with three file descriptors:
the worker's end of its socket, its stderr file and the grader's channel to its keeper.
For each, the template forks a *keeper*, which
  1. starts a session of its own, creates the worker's memory cgroup if the plan has one
     (memory_cgroup.py) and, if the plan has namespaces, unshares the mount, PID, network,
     IPC and UTS namespaces (and, when the grader is not root, a user namespace in which
     the grader's user is root);
  2. forks the worker, PID 1 of those namespaces, which joins its cgroup and makes a
     cgroup namespace there, confines itself (lockdown.py) and answers requests
     (worker.py) until the grader hangs up;
  3. sends the worker's pid on the channel, waits until the worker ends or the grader asks
     for it to be killed (a byte, or the channel closing), kills what is left of it,
     removes its cgroup and sends its end: its exit status as `subprocess` reports one
     (negative: the killing signal), the most memory its tree used (MB) and how many of
     its processes the cgroup's OOM killer ended (0 and 0 without a cgroup). A cgroup
     still busy after memory_cgroup.REMOVAL_SECONDS (its killed processes slow to leave
     a loaded machine) does not hold the end back: the keeper sends it, then goes on
     removing the cgroup for memory_cgroup.LEAVING_SECONDS.
The worker dies with its keeper (PDEATHSIG). A keeper lives as long as its worker and its
channel to the grader: it outlives the template, so that when the grader dies it still
kills the worker and removes the cgroup. The template leaves when its grader's end of the
control socket closes, so nothing outlives the grader.
"""
import atexit
import ctypes
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import traceback

from . import lockdown, memory_cgroup
from .confinement import CLONE_NEWCGROUP, PACKAGE_ROOT, namespace_flags, worker_environment

BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from autograder.sandbox.template import serve; serve(int(sys.argv[1]))"
)
PR_SET_NAME = 15
WORKER_NAME, TEMPLATE_NAME = "convnets-worker", "convnets-tmpl"  # what `ps` shows (15 bytes at most)
REQUEST_BYTES = 1 << 20
STATUS = struct.Struct("<i")  # the worker's pid
END = struct.Struct("<idi")  # the worker's exit status, its tree's peak memory in MB, its OOM kills

_libc = ctypes.CDLL(None, use_errno=True)


class WorkerProcess:
    """The grader's handle on a worker started by the template, through its keeper."""

    def __init__(self, pid, channel):
        self.pid, self.channel, self.returncode = pid, channel, None
        self.peak_mb = 0.0  # once it has ended: the most memory it and its children used (0: unknown)
        self.out_of_memory = False  # once it has ended: whether its cgroup's OOM killer struck

    def wait(self, timeout):
        """The worker's exit status once it has ended (None if not within `timeout` s)."""
        if self.returncode is None:
            self.channel.settimeout(timeout)
            try:
                self.returncode, self.peak_mb, oom_kills = _read(self.channel, END)
                self.out_of_memory = oom_kills > 0
            except socket.timeout:
                return None
            except (OSError, EOFError):
                self.returncode = -signal.SIGKILL  # the keeper is gone, and the worker with it
        return self.returncode

    def kill(self):
        """SIGKILL the worker and everything it started; returns once they are gone."""
        if self.returncode is None:
            try:
                self.channel.sendall(b"k")
            except OSError:
                pass
            self.wait(timeout=None)
        self.channel.close()


class Template:
    """A template process, started when first needed; one per grader process."""

    _lock = threading.Lock()
    _running = None

    @classmethod
    def start(cls):
        """Start the template now if none is running, without waiting for it to be ready.
        One that cannot start now is tried again, and its error raised, by start_worker."""
        with cls._lock:
            try:
                cls._control()
            except OSError:
                pass

    @classmethod
    def start_worker(cls, plan, environment, worker_socket, stderr):
        """Fork a worker confined by `plan`; returns its WorkerProcess. Raises OSError if
        the template cannot start one."""
        ours, keepers = socket.socketpair()
        request = json.dumps({"plan": plan, "environment": environment, "cpus": sorted(os.sched_getaffinity(0))})
        fds = [worker_socket.fileno(), stderr.fileno(), keepers.fileno()]
        with cls._lock:
            for attempt in (1, 2):  # a template that died (say, killed by hand) is replaced once
                try:
                    socket.send_fds(cls._control(), [request.encode()], fds)
                    break
                except OSError:
                    cls._stop()
                    if attempt == 2:
                        raise
        keepers.close()
        try:
            pid, = _read(ours, STATUS)
        except EOFError:
            ours.close()
            raise OSError("the worker template could not start a worker") from None
        return WorkerProcess(pid, ours)

    @classmethod
    def _control(cls):
        """The running template's control socket; a new template if there is none alive."""
        if cls._running is not None and cls._running[0].poll() is not None:
            cls._stop()
        if cls._running is None:
            cls._running = _start_template()
        return cls._running[1]

    @classmethod
    def _stop(cls):
        """Close the control socket and wait for the template: one still alive leaves on
        reading its end (one that does not within a second is killed)."""
        if cls._running is not None:
            process, control = cls._running
            cls._running = None
            control.close()
            try:
                process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


atexit.register(Template._stop)  # nothing of a grader outlives it, even the process object


def _start_template():
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    process = subprocess.Popen(
        [sys.executable, "-I", "-c", BOOTSTRAP, str(PACKAGE_ROOT), str(theirs.fileno())],
        pass_fds=[theirs.fileno()], cwd="/", env=worker_environment(), start_new_session=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    )
    theirs.close()
    return process, ours


# --- in the template ----------------------------------------------------------------------

def serve(control_fd):
    """The template's loop: a keeper per request, until the grader closes the control socket.
    It imports the worker's modules (numpy with them) first: every fork has them already."""
    from . import worker  # noqa: F401
    _libc.prctl(PR_SET_NAME, TEMPLATE_NAME.encode(), 0, 0, 0)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # keepers are reaped by the kernel
    control = socket.socket(fileno=control_fd)
    while True:
        data, fds, _, _ = socket.recv_fds(control, REQUEST_BYTES, 3)
        if not data:  # the grader is done: it waits for us, so skip Python's teardown (60 ms)
            os._exit(0)
        if len(fds) == 3 and os.fork() == 0:
            _keeper(json.loads(data), *fds, control_fd)
        for fd in fds:
            os.close(fd)


def _keeper(request, worker_fd, stderr_fd, channel_fd, control_fd):
    """Runs in the forked keeper; never returns. No PDEATHSIG: its channel is its lifeline."""
    try:
        os.close(control_fd)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        cgroup = request["plan"]["memory_cgroup"]
        folder = None if cgroup is None else memory_cgroup.create(**cgroup)
        channel = socket.socket(fileno=channel_fd)
        try:
            end = _run_worker(request, worker_fd, stderr_fd, channel, folder)
        finally:
            removed = folder is None or _removed(folder, memory_cgroup.REMOVAL_SECONDS)
        channel.sendall(end)  # whether or not the cgroup went: every process in it was SIGKILLed
        if not removed:  # still leaving, on a loaded machine: the grader need not wait for that
            _removed(folder, memory_cgroup.LEAVING_SECONDS)
    finally:
        os._exit(0)


def _removed(folder, seconds):
    """Remove a worker's cgroup, retrying for `seconds`; whether it went."""
    try:
        memory_cgroup.remove(folder, seconds)
        return True
    except OSError:
        return False


def _run_worker(request, worker_fd, stderr_fd, channel, cgroup_folder):
    """Start the worker, send its pid, wait for its end and kill what is left; the END
    message for the grader."""
    if request["plan"]["namespaces"]:
        _unshare_namespaces()
    pid = os.fork()
    if pid == 0:
        os.close(channel.detach())
        _worker(request, worker_fd, stderr_fd, cgroup_folder)
    os.close(worker_fd)
    os.close(stderr_fd)
    channel.sendall(STATUS.pack(pid))
    ended = os.pidfd_open(pid)
    select.select([ended, channel], [], [])  # the worker ended, or the grader asks to kill it
    try:
        os.killpg(pid, signal.SIGKILL)  # the worker, if it lives, and all it started (its
    except OSError:                     # group: a PID namespace ends with the worker anyway)
        pass
    _, status = os.waitpid(pid, 0)
    peak_mb, oom_kills = 0.0, 0
    if cgroup_folder is not None:
        version = request["plan"]["memory_cgroup"]["version"]
        peak_mb = memory_cgroup.peak_mb(cgroup_folder, version) or 0.0
        oom_kills = memory_cgroup.oom_kills(cgroup_folder, version)
    return END.pack(os.waitstatus_to_exitcode(status), peak_mb, oom_kills)


def _unshare_namespaces():
    """New mount, PID and network namespaces for the next child; without root, in a new
    user namespace where this user is root (as `unshare --map-root-user`)."""
    uid, gid = os.getuid(), os.getgid()
    lockdown.check(_libc.unshare(namespace_flags(uid)), "unshare")
    if uid != 0:
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w") as file:
                file.write(text)


def _worker(request, worker_fd, stderr_fd, cgroup_folder):
    """Runs in the forked worker; never returns. Like a fresh process: its own cgroup (and
    cgroup namespace), its own session, its own stderr, no other file open, the workers'
    environment; then worker.main."""
    status = 1
    try:
        os.dup2(stderr_fd, 2)  # first: whatever fails below is written to the worker's stderr, not the grader's
        lockdown.die_with_parent()
        if cgroup_folder is not None:
            memory_cgroup.join(cgroup_folder)
        if request["plan"]["cgroup_namespace"]:  # rooted at its own cgroup: it sees no other
            lockdown.check(_libc.unshare(CLONE_NEWCGROUP), "unshare(cgroup)")
        _libc.prctl(PR_SET_NAME, WORKER_NAME.encode(), 0, 0, 0)
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.closerange(3, worker_fd)
        os.closerange(worker_fd + 1, os.sysconf("SC_OPEN_MAX"))
        os.environ.clear()
        os.environ.update(request["environment"], HOME=request["plan"]["workdir"])
        os.sched_setaffinity(0, request["cpus"])
        from .worker import main as serve_requests  # imported by `serve` already
        status = serve_requests(request["plan"], socket.socket(fileno=worker_fd))
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(status)


def _read(sock, message):
    """One `message` (a Struct) from the keeper's channel, unpacked; EOFError if it closed first."""
    data = sock.recv(message.size, socket.MSG_WAITALL)
    if len(data) < message.size:
        raise EOFError
    return message.unpack(data)
