"""Runs one property under hypothesis, deterministically, and says what failed on what."""
from dataclasses import dataclass

from ..sandbox.remote import WorkerLost
from .replay import passes_recorded_examples
from .seeding import under_hypothesis


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


def passed(prop):
    return Verdict(True, f"{prop.name}: {prop.summary}\npassed")


def failed(prop, reason):
    """The property's name and summary, then why it failed."""
    return Verdict(False, f"{prop.name}: {prop.summary}\nFAILED: {reason}")


def run_property(prop, student, secret, max_examples, replay=True, find_smallest=True):
    """Check `prop` against `student`; returns a Verdict with the smallest counterexample.

    replay: first try the examples a passing run would draw (replay.py); only a
    submission that fails one of them is run under hypothesis, to find and shrink it.
    find_smallest=False: the verdict alone, with no counterexample (replay only)."""
    try:
        if replay and passes_recorded_examples(prop, student, secret, max_examples):
            return passed(prop)
        if replay and not find_smallest:
            return failed(prop, "failed one of the drawn examples (not shrunk)")
        return _run_hypothesis(prop, student, secret, max_examples)
    except WorkerLost as lost:
        return failed(prop, f"your code stopped the grader's worker: {lost}")
    finally:
        student.forget()


def _run_hypothesis(prop, student, secret, max_examples):
    def test(**inputs):
        prop.test(student, **inputs)

    try:
        under_hypothesis(prop, test, secret, max_examples)()
    except Exception as failure:
        notes = [n.replace("Failing test case:", "Smallest failing input:", 1) for n in getattr(failure, "__notes__", [])]
        return failed(prop, "\n".join([str(failure), *notes]))
    return passed(prop)
