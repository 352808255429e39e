"""A pool of grader processes, each on a CPU of its own (see sandbox/affinity.py)."""
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from .sandbox import affinity


def grader_pool(workers):
    """A ProcessPoolExecutor of `workers` fresh processes (forkserver: nothing inherited from
    the caller's threads); the i-th to start pins itself, and its sandboxed workers, to
    the i-th CPU."""
    context = multiprocessing.get_context("forkserver")
    started = context.Value("i", 0)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_take_a_cpu, initargs=(started,))


def _take_a_cpu(started):
    with started.get_lock():
        index, started.value = started.value, started.value + 1
    affinity.choose_cpu(index)
