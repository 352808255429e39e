"""The worker process: the only place where student code runs.

Started by the grader as ``python -I -m autograder.sandbox.worker FD``, where FD is one
end of a socket pair. It answers one request at a time until the grader hangs up.
"""
import socket
import sys

from . import wire
from .executor import Executor


def serve(sock):
    """Answer requests on `sock` until the grader closes it."""
    executor = Executor()
    while True:
        try:
            header, arrays = wire.recv_message(sock)
        except EOFError:
            return
        reply, out = executor.handle(header, arrays)
        wire.send_message(sock, reply, out)


def main(argv):
    fd = int(argv[1])
    serve(socket.socket(fileno=fd))


if __name__ == "__main__":
    main(sys.argv)
