"""Runs one property under hypothesis, deterministically, and says what failed on what."""
from dataclasses import dataclass

from ..sandbox.remote import WorkerLost
from . import replay as recorded
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

    replay: first follow the runs recorded for other submissions (replay.py); only a
    submission whose examples turn out as in no recorded run is run under hypothesis,
    and its run recorded. find_smallest=False: the verdict alone, at the first failed
    example, with no counterexample (replay only)."""
    try:
        followed = recorded.replay(prop, student, secret, max_examples, stop_at_failure=not find_smallest) if replay else None
        if followed is None:
            return _run_hypothesis(prop, student, secret, max_examples, record=replay)
        if followed.passed:
            return passed(prop)
        if not find_smallest:
            return failed(prop, "failed one of the drawn examples (not shrunk)")
        return failed(prop, failure_report(followed.error, followed.notes))
    except WorkerLost as lost:
        return failed(prop, f"your code stopped the grader's worker: {lost}")
    finally:
        student.forget()


def failure_report(error, hypothesis_notes):
    """The error's message, its notes, then hypothesis' (the smallest failing input)."""
    notes = [*getattr(error, "__notes__", ()), *hypothesis_notes]
    return "\n".join([str(error), *(n.replace("Failing test case:", "Smallest failing input:", 1) for n in notes)])


def _run_hypothesis(prop, student, secret, max_examples, record):
    """A plain hypothesis run; record: add it to the property's recorded runs (else the
    examples are not even copied: a kernel grades one submission)."""
    if record:
        test, steps = recorded.recording(prop, student)
    else:
        def test(**inputs):
            prop.test(student, **inputs)
    failure = None
    try:
        under_hypothesis(prop, test, secret, max_examples)()
    except Exception as error:
        failure = error
    if record:
        recorded.record(prop, secret, max_examples, steps, failure)
    return passed(prop) if failure is None else failed(prop, failure_report(failure, ()))
