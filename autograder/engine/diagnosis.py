"""Why a property failed, when the course knows: a catalogued mistake that explains it.

A mistake of the catalogue (audit/catalogue.py) explains a student's failed property when,
on every example the property tried for that student, the property saw the same from the
mistake as from the student: the same values wherever it compared values (expect_close),
within the tolerance it compared them with, and the same ending (passed, rejected, the
same failed check with the same message, or the code raising the same type of error).
The mistake's code is the course's own, run in the grader's process on the grader's
copies of the inputs; the student's code is never run again for this.

The student's examples are recorded as the property runs (`observing`), whether replayed
or drawn by hypothesis, so both see the same examples and give the same diagnosis. Only a
failed property pays for the comparison; a candidate usually differs on the first
example tried, the smallest failure, so only the mistake that explains it runs on all.
Nothing is said when no mistake explains the failure, nor when mistakes of different
misconceptions both do, nor for a function not written yet (the release's stub raising).

What a mistake makes of an example is remembered by the example's values (up to
OBSERVED of them): the mistake is the course's own code, so its answer cannot change,
and a replayed failure (replay.py) meets the recorded examples again, whatever values
the student's code gave on them.
"""
import copy
import functools
from dataclasses import dataclass, replace

import numpy as np

from ..audit.catalogue import CATALOGUE
from ..properties.checks import comparisons
from ..properties.lazy_hypothesis import is_rejection
from ..properties.remembering import remembered_by
from ..reference import reference_submission
from ..sandbox.remote import StudentError
from .replay import PASSED, REJECTED, digest_of, run_example

# hypothesis leaves this module's frames out of the tracebacks it keeps (see replay.py).
__hypothesistracebackhide__ = True


@dataclass(frozen=True)
class Example:
    """What a property saw on one example: its inputs, what it compared (expect_close's
    (what, actual, rtol, atol, held), in order) and how the example ended (`ending_of`)."""
    inputs: dict
    compared: tuple
    ending: object


@dataclass(frozen=True)
class Diagnosis:
    """The misconception that explains a failed property, and the entries that have it."""
    misconception: object  # catalogue.Misconception
    entries: tuple

    @property
    def line(self):
        """The line the student reads under the failure."""
        return f"Your code behaves like a common mistake: {self.misconception.label}. {self.misconception.hint}"


def ending_of(error, compared):
    """How an example ended, comparable between two answers: passed, rejected, a failed
    comparison (its values are compared instead), the code raising (the error's type,
    not its text: that is the code's own), or another failed check (its message)."""
    if error is None:
        return PASSED
    if is_rejection(error):
        return REJECTED
    if isinstance(error, StudentError):
        return ("raised", error.record["type"])
    if compared and not compared[-1][4]:
        return ("compared",)
    return (type(error).__name__, str(error))


def observing(prop, student, tried):
    """`prop` with a test that, when it checks `student`, appends an Example to `tried`
    for each example; it checks other submissions (the reference) as before. Its verdicts,
    exceptions and their origins are the test's own."""
    @functools.wraps(prop.test)
    def test(checked, **inputs):
        if checked is not student:
            return prop.test(checked, **inputs)
        kept = copy.deepcopy(inputs)
        with comparisons() as compared:
            try:
                prop.test(checked, **inputs)
            except Exception as error:
                tried.append(Example(kept, tuple(compared), ending_of(error, compared)))
                raise
        tried.append(Example(kept, tuple(compared), PASSED))

    return replace(prop, test=test)


# What the release's stubs raise: a function not written yet is no misconception.
NOT_WRITTEN = ("raised", "NotImplementedError")


def diagnose(prop, tried):
    """The Diagnosis of a failed run of `prop` whose examples were `tried`, or None."""
    if not tried or any(example.ending == NOT_WRITTEN for example in tried):
        return None
    examples = _failures_first(tried)
    explaining = [entry for entry in candidates(prop.part, prop.uses) if _explains(entry, prop, examples)]
    misconceptions = {entry.because for entry in explaining}
    if len(misconceptions) != 1:
        return None
    return Diagnosis(misconceptions.pop(), tuple(entry.name for entry in explaining))


@functools.cache
def candidates(part, uses):
    """The catalogued mistakes a failure of a property of `part` calling `uses` may be:
    those of its part (a property may call more than it names: sigmoid_graph() calls the
    student's Chain and nodes) and those replacing a function it calls."""
    return tuple(entry for entry in CATALOGUE if entry.because is not None and (entry.part == part or entry.defines & set(uses)))


def _failures_first(tried):
    """The examples, failed ones first from the last (the smallest failure): where a
    mistake that does not explain the run differs soonest."""
    failed = [example for example in reversed(tried) if example.ending not in (PASSED, REJECTED)]
    return failed + [example for example in tried if example.ending in (PASSED, REJECTED)]


def _explains(entry, prop, examples):
    mistaken = reference_submission(entry.override)
    try:
        return all(_same(example, _observed(prop, entry, mistaken, example.inputs)) for example in examples)
    finally:
        mistaken.forget()


OBSERVED = 16384  # what mistakes made of examples, remembered: about a kilobyte each (the 72 kinds: 9,236)


def _observed(prop, entry, mistaken, inputs):
    """observe(prop, mistaken, inputs), its comparisons and ending remembered by the
    property, the mistake's code and the SHA-256 of the inputs as the wire writes them."""
    return Example(inputs, *_outcome(prop, entry, mistaken, inputs))


@remembered_by(lambda prop, entry, mistaken, inputs: (prop.part, prop.name, entry.override, digest_of(inputs, length=64)),
               OBSERVED)
def _outcome(prop, entry, mistaken, inputs):
    example = observe(prop, mistaken, inputs)
    return example.compared, example.ending


def observe(prop, submission, inputs):
    """The Example `prop` makes of `submission` (trusted code) on a copy of `inputs`."""
    with comparisons() as compared:
        _, error = run_example(prop, submission, inputs)
    return Example(inputs, tuple(compared), ending_of(error, compared))


def _same(student, mistake):
    """Whether the property saw the same from both answers, within its tolerances (the
    mistake's comparison, on the same inputs, sets them)."""
    if student.ending != mistake.ending or len(student.compared) != len(mistake.compared):
        return False
    return all(what == their_what and _within(actual, theirs, rtol, atol)
               for (what, actual, *_), (their_what, theirs, rtol, atol, _) in zip(student.compared, mistake.compared))


def _within(actual, reference, rtol, atol):
    """|actual - reference| <= atol + rtol * |reference| entry by entry. A non-finite entry
    is within nothing: inf is what many wrong formulas give at a pole (1/0), so it tells
    no misconception from another."""
    if actual.shape != reference.shape:
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        return bool((np.abs(actual - reference) <= atol + rtol * np.abs(reference)).all())
