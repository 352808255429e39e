"""Runs one property under hypothesis, deterministically, and says what failed on what."""
from dataclasses import dataclass, replace

from ..sandbox.remote import WorkerLost
from . import replay as recorded
from .diagnosis import diagnose, observing
from .seeding import under_hypothesis


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str
    diagnosis: object = None  # a failure's diagnosis.Diagnosis, if a catalogued mistake explains it


def passed(prop):
    return Verdict(True, f"{prop.name}: {prop.summary}\npassed")


def failed(prop, reason):
    """The property's name and summary, then why it failed."""
    return Verdict(False, f"{prop.name}: {prop.summary}\nFAILED: {reason}")


def run_property(prop, student, secret, max_examples, replay=True, find_smallest=True):
    """Check `prop` against `student`; returns a Verdict with the smallest counterexample.

    replay: first follow the runs recorded for other submissions (replay.py); where a
    submission's examples turn out as in no recorded run, hypothesis continues, told what
    it did on the examples so far, and the run is recorded. find_smallest=False: the
    verdict alone, at the first failed example, with no counterexample (replay only).
    A failure that a catalogued mistake explains carries its diagnosis (diagnosis.py)."""
    tried = []
    try:
        verdict = _verdict(observing(prop, student, tried), student, secret, max_examples, replay, find_smallest)
    except WorkerLost as lost:
        return failed(prop, f"your code stopped the grader's worker: {lost}")
    finally:
        student.forget()
    return verdict if verdict.passed else replace(verdict, diagnosis=diagnose(prop, tried))


def _verdict(prop, student, secret, max_examples, replay, find_smallest):
    if not replay:
        return _run_hypothesis(prop, student, secret, max_examples)
    followed = recorded.replay(prop, student, secret, max_examples, stop_at_failure=not find_smallest)
    if isinstance(followed, recorded.Diverged):
        return _run_hypothesis(prop, student, secret, max_examples, followed.answers, record=True)
    if followed.passed:
        return passed(prop)
    if not find_smallest:
        return failed(prop, "failed one of the drawn examples (not shrunk)")
    return failed(prop, failure_report(followed.error, followed.notes))


def failure_report(error, hypothesis_notes):
    """The error's message, its notes, then hypothesis' (the smallest failing input)."""
    notes = [*getattr(error, "__notes__", ()), *hypothesis_notes]
    return "\n".join([str(error), *(n.replace("Failing test case:", "Smallest failing input:", 1) for n in notes)])


def _run_hypothesis(prop, student, secret, max_examples, answers=(), record=False):
    """A plain hypothesis run. answers: what the submission did on the examples it walked
    (replay.Diverged): hypothesis is answered from them, and asks the submission only
    after them. record: add the run to the property's recorded runs, unless hypothesis
    cut its shrinking short (without it the examples are not even copied: a kernel grades
    one submission)."""
    test, check_answered = recorded.answering(answers, recorded.checking(prop, student))
    if record:
        test, steps = recorded.recording(test)
    failure, cut = _hypothesis_outcome(prop, test, secret, max_examples)
    if not cut:
        check_answered()
        if record:
            recorded.record(prop, secret, max_examples, steps, failure)
    return passed(prop) if failure is None else failed(prop, failure_report(failure, ()))


def _hypothesis_outcome(prop, test, secret, max_examples):
    """(the exception the run raised or None, cut): cut if hypothesis stopped shrinking at
    its time limit, which its statistics say; such a run depends on the machine's speed
    (pinned hypothesis: tests/test_replay_equivalence.py makes it happen and checks such a
    run is not kept)."""
    from hypothesis.internal.conjecture.engine import ExitReason
    from hypothesis.statistics import collector
    statistics, failure = {}, None
    with collector.with_value(statistics.update):
        try:
            under_hypothesis(prop, test, secret, max_examples)()
        except Exception as error:
            failure = error
    return failure, statistics.get("stopped-because") == ExitReason.very_slow_shrinking.value
