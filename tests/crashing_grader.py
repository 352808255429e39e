"""`grade_one` as a class run's grader processes would run it if something went wrong
for one student: for the students in FAULTS it kills its grader process, raises, or hands
back something that is no results. tests/test_grade_class.py installs it in a
`python -c` run of grade-class, so that the grader processes import it from here."""
import os
from pathlib import Path

from autograder.class_grading import run

FAULTS = {"ben": "crash", "dev": "raise", "finn": "junk"}
REAL_GRADE_ONE = run.grade_one


def faulty_grade_one(path, settings):
    fault = FAULTS.get(Path(path).parent.name)
    if fault == "crash":
        os._exit(1)
    if fault == "raise":
        raise RuntimeError("the grader broke")
    if fault == "junk":
        return "no results", (0, b"")
    return REAL_GRADE_ONE(path, settings)
