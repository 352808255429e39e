"""grades.csv: one row per student, a column per part, the total and the maximum; a
student not graded has no scores and the reason in the last column, `not_graded`."""
import csv
import io
from pathlib import Path

from ..config import PART_NAMES
from ..files import write_atomically

NOT_GRADED = "not_graded"


def write_grades_csv(path, rows, not_graded=()):
    """rows: [ScoreRow], and not_graded: [class_grading.writer.NotGraded], written sorted by student."""
    lines = [[row.student, *(f"{row.parts.get(p, 0.0):g}" for p in PART_NAMES), f"{row.score:g}", f"{row.max_score:g}", ""]
             for row in rows]
    lines += [[failure.student, *[""] * (len(PART_NAMES) + 2), failure.reason] for failure in not_graded]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", *PART_NAMES, "score", "max_score", NOT_GRADED])
    writer.writerows(sorted(lines))
    write_atomically(path, buffer.getvalue())


def read_not_graded(folder):
    """{student: reason} of the students a class run in `folder` could not grade (its
    grades.csv's `not_graded` column); {} if it has no grades.csv."""
    try:
        with open(Path(folder) / "grades.csv", newline="", encoding="utf-8") as stream:
            return {row["student_id"]: row[NOT_GRADED] for row in csv.DictReader(stream) if row.get(NOT_GRADED)}
    except FileNotFoundError:
        return {}
