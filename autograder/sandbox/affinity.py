"""Keeping a grader and its worker on one CPU.

A call is a message to the worker and one back. Between two processes on different
CPUs each message costs a cross-CPU wake-up; on one CPU it does not, which makes a call
about three times cheaper (measured in benchmarks/README.md). So the thread talking to a worker pins itself, and with it the worker it
starts, to one CPU for the worker's life. Parallel graders (grade-class) are each given
a CPU of their own; otherwise the one the thread is running on is used.
"""
import os
from pathlib import Path

preferred_cpu = None  # set by a class run's grader processes, one CPU each


def pin_current_thread():
    """Pin the calling thread to one CPU; returns the CPUs it had, for `unpin`."""
    allowed = os.sched_getaffinity(0)
    cpu = preferred_cpu if preferred_cpu in allowed else _current_cpu()
    if cpu in allowed:
        os.sched_setaffinity(0, {cpu})
    return allowed


def unpin(allowed):
    os.sched_setaffinity(0, allowed)


def choose_cpu(index):
    """The CPU for the index-th parallel grader (0, 1, ...), round the allowed ones."""
    global preferred_cpu
    allowed = sorted(os.sched_getaffinity(0))
    preferred_cpu = allowed[index % len(allowed)]


def _current_cpu():
    """The CPU this thread last ran on (field 39 of /proc/thread-self/stat), or None."""
    try:
        stat = Path("/proc/thread-self/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[36])
    except (OSError, IndexError, ValueError):
        return None
