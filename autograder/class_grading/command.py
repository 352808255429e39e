"""`grade-class` and `merge`, from arguments to files: roster, gradebook, CSV, summary."""
import contextlib
import sqlite3
from pathlib import Path

from ..config import ASSIGNMENT
from ..parallel import usable_cpus
from ..points import REGENERATE, check_points
from ..reports.grades_csv import write_grades_csv
from ..reports.table import summary_table
from ..results import part_scores
from ..sandbox.confinement import resident_peak_mb
from .merge import merge_outputs
from .progress import Progress
from .roster import find_submissions, in_shard, is_nbgrader_layout, parse_shard
from .run import grade_class


def grade_class_command(folder, output_dir, settings, workers=None, shard=None, force=False):
    """Grade a class folder; results, grades.csv and (in nbgrader's layout) the gradebook."""
    roster = find_submissions(folder)
    entries, refused = roster.entries, roster.refused
    if shard:
        entries = [e for e in entries if in_shard(e.student, parse_shard(shard))]
        refused = [r for r in refused if in_shard(r.student, parse_shard(shard))]
    workers = workers or usable_cpus()
    course = Path(folder).resolve().parent if is_nbgrader_layout(entries) else None
    gradebook_file = course / "gradebook.db" if course else None
    print(f"Grading {len(entries)} submissions from {folder} with {workers} workers into {output_dir}"
          + (f"; gradebook {gradebook_file}" if gradebook_file and gradebook_file.exists() else ""), flush=True)
    for entry in entries:
        if entry.taken:
            print(f"{entry.student}: {entry.taken}", flush=True)
    progress = Progress(len(entries) + len(refused))
    with _gradebook_writer(gradebook_file, settings.part_points) as record:
        results = grade_class(entries, output_dir, settings, workers, force=force, record=record, progress=progress,
                              refused=refused)
    progress.close()
    write_grades_csv(Path(output_dir) / "grades.csv", results.rows, results.failures)
    print(summary_table(results.rows))
    print(f"Results: {output_dir}/<student>/results.json; grades: {Path(output_dir) / 'grades.csv'}")
    print(f"This process's peak memory: {resident_peak_mb():.0f} MB")
    return _exit_status(results.failures)


def merge_command(inputs, output_dir, part_points, course=None):
    """Merge class outputs into one folder and grades.csv (and the course's gradebook);
    results or a gradebook whose points disagree with `part_points` are refused."""
    with _gradebook_writer(Path(course) / "gradebook.db" if course else None, part_points) as record:
        results = merge_outputs(inputs, output_dir, part_points, record=record)
    write_grades_csv(Path(output_dir) / "grades.csv", results.rows, results.failures)
    print(summary_table(results.rows))
    print(f"Merged {len(results.rows)} students from {len(inputs)} outputs into {output_dir}")
    return _exit_status(results.failures)


def _exit_status(failures):
    """1 after an error line per student not graded (in grades.csv with the reason and no
    scores), else 0."""
    if not failures:
        return 0
    print(f"error: {len(failures)} student{'s' if len(failures) > 1 else ''} not graded (fix what a line "
          "says, or run the same command again to retry them):")
    for failure in sorted(failures, key=lambda f: f.student):
        print(f"error: {failure}")
    return 1


class UnreadableGradebook(Exception):
    """The course's gradebook.db is there but is no database: nothing is graded."""


@contextlib.contextmanager
def _gradebook_writer(path, part_points):
    """record(student, results) into the gradebook at `path`, if there is one; the
    submission's time travels in the results, so a merge of shards keeps it too.
    A gradebook whose test cells are worth other points than `part_points` is refused
    before anything is graded (PointsMismatch).
    The gradebook is opened when the first results arrive: importing nbgrader takes
    seconds, which the grader processes spend grading."""
    if path is None or not path.exists():
        yield lambda student, results: None
        return
    _check_readable(path)
    check_points(_gradebook_points(path), part_points, "the gradebook's test cell", REGENERATE)
    with contextlib.ExitStack() as stack:
        opened = []

        def record(student, results):
            from ..nbgrader_bridge.course import open_gradebook
            from ..nbgrader_bridge.gradebook import record_results

            if not opened:
                opened.append(stack.enter_context(open_gradebook(path.parent)))
            record_results(opened[0], student, part_scores(results), results["extra_data"].get("timestamp"))

        yield record


def _check_readable(path):
    """Raise UnreadableGradebook unless `path` is an SQLite database (the standard
    library tells in milliseconds; nbgrader, which checks its tables, loads later)."""
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as database:
            database.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        raise UnreadableGradebook(f"{path} cannot be read as a gradebook ({error}); nothing was graded") from None


def _gradebook_points(path):
    """{part: points} of the assignment notebook's test cells in the gradebook at `path`
    (read with the standard library, like _check_readable: nbgrader loads later)."""
    query = ("SELECT cell.name, grade.max_score FROM grade_cells AS grade JOIN base_cell AS cell ON cell.id = grade.id "
             "JOIN notebook ON notebook.id = cell.notebook_id JOIN assignment ON assignment.id = notebook.assignment_id "
             "WHERE assignment.name = ? AND notebook.name = ? AND cell.name LIKE 'tests-%'")
    with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as database:
        try:
            rows = database.execute(query, (ASSIGNMENT, ASSIGNMENT)).fetchall()
        except sqlite3.DatabaseError:  # no tables yet: nbgrader has not released the assignment into it
            rows = []
    return {name.removeprefix("tests-"): points for name, points in rows}
