"""The one writer of a class run (or a merge): each student's results, or why there are none.

A student's results go first into the gradebook (if there is one), then into
`OUT/<student>/results.json`, the mark of a finished student. Whatever goes wrong for
one student (results that cannot be recorded or written, a grader that crashed, a
timestamp.txt that is no time) costs that student one error line and no results file,
so a rerun grades them again; it never stops the run.
"""
from dataclasses import dataclass
from pathlib import Path

from ..results import ScoreRow, student_results_path, write_results
from ..sandbox.student_text import student_text

REASON_LIMIT = 500  # characters of an error line's reason (it may quote a student's file)


@dataclass(frozen=True)
class NotGraded:
    student: str
    reason: str

    def __str__(self):
        return f"{self.student}: not graded: {self.reason}"


class ClassResults:
    """Writes results into `output_dir` and `record(student, results)` (the gradebook
    writer); keeps a ScoreRow per student written and a NotGraded per student not."""

    def __init__(self, output_dir, record=None, progress=None):
        self.output_dir, self.record, self.progress = Path(output_dir), record, progress
        self.rows, self.failures = [], []

    def results_path(self, student):
        return student_results_path(self.output_dir, student)

    def add(self, student, results):
        """Record and write one student's results; a failure is that student's NotGraded."""
        try:
            row = ScoreRow.of(student, results)  # first: results that are not results get no further
            if self.record is not None:
                self.record(student, results)
            write_results(results, self.results_path(student))
        except Exception as error:  # whatever it is, it is this student's alone
            self.fail(student, f"the results could not be recorded ({error_text(error)})")
            return
        self.rows.append(row)
        if self.progress is not None:
            self.progress.advance(row)

    def fail(self, student, reason):
        """One student not graded, for `reason`."""
        failure = NotGraded(student, student_text(reason, REASON_LIMIT))
        self.failures.append(failure)
        if self.progress is not None:
            self.progress.fail(failure)


def error_text(error):
    """`TypeName: message` of an exception, as an error line shows it."""
    return f"{type(error).__name__}: {error}"
