"""A pool of grader processes, each on a CPU of its own (see sandbox/affinity.py).

A grader ends with the pool's owner, however the owner ends: an owner killed alone
(`kill -9` of its process, not its group) cannot shut its pool down, and a grader would
wait forever for the next student, holding its memory and its sandbox template.
Ctrl-C is the pool owner's to handle. Graders ignore SIGINT: Python raises it wherever the
grader happens to be, and inside a gc callback (hypothesis installs one) it cannot be
raised at all, only printed as "Exception ignored" and lost. The owner's KeyboardInterrupt
ends the graders instead, so an interrupted run stops at once and prints nothing of theirs.
"""
import multiprocessing
import os
import select
import signal
import threading
from concurrent.futures import ProcessPoolExecutor

from .sandbox import affinity

CONTEXT = multiprocessing.get_context("forkserver")  # nothing inherited from the caller's threads


class GraderPool(ProcessPoolExecutor):
    """A ProcessPoolExecutor whose processes are ended when its block is left by Ctrl-C."""

    def __exit__(self, kind, error, traceback):
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            for process in multiprocessing.active_children():
                process.terminate()
        return super().__exit__(kind, error, traceback)


def usable_cpus():
    """How many CPUs this process may run on: its affinity mask, which taskset or a
    container's cpuset narrows while os.cpu_count() still counts the whole machine's."""
    return len(os.sched_getaffinity(0))


def grader_pool(workers, setup=None, setup_args=()):
    """A GraderPool of `workers` fresh processes; the i-th to start ignores Ctrl-C, pins
    itself, and its sandboxed workers, to the i-th CPU, then calls setup(i, *setup_args)."""
    started = CONTEXT.Value("i", 0)
    return GraderPool(max_workers=workers, mp_context=CONTEXT, initializer=_start,
                      initargs=(os.getpid(), started, setup, setup_args))


def _start(owner, started, setup, setup_args):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with(owner)
    with started.get_lock():
        index, started.value = started.value, started.value + 1
    affinity.choose_cpu(index)
    if setup is not None:
        setup(index, *setup_args)


def _end_with(owner):
    """Exit this process as soon as process `owner` has ended (a thread waits on its pidfd).
    What this grader started ends with it: its template and keepers hold a socket to it as
    their lifeline (sandbox/template.py)."""
    try:
        ended = os.pidfd_open(owner)
    except ProcessLookupError:  # gone already
        os._exit(1)
    threading.Thread(target=_exit_when_readable, args=(ended,), daemon=True, name="owner-watch").start()


def _exit_when_readable(fd):
    select.select([fd], [], [])
    os._exit(1)
