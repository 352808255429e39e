"""Runs one property under hypothesis, deterministically, and says what failed on what."""
import hashlib
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings

from ..sandbox.remote import WorkerLost


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


def run_property(prop, student, secret, max_examples):
    """Check `prop` against `student`; returns a Verdict with the smallest counterexample."""

    def test(**inputs):
        prop.test(student, **inputs)

    test.__name__ = prop.test.__name__
    runnable = seed(property_seed(secret, prop))(hypothesis_settings(max_examples)(given(**prop.strategies)(test)))
    try:
        runnable()
    except WorkerLost as lost:
        return failed(prop, f"your code stopped the grader's worker: {lost}")
    except Exception as failure:
        notes = [n.replace("Failing test case:", "Smallest failing input:", 1) for n in getattr(failure, "__notes__", [])]
        return failed(prop, "\n".join([str(failure), *notes]))
    finally:
        student.forget()
    return passed(prop)
