"""SandboxedGrading: nbgrader's `Execute` step replaced by the sandboxed grader.

nbgrader's own autograde starts a kernel and runs every cell, tests included, in the
same process as the student's code. This preprocessor instead grades the notebook's
code cells in a sandboxed worker (grader.py) and writes each part's result into that
part's test cell, as the cell's output: the feedback as printed text and the points as
a plain float, which nbgrader's SaveAutoGrades reads as partial credit. The other cells
keep no output, so nothing a student prints can reach the grade. A test whose
visibility is "hidden" (course_config.py) shows its points but not its message. A test
cell the student deleted is added back at the end, as nbgrader's
`OverwriteCells.add_missing_cells` would: the part is graded on the code, as by `grade`.
"""
import functools

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from ..config import PART_NAMES, load_settings
from ..grader import grade_cells, graded_parts
from ..points import REGENERATE, TEST_CELL_PREFIX, check_points, test_cell_points
from ..submission import notebook_cells

REGENERATE_AND_AUTOGRADE = REGENERATE.removesuffix(".") + ", then autograde again."


def part_of(cell):
    """The part whose hidden suite a test cell runs, from its grade id `tests-<part>`."""
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    part = grade_id[len(TEST_CELL_PREFIX):] if grade_id.startswith(TEST_CELL_PREFIX) else None
    return part if part in PART_NAMES else None


class SandboxedGrading(NbGraderPreprocessor):
    @functools.cached_property
    def settings(self):
        """course_config.py, read once: nbgrader makes one preprocessor for its whole run,
        so every student of an autograde run is graded with the same settings."""
        return load_settings()

    def preprocess(self, nb, resources):
        """Grade `nb` in the sandbox; PointsMismatch if its test cells, whose points
        nbgrader has restored from the gradebook, disagree with PART_POINTS (a test cell
        the student deleted is added back, below, with PART_POINTS' points)."""
        settings = self.settings
        check_points(test_cell_points(nb), settings.part_points, "the gradebook's test cell", REGENERATE_AND_AUTOGRADE,
                     every_part=False)
        course_root = self.config.CourseDirectory.get("root")  # hidden from the worker
        report = grade_cells(notebook_cells(nb), settings, hidden=[course_root] if course_root else [])
        preamble = "".join(f"Note: {note}\n" for note in report.notes)
        nb.cells += missing_test_cells(nb, settings)
        for cell in nb.cells:
            part = part_of(cell)
            if part is None:
                continue
            feedback = "\n\n".join(t.student_feedback() for t in report.tests if t.part == part)
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=preamble + feedback + "\n"),
                nbformat.v4.new_output("execute_result", data={"text/plain": repr(float(report.part_score(part)))},
                                       execution_count=None),
            ]
        self.log.info("Graded in the sandbox: %s/%s points", report.score, report.max_score)
        return nb, resources


def missing_test_cells(nb, settings):
    """A locked test cell for each graded part whose test cell is not in `nb`."""
    present = {part_of(cell) for cell in nb.cells}
    return [nbformat.v4.new_code_cell(f"# The test cell of {part} was missing from the submission; the grader added it back.",
                                      metadata={"nbgrader": {"grade": True, "solution": False, "locked": True, "task": False,
                                                             "points": settings.part_points[part], "schema_version": 3,
                                                             "grade_id": f"{TEST_CELL_PREFIX}{part}"}})
            for part in graded_parts(settings) if part not in present]
