"""The grader's end of a sandboxed worker: start it, talk to it, time it out, restart it.

Student code only ever runs in the worker process. If a call outlives its time limit
the worker is killed (SIGKILL) and `WorkerLost` is raised; so it is when the worker
dies. The next request starts a fresh worker and runs the submission's cells again, so
one crash costs the property that caused it, not the rest of the submission.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from . import wire
from .remote import LoadResult, Submission, WorkerLost

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from autograder.sandbox.worker import main; main(sys.argv)"
)
PASSED_ENVIRONMENT = ("PATH", "LANG", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


class SandboxedSubmission(Submission):
    """A submission running in a worker process; use as a context manager."""

    def __init__(self, call_timeout, load_timeout):
        self.cells = []
        self.call_timeout, self.load_timeout = call_timeout, load_timeout
        self.process = self.sock = None
        self.restarts = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

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
            self.sock.close()
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            self.stderr.close()
            self.workdir.cleanup()
        self.process = self.sock = None

    def _exchange(self, header, arrays):
        if self.process is None:
            self.restarts += 1
            self._start()
        return self._send(header, arrays, self.call_timeout)

    def _start(self):
        self.workdir = tempfile.TemporaryDirectory(prefix="convnets-worker-")
        self.stderr = tempfile.TemporaryFile()
        ours, theirs = socket.socketpair()
        environment = {k: os.environ[k] for k in PASSED_ENVIRONMENT if k in os.environ}
        environment.update(HOME=self.workdir.name, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", BOOTSTRAP, str(PACKAGE_ROOT), str(theirs.fileno())],
            pass_fds=[theirs.fileno()], cwd=self.workdir.name, env=environment,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr,
        )
        theirs.close()
        self.sock = ours
        reply, _ = self._send({"op": "load", "cells": self.cells}, [], self.load_timeout)
        return LoadResult.from_reply(reply)

    def _send(self, header, arrays, timeout):
        self.sock.settimeout(timeout)
        try:
            wire.send_message(self.sock, header, arrays)
            return wire.recv_message(self.sock)
        except socket.timeout:
            self.close()
            raise WorkerLost(f"timed out after {timeout:g} s") from None
        except (EOFError, OSError, wire.WireError) as error:
            reason = self._death_reason(error)
            self.close()
            raise WorkerLost(reason) from None

    def _death_reason(self, error):
        try:
            code = self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return f"the worker sent a broken reply ({error})"
        if code < 0:
            name = signal.Signals(-code).name
            return f"worker crashed: {_SIGNAL_WORDS.get(name, name)} ({name})"
        self.stderr.seek(0)
        tail = self.stderr.read()[-500:].decode(errors="replace").strip()
        return f"worker exited with status {code}" + (f": {tail}" if tail else "")


_SIGNAL_WORDS = {
    "SIGSEGV": "segmentation fault", "SIGKILL": "killed", "SIGABRT": "aborted",
    "SIGBUS": "bus error", "SIGFPE": "floating-point exception", "SIGXCPU": "CPU time limit",
}
