"""The hidden test cells' entry point when a notebook runs in a Jupyter kernel.

`run_hidden_suite(part, globals())` checks the notebook's own functions with the same
properties the sandboxed grader uses and returns the part's score as a plain float, the
value nbgrader reads as partial credit. Nothing goes to stderr (nbgrader would zero the
cell for it). This path has no isolation: it serves the instructor's master notebook
and `nbgrader validate`. Under `nbgrader autograde` it refuses: a kernel there means
nbgrader did not load nbgrader_config.py, and the student's code ran in this process.
"""
import contextlib
import os
import sys
import warnings

from .config import load_settings
from .grader import grade_loaded
from .properties.fixtures import with_fixtures
from .sandbox.inprocess import InProcessSubmission

REFUSAL = (
    "Not graded (0 points): this hidden test ran in a Jupyter kernel during `nbgrader autograde`, in the same "
    "process as the student's code, so nbgrader did not load the course's nbgrader_config.py, which grades "
    "through the sandbox. Run `nbgrader autograde` in the course folder (where nbgrader_config.py is), or "
    "`python -m autograder nbgrader autograde ...`, and autograde again."
)
# Set to "1" in nbgrader's environment, kernel grading is wanted despite the risk: only
# benchmarks/class_grading.py, which times stock nbgrader, does so.
UNSAFE_OPT_IN = "CONVNETS_UNSAFE_KERNEL_GRADING"


def run_hidden_suite(part, namespace):
    """The part's points for the functions in `namespace`, its feedback printed; 0.0 and
    the refusal under `nbgrader autograde`."""
    if autograding_in_this_kernel():
        sys.stdout.write(REFUSAL + "\n")
        return 0.0
    settings = load_settings()
    student = InProcessSubmission(namespace)
    with warnings.catch_warnings(), contextlib.redirect_stderr(sys.stdout):
        warnings.simplefilter("ignore")
        report = grade_loaded(student, student.load(with_fixtures([])), settings, parts=[part], replay=False)
    # One write: print() writes the text and its newline apart, and a kernel that flushes
    # its stdout between the two shows the cell two outputs instead of one.
    sys.stdout.write("\n\n".join(test.output for test in report.tests) + "\n")
    return float(report.part_score(part))


def autograding_in_this_kernel():
    """True if `nbgrader autograde` started this kernel: its Autograde converter sets
    NBGRADER_EXECUTION=autograde around the kernel's start (`nbgrader validate` sets
    "validate"). Read from the environment the process started with, which the cells
    before this one (the student's) cannot change, and from os.environ. UNSAFE_OPT_IN,
    read from the starting environment only, makes it False."""
    starting = _starting_environment()
    autograding = "autograde" in (starting.get("NBGRADER_EXECUTION"), os.environ.get("NBGRADER_EXECUTION"))
    return autograding and starting.get(UNSAFE_OPT_IN) != "1"


def _starting_environment():
    """This process's environment as it was at exec (Linux); {} where that cannot be read."""
    try:
        with open("/proc/self/environ", "rb") as stream:
            entries = stream.read().split(b"\0")
    except OSError:
        return {}
    return dict(entry.decode(errors="replace").split("=", 1) for entry in entries if b"=" in entry)
