"""The worker process: the only place where student code runs.

Forked by the worker template (template.py) with one end of a socket pair and the
confinement plan (lockdown.py): it confines itself, then answers one request at a time
until the grader hangs up.
"""
import sys

from . import lockdown, wire
from .executor import Executor

LOCKDOWN_FAILED = 70


def serve(sock):
    """Answer requests on `sock` until the grader closes it."""
    executor, reader = Executor(), sock.makefile("rb")
    while True:
        try:
            header, arrays = wire.recv_message(reader, wire.FROM_GRADER)
        except EOFError:
            return
        reply, out = executor.handle(header, arrays)
        wire.send_message(sock, {**reply, "id": header.get("id")}, out)


def main(plan, sock):
    """Confine this process as `plan` says and serve `sock`; returns the exit status."""
    try:
        lockdown.apply(plan)
    except OSError as error:
        sys.stderr.write(f"sandbox: the worker could not confine itself: {error}\n")
        return LOCKDOWN_FAILED
    serve(sock)
    return 0
