"""PART_POINTS (course_config.py) is the only home of each part's points. The release is
generated from it (notebook_source.py); wherever else points are found (a notebook's
test cells, the gradebook, results to merge) they must agree with it, or nothing is
graded or written."""
import json
import math
from pathlib import Path

from .config import ASSIGNMENT

TEST_CELL_PREFIX = "tests-"
REGENERATE = (f"Make them agree: `make release`, then `python -m autograder nbgrader generate_assignment {ASSIGNMENT} "
              "--force` (the gradebook takes the release's points).")


class PointsMismatch(ValueError):
    """Points found somewhere disagree with PART_POINTS; each line names both numbers."""


def check_points(found, part_points, where, fix, every_part=True):
    """Raise PointsMismatch unless `found` ({part: points}, read from `where`) gives each
    part PART_POINTS' points. every_part: a graded part missing from `found` is a
    mismatch too (else only the parts found are compared). `fix`: how to make them agree."""
    problems = disagreements(found, part_points, where, every_part)
    if problems:
        raise PointsMismatch("\n".join(problems + [fix]))


def disagreements(found, part_points, where, every_part=True):
    """One line per part whose points in `found` are not PART_POINTS', naming both."""
    graded = {part: points for part, points in part_points.items() if points}
    parts = sorted(set(found) | (set(graded) if every_part else set()))
    return [f"{part}: {where} {_points(found.get(part))}, course_config.py's PART_POINTS gives "
            f"{part_points.get(part, 0.0):g} points" for part in parts if not _agree(found.get(part), graded.get(part))]


def test_cell_points(notebook):
    """{part: points} of the notebook's test cells (nbgrader grade id `tests-<part>`);
    `notebook`: parsed notebook JSON or nbformat's NotebookNode, perhaps malformed."""
    found = {}
    for cell in notebook.get("cells", []) if isinstance(notebook, dict) else []:
        metadata = cell.get("metadata") if isinstance(cell, dict) else None
        nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        if isinstance(grade_id, str) and grade_id.startswith(TEST_CELL_PREFIX) and nbgrader.get("grade") is True:
            found[grade_id[len(TEST_CELL_PREFIX):]] = nbgrader.get("points")
    return found


def notebook_file_points(path):
    """test_cell_points of the notebook file at `path`; {} if it cannot be read (grading
    says why)."""
    try:
        return test_cell_points(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def _agree(found, expected):
    """Points found (anything) and PART_POINTS' (None: the part is left out) agree; a
    sum of shares rounded to 6 decimals counts as its total."""
    if found is None or expected is None:
        return found is expected
    return type(found) in (int, float) and math.isclose(found, expected, abs_tol=1e-6)


def _points(points):
    if points is None:
        return "has none"
    return f"gives {points:g} points" if type(points) in (int, float) else f"gives {points!r} as points"
