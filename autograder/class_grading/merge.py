"""Combining the outputs of several class runs (shards) into one."""
from pathlib import Path

from ..config import PART_NAMES
from ..points import check_points
from ..reports.grades_csv import read_not_graded
from ..results import class_results, part_scores
from .writer import ClassResults

TIMING = ("execution_time", "extra_data.worker_peak_mb", "extra_data.grader_peak_mb")  # differ between two runs


class MergeConflict(Exception):
    """Two outputs hold different results for the same student."""


class NotAClassOutput(Exception):
    """An input folder is missing, or holds neither results nor the grades.csv every class
    run writes (a shard no student fell into has only that)."""


def merge_outputs(inputs, output_dir, part_points, record=None):
    """Copy every `<input>/<student>/results.json` into `output_dir`; returns the
    ClassResults. record(student, results) is called for each student (the gradebook
    writer); a student it cannot record is one error line, not the end of the merge, and
    so is a student an input could not grade (its grades.csv says why) and no other did.
    Two results that differ only in timing (TIMING) are the same result. Results graded
    with other points than `part_points` are refused (PointsMismatch)."""
    merged, not_graded = {}, {}
    for folder in map(Path, inputs):
        found, failed = _class_output(folder)
        not_graded.update(failed)
        for student, path, results in found:
            if results is None:
                raise MergeConflict(f"{path} is not a results file")
            check_points(_points_of(results), part_points, str(path),
                         "Those results were graded with other points: grade them again (grade-class --force).",
                         every_part=False)
            if student in merged and _without_timing(merged[student]) != _without_timing(results):
                raise MergeConflict(f"{student} has different results in two outputs ({path})")
            merged[student] = results
    written = ClassResults(output_dir, record)
    for student in sorted(merged):
        written.add(student, merged[student])
    for student in sorted(set(not_graded) - set(merged)):
        written.fail(student, not_graded[student])
    return written


def _points_of(results):
    """{part: points} of the known parts in well-formed results; {} for others, which are
    their student's error when written (writer.py), not the whole merge's."""
    try:
        points = part_scores(results, "max_score")
    except (AttributeError, KeyError, TypeError, ValueError):
        return {}
    return {part: value for part, value in points.items() if part in PART_NAMES}


def _class_output(folder):
    """(class_results(folder), {student: why not graded}); NotAClassOutput if it is no class output."""
    if not folder.is_dir():
        raise NotAClassOutput(f"{folder} is not a folder (a grade-class --output-dir was expected)")
    found = class_results(folder)
    if not found and not (folder / "grades.csv").is_file():
        raise NotAClassOutput(f"{folder} holds no grades.csv and no <student>/results.json: "
                              "is it a grade-class --output-dir?")
    return found, read_not_graded(folder)


def _without_timing(results):
    """`results` without the fields TIMING names, which differ from run to run."""
    kept = {key: value for key, value in results.items() if key not in TIMING}
    if isinstance(results.get("extra_data"), dict):
        kept["extra_data"] = {key: value for key, value in results["extra_data"].items()
                              if f"extra_data.{key}" not in TIMING}
    return kept
