"""grades.csv: one row per student, a column per part, the total and the maximum."""
import csv
import io
from dataclasses import dataclass

from ..properties import PART_NAMES
from .files import write_atomically
from .gradescope import max_score, part_scores


@dataclass(frozen=True)
class ScoreRow:
    """What a class run keeps of a student's results: a few numbers, not the feedback."""
    student: str
    parts: dict
    parts_max: dict
    score: float
    max_score: float

    @classmethod
    def of(cls, student, results):
        return cls(student, part_scores(results), part_scores(results, key="max_score"), results["score"], max_score(results))


def write_grades_csv(path, rows):
    """rows: [ScoreRow], written sorted by student."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", *PART_NAMES, "score", "max_score"])
    for row in sorted(rows, key=lambda r: r.student):
        writer.writerow([row.student, *(f"{row.parts.get(p, 0.0):g}" for p in PART_NAMES), f"{row.score:g}", f"{row.max_score:g}"])
    write_atomically(path, buffer.getvalue())
