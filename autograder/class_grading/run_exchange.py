"""The grader processes of a class run pass on to each other the runs they record.

Each grader process has an inbox, a queue made by the class run's own process. With
each submission's results a grader hands back the hypothesis runs it recorded meanwhile
(engine/shared_runs.py: wire bytes), which the class run's process puts in every
other inbox; before each submission a grader adopts what its inbox holds. So a way of
failing is run under hypothesis about once per class, not once per grader process. The
queues link trusted processes only: sandboxed workers are forked from a template
(sandbox/template.py) that inherits none of their pipes.
"""
import queue

from ..parallel import CONTEXT
from ..engine import replay
from ..engine.shared_runs import adopt_runs, pack_runs


class Exchange:
    """The class run's side: an inbox per grader process."""

    def __init__(self, graders):
        self.inboxes = [CONTEXT.Queue() for _ in range(graders)]

    def pass_on(self, sender, packed):
        """Put what grader `sender` handed back in every other grader's inbox."""
        if packed:
            for index, inbox in enumerate(self.inboxes):
                if index != sender:
                    inbox.put(packed)

    def close(self):
        """Drop what is still queued: the graders have stopped."""
        for inbox in self.inboxes:
            inbox.cancel_join_thread()
            inbox.close()


_grader = {}  # in a grader process: its index and inbox


def join(index, inboxes):
    """A grader process's setup (parallel.grader_pool): take inbox `index`, start sharing."""
    _grader.update(index=index, inbox=inboxes[index])
    replay.start_sharing()


def receive():
    """In a grader process: adopt every run waiting in its inbox."""
    while True:
        try:
            packed = _grader["inbox"].get_nowait()
        except queue.Empty:
            return
        adopt_runs(packed)


def hand_back():
    """In a grader process: (its index, the runs it recorded since last time, as bytes)."""
    return _grader["index"], pack_runs(replay.take_recorded())
