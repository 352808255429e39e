"""Combining the outputs of several class runs (shards) into one."""
from pathlib import Path

from ..points import check_points
from ..reports.gradescope import class_results, part_scores
from .writer import ClassResults


class MergeConflict(Exception):
    """Two outputs hold different results for the same student."""


def merge_outputs(inputs, output_dir, part_points, record=None):
    """Copy every `<input>/<student>/results.json` into `output_dir`; returns the
    ClassResults. record(student, results) is called for each student (the gradebook
    writer); a student it cannot record is one error line, not the end of the merge.
    Results graded with other points than `part_points` are refused (PointsMismatch)."""
    merged = {}
    for folder in map(Path, inputs):
        for student, path, results in class_results(folder):
            if results is None:
                raise MergeConflict(f"{path} is not a results file")
            check_points(part_scores(results, "max_score"), part_points, str(path),
                         "Those results were graded with other points: grade them again (grade-class --force).")
            if student in merged and merged[student] != results:
                raise MergeConflict(f"{student} has different results in two outputs ({path})")
            merged[student] = results
    written = ClassResults(output_dir, record)
    for student in sorted(merged):
        written.add(student, merged[student])
    return written
