"""The hidden test cells' entry point when a notebook runs in a Jupyter kernel.

`run_hidden_suite(part, globals())` checks the notebook's own functions with the same
properties the sandboxed grader uses and returns the part's score as a plain float, the
value nbgrader reads as partial credit. Nothing goes to stderr (nbgrader would zero the
cell for it). This path has no isolation; graded runs go through the sandbox instead.
"""
import contextlib
import sys
import warnings

from .config import load_settings
from .grader import grade_loaded
from .properties.fixtures import with_fixtures
from .sandbox.inprocess import InProcessSubmission


def run_hidden_suite(part, namespace):
    settings = load_settings()
    student = InProcessSubmission(namespace)
    with warnings.catch_warnings(), contextlib.redirect_stderr(sys.stdout):
        warnings.simplefilter("ignore")
        report = grade_loaded(student, student.load(with_fixtures([])), settings, parts=[part], replay=False)
    # One write: print() writes the text and its newline apart, and a kernel that flushes
    # its stdout between the two shows the cell two outputs instead of one.
    sys.stdout.write("\n\n".join(test.output for test in report.tests) + "\n")
    return float(report.part_score(part))
