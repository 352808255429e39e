"""A pool of grader processes, each on a CPU of its own (see sandbox/affinity.py).

Ctrl-C is the pool owner's to handle. Graders ignore SIGINT: Python raises it wherever the
grader happens to be, and inside a gc callback (hypothesis installs one) it cannot be
raised at all, only printed as "Exception ignored" and lost. The owner's KeyboardInterrupt
ends the graders instead, so an interrupted run stops at once and prints nothing of theirs.
"""
import multiprocessing
import os
import signal
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
                      initargs=(started, setup, setup_args))


def _start(started, setup, setup_args):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with started.get_lock():
        index, started.value = started.value, started.value + 1
    affinity.choose_cpu(index)
    if setup is not None:
        setup(index, *setup_args)
