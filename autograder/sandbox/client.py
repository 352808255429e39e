"""The grader's end of a sandboxed worker: start it, talk to it, time it out, restart it.

Student code only ever runs in the worker process, forked by the worker template
(template.py) and confined as confinement.py plans. If a call outlives its time limit
(or the submission its own) the worker is killed (SIGKILL) and `WorkerLost` is raised;
so it is when the worker dies or answers out of turn. The next request starts a fresh
worker and runs the submission's cells again, so one crash costs the property that
caused it, not the rest of the submission.
"""
import io
import signal
import socket
import tempfile
import time

from . import affinity, wire
from .confinement import Confinement, resident_peak_mb, worker_environment
from .deadline import DeadlineReader
from .remote import LoadResult, Submission, WorkerLost
from .student_text import student_text
from .template import Template


class SandboxedSubmission(Submission):
    """A submission running in a confined worker process; use as a context manager.

    limits: the course's GradingSettings (its timeouts and worker memory); hidden: more
    folders the worker must not see (e.g. the nbgrader course the submission came from).
    """

    def __init__(self, limits, hidden=()):
        self.cells = []
        self.limits, self.hidden = limits, tuple(hidden)
        self.deadline = time.monotonic() + limits.submission_timeout
        self.process = self.sock = self.confinement = None
        self.restarts = self.sent = 0
        self.peak_memory_mb = 0.0  # the most memory any of its workers used (with its children, given a cgroup)

    def __enter__(self):
        self._cpus = affinity.pin_current_thread()  # this thread and its workers share a CPU
        return self

    def __exit__(self, *exc):
        self.close()
        affinity.unpin(self._cpus)

    def load(self, cells):
        """Start a worker and run the cells in it; every restart runs them again."""
        self.cells = cells
        return self._start()

    def forget(self):
        """Drop the worker's objects; a dead worker has none, and is not restarted for this."""
        if self.process is not None:
            try:
                super().forget()
            except WorkerLost:
                pass

    def close(self):
        """Stop the worker and everything it started."""
        if self.sock is not None:
            self.reader.close()
            self.sock.close()
        if self.process is not None:
            resident_mb = resident_peak_mb(self.process.pid)  # the worker's own: all we have without a cgroup
            self.confinement.kill(self.process)  # nothing to wait for: a worker keeps nothing
            self.peak_memory_mb = max(self.peak_memory_mb, self.process.peak_mb or resident_mb)
            self.confinement.release()
            self.stderr.close()
        self.process = self.sock = self.confinement = None

    def _exchange(self, header, arrays):
        if self.process is None:
            self.restarts += 1
            self._start()
        return self._send(header, arrays, self.limits.call_timeout)

    def _start(self):
        self.confinement = Confinement(self.limits.worker_memory_mb, self.limits.submission_timeout, self.hidden)
        self.stderr = tempfile.TemporaryFile()
        ours, theirs = socket.socketpair()
        self.process = Template.start_worker(self.confinement.plan, worker_environment(), theirs, self.stderr)
        theirs.close()
        self.sock, self.clock = ours, DeadlineReader(ours)
        self.reader = io.BufferedReader(self.clock)
        reply, _ = self._send({"op": "load", "cells": self.cells}, [], self.limits.load_timeout)
        try:
            return LoadResult.from_reply(reply)
        except wire.WireError as error:
            raise self._malformed(str(error)) from None

    def _send(self, header, arrays, timeout):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._lost(f"the submission's time ran out ({self.limits.submission_timeout:g} s in all)")
        limit = min(timeout, left)
        self.sock.settimeout(limit)  # for sending; the reply must come whole by the clock's deadline
        self.clock.deadline = time.monotonic() + limit
        self.sent += 1
        try:
            wire.send_message(self.sock, {**header, "id": self.sent}, arrays)
            reply, reply_arrays = wire.recv_message(self.reader, wire.FROM_WORKER)
            if reply.get("id") != self.sent:  # e.g. student code wrote to the socket itself
                raise wire.WireError("a reply out of turn")
            return reply, reply_arrays
        except socket.timeout:
            raise self._lost(f"timed out after {limit:g} s") from None
        except (EOFError, OSError, wire.WireError) as error:
            raise self._lost(self._death_reason(error)) from None

    def _malformed(self, reason):
        return self._lost(reason)

    def _lost(self, reason):
        """Kill a worker that failed mid-request (no goodbye: it may be hung)."""
        self.reader.close()
        self.sock.close()
        self.sock = None
        self.close()
        return WorkerLost(reason)

    def _death_reason(self, error):
        """Why the worker stopped answering, for any exit status; the end of its stderr,
        which student code writes, is student text (student_text)."""
        code = self.process.wait(timeout=1)
        if code is None:
            return f"the worker sent a broken reply ({error})"
        if code < 0:
            if self.process.out_of_memory:
                return (f"worker ran out of its memory ({self.limits.worker_memory_mb} MiB for all its "
                        f"processes together): {_signal_description(-code)}")
            return f"worker crashed: {_signal_description(-code)}"
        self.stderr.seek(0)
        tail = student_text(self.stderr.read()[-500:].decode(errors="replace").strip(), 500)
        return f"worker exited with status {code}" + (f": {tail}" if tail else "")


def _signal_description(number):
    """'segmentation fault (SIGSEGV)', or 'signal 40' for one Python has no name for
    (the real-time signals but the first and last)."""
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    return f"{_SIGNAL_WORDS.get(name, name)} ({name})"


_SIGNAL_WORDS = {
    "SIGSEGV": "segmentation fault", "SIGKILL": "killed", "SIGABRT": "aborted",
    "SIGBUS": "bus error", "SIGFPE": "floating-point exception", "SIGXCPU": "CPU time limit",
}
