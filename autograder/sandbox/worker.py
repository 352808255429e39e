"""The worker process: the only place where student code runs.

Started by the grader (client.py) as ``python -I -c BOOTSTRAP ROOT FD PLAN``: FD is one
end of a socket pair, PLAN the JSON confinement plan (lockdown.py). The worker imports
all it needs, confines itself, then answers one request at a time until the grader
hangs up.
"""
import json
import socket
import sys

from . import lockdown, wire
from .executor import Executor

LOCKDOWN_FAILED = 70


def serve(sock):
    """Answer requests on `sock` until the grader closes it."""
    executor, reader = Executor(), sock.makefile("rb")
    while True:
        try:
            header, arrays = wire.recv_message(reader)
        except EOFError:
            return
        reply, out = executor.handle(header, arrays)
        wire.send_message(sock, {**reply, "id": header.get("id")}, out)


def main(argv):
    fd, plan = int(argv[1]), json.loads(argv[2])
    try:
        lockdown.apply(plan)
    except OSError as error:
        sys.stderr.write(f"sandbox: the worker could not confine itself: {error}\n")
        sys.exit(LOCKDOWN_FAILED)
    serve(socket.socket(fileno=fd))
