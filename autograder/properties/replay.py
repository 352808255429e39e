"""The examples hypothesis draws for a submission that passes them all, drawn once.

With a fixed seed and no example database, hypothesis draws the same examples for every
submission that passes each one: only a failure (and its shrinking) changes the course
of a run, and the suites' `assume` calls look at the inputs alone. So the grader draws
them once per process, by running each property against the reference solution in
this process, and checks a submission on that list first. A submission that passes
them all has passed exactly the run hypothesis would have made; one that fails any is
run under hypothesis as before, which finds the same failure and shrinks it. Verdicts
and messages do not change (tested); what a class pays for hypothesis is paid once.
"""
import copy
import functools
import warnings

from hypothesis.errors import HypothesisDeprecationWarning

from ..config import COURSE_ROOT
from ..sandbox.inprocess import InProcessSubmission
from ..submission import read_cells
from . import properties_of
from .seeding import under_hypothesis

MASTER_NOTEBOOK = COURSE_ROOT / "solutions" / "convnets" / "convnets.ipynb"


def passes_recorded_examples(prop, student, secret, max_examples):
    """True if `student` passes every example hypothesis would draw for a passing run;
    False at the first it fails. WorkerLost passes through, as from hypothesis."""
    with warnings.catch_warnings():  # a suite's assume() here always holds: these inputs passed it
        warnings.simplefilter("ignore", HypothesisDeprecationWarning)
        for inputs in recorded_examples(prop.part, prop.name, secret, max_examples):
            try:
                prop.test(student, **copy.deepcopy(inputs))
            except Exception:
                return False
    return True


@functools.cache
def recorded_examples(part, name, secret, max_examples):
    """The inputs of every example a passing run of the property goes through, in order."""
    prop = next(p for p in properties_of(part) if p.name == name)
    reference, seen = _reference(), []

    def test(**inputs):
        drawn = copy.deepcopy(inputs)
        prop.test(reference, **inputs)  # an `assume` that rejects the inputs ends here
        seen.append(drawn)

    under_hypothesis(prop, test, secret, max_examples)()
    return seen


@functools.cache
def _reference():
    """The reference solution, loaded in this process (it is trusted code)."""
    reference = InProcessSubmission({"__name__": "reference"})
    loaded = reference.load(read_cells(MASTER_NOTEBOOK))
    if loaded.cell_errors:
        raise RuntimeError(f"the reference solution does not run: {loaded.cell_errors}")
    return reference
