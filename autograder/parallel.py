"""A pool of grader processes, each on a CPU of its own (see sandbox/affinity.py)."""
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from .sandbox import affinity

CONTEXT = multiprocessing.get_context("forkserver")  # nothing inherited from the caller's threads


def grader_pool(workers, setup=None, setup_args=()):
    """A ProcessPoolExecutor of `workers` fresh processes; the i-th to start pins itself,
    and its sandboxed workers, to the i-th CPU, then calls setup(i, *setup_args)."""
    started = CONTEXT.Value("i", 0)
    return ProcessPoolExecutor(max_workers=workers, mp_context=CONTEXT, initializer=_start,
                               initargs=(started, setup, setup_args))


def _start(started, setup, setup_args):
    with started.get_lock():
        index, started.value = started.value, started.value + 1
    affinity.choose_cpu(index)
    if setup is not None:
        setup(index, *setup_args)
