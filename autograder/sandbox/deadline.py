"""Reading a socket by a deadline, so that a reply trickled byte by byte ends on time.

A socket's own timeout bounds each recv, not a whole reply: a worker sending a byte a
second would never trip it. `DeadlineReader` sets the timeout to what is left before
each recv instead. Wrap it in io.BufferedReader, so a small reply is still one recv.
"""
import io
import math
import time


class DeadlineReader(io.RawIOBase):
    """A socket's bytes until `deadline` (a time.monotonic() value; set it per reply),
    after which a read raises TimeoutError, as socket.timeout is."""

    def __init__(self, sock):
        self.sock = sock
        self.deadline = math.inf

    def readable(self):
        return True

    def readinto(self, buffer):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the deadline passed")
        self.sock.settimeout(left)
        return self.sock.recv_into(buffer)
