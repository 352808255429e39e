"""Runs one property under hypothesis, deterministically, and says what failed on what."""
import hashlib
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis.internal.conjecture import providers

from ..sandbox.remote import WorkerLost
from .replay import passes_recorded_examples


# hypothesis also draws literals found in the source of every "local" module the process
# has imported. Which modules those are differs between the grade command, nbgrader and
# a Jupyter kernel, and so would the examples; grading must draw the same examples
# everywhere, so the grader offers none (and hypothesis writes no cache of them).
# Pinned hypothesis; tests/test_grading.py checks this hook is still there.
_NO_LOCAL_CONSTANTS = providers.Constants(integers=providers.SortedSet(), floats=providers.SortedSet(key=providers.float_to_int),
                                          bytes=providers.SortedSet(), strings=providers.SortedSet())
providers._get_local_constants = lambda: _NO_LOCAL_CONSTANTS


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


def passed(prop):
    return Verdict(True, f"{prop.name}: {prop.summary}\npassed")


def failed(prop, reason):
    """The property's name and summary, then why it failed."""
    return Verdict(False, f"{prop.name}: {prop.summary}\nFAILED: {reason}")


def property_seed(secret, prop):
    """The same secret and property give the same examples on every run and machine."""
    digest = hashlib.sha256(f"{secret}/{prop.part}/{prop.name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def hypothesis_settings(max_examples):
    # No example database (nothing leaks between runs or students), no deadline and no
    # health checks (both depend on timing), no explain phase (extra runs, same verdict).
    # Normal verbosity: quiet would drop the failing example from the error's notes.
    return settings(
        max_examples=max_examples, database=None, deadline=None, derandomize=False,
        suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
        phases=[Phase.explicit, Phase.generate, Phase.shrink], print_blob=False,
        verbosity=Verbosity.normal,
    )


def run_property(prop, student, secret, max_examples, replay=True):
    """Check `prop` against `student`; returns a Verdict with the smallest counterexample.

    replay: first try the examples a passing run would draw (replay.py); only a
    submission that fails one of them is run under hypothesis, to find and shrink it."""
    try:
        if replay and passes_recorded_examples(prop, student, secret, max_examples):
            return passed(prop)
        return _run_hypothesis(prop, student, secret, max_examples)
    except WorkerLost as lost:
        return failed(prop, f"your code stopped the grader's worker: {lost}")
    finally:
        student.forget()


def _run_hypothesis(prop, student, secret, max_examples):
    def test(**inputs):
        prop.test(student, **inputs)

    test.__name__ = prop.test.__name__
    runnable = seed(property_seed(secret, prop))(hypothesis_settings(max_examples)(given(**prop.strategies)(test)))
    try:
        runnable()
    except Exception as failure:
        notes = [n.replace("Failing test case:", "Smallest failing input:", 1) for n in getattr(failure, "__notes__", [])]
        return failed(prop, "\n".join([str(failure), *notes]))
    return passed(prop)
