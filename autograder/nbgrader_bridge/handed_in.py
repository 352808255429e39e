"""Before `nbgrader autograde`: what each student handed in, made into the notebook nbgrader reads.

nbgrader grades `submitted/<student>/convnets/convnets.ipynb` and nothing else: a student
whose notebook is misnamed, or who handed in a .py export, would silently get no grade at
all. Here the class run's rules decide (class_grading/roster.py): the file they take is
written next to it as `convnets.ipynb` (a .py as a notebook of the cells the grader runs),
and said; a folder they refuse is an error line.
"""
import shutil

import nbformat

from ..class_grading.roster import ASSIGNMENT, NoSubmission, submission_in
from ..submission import UnreadableSubmission, read_cells

EXPECTED = f"{ASSIGNMENT}.ipynb"


def prepare_handed_in(course_root):
    """Write the `convnets.ipynb` nbgrader needs where a student's folder has none but the
    roster takes another file; returns the error lines of the folders it refuses."""
    submitted = course_root / "submitted"
    errors = []
    for student in sorted(p for p in submitted.iterdir() if p.is_dir()) if submitted.is_dir() else []:
        place = student / ASSIGNMENT
        if (place / EXPECTED).is_file():
            continue
        try:
            found, taken = submission_in(place) if place.is_dir() else (None, "")
        except NoSubmission as reason:
            errors.append(f"error: {student.name}: not graded: {reason}")
            continue
        if found is None:
            errors.append(f"error: {student.name}: not graded: no {ASSIGNMENT}/ folder")
            continue
        try:
            write_as_notebook(found, place / EXPECTED)
        except UnreadableSubmission as reason:
            errors.append(f"error: {student.name}: not graded: {reason}")
            continue
        print(f"{student.name}: {taken}; graded as {EXPECTED}", flush=True)
    return errors


def write_as_notebook(path, target):
    """A notebook at `target` with the code of `path`: a copy of a notebook, or a .py's
    cells; UnreadableSubmission if the .py cannot be read."""
    if path.suffix == ".ipynb":
        shutil.copyfile(path, target)
        return
    cells = [nbformat.v4.new_code_cell(cell["source"]) for cell in read_cells(path)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), target)
