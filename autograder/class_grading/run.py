"""Grading a class: submissions graded in parallel, results written by one writer.

Each grader process (one per `workers`) grades one submission at a time in its own
sandboxed worker and hands back the Gradescope results; this process alone writes them:
first into the gradebook (if there is one), then `OUT/<student>/results.json`, which is
the mark of a finished student. A results file that names the same submission digest
and grading fingerprint is not graded again, so a killed run, run again, grades exactly
the students it had not finished, and nobody twice.
"""
import hashlib
import json
from concurrent.futures import as_completed
from dataclasses import asdict
from pathlib import Path

from ..config import load_settings
from ..parallel import grader_pool
from ..reports.grades_csv import ScoreRow
from ..reports.gradescope import gradescope_results, read_results, write_results
from ..sandbox.confinement import resident_peak_mb
from . import run_exchange
from .run_exchange import Exchange

FINGERPRINTED = ("properties", "sandbox", "grader.py", "submission.py")  # what decides a score


def grade_class(entries, output_dir, settings, workers, force=False, record=None, progress=None):
    """Grade `entries` ([roster.Entry]) into `output_dir`; returns [ScoreRow], one per entry.

    record(student, results): called before a student's results file is written (the
    gradebook writer); progress: a reports.progress.Progress, advanced per student."""
    output_dir = Path(output_dir)
    fingerprint = grading_fingerprint(settings)
    rows, todo = [], []
    for entry in entries:
        digest = submission_digest(entry.path)
        previous = read_results(output_dir / entry.student / "results.json")
        if not force and previous and previous.get("extra_data", {}).get("graded") == [digest, fingerprint]:
            rows.append(ScoreRow.of(entry.student, previous))
        else:
            todo.append((entry, digest))
    if progress is not None:
        progress.count = len(rows)
    if todo:
        exchange = Exchange(workers)
        with grader_pool(workers, setup=run_exchange.join, setup_args=(exchange.inboxes,)) as pool:
            futures = {pool.submit(grade_one, str(entry.path)): (entry, digest) for entry, digest in todo}
            try:
                for future in as_completed(futures):
                    entry, digest = futures.pop(future)  # and with it the result: memory stays flat
                    graded, (grader, runs) = future.result()
                    exchange.pass_on(grader, runs)
                    graded["extra_data"].update(graded=[digest, fingerprint], timestamp=entry.timestamp)
                    if record is not None:
                        record(entry.student, graded)
                    write_results(graded, output_dir / entry.student / "results.json")
                    rows.append(ScoreRow.of(entry.student, graded))
                    if progress is not None:
                        progress.advance(rows[-1])
            except BaseException:  # e.g. the gradebook cannot be written: grade nothing more
                pool.shutdown(cancel_futures=True)
                raise
            finally:
                exchange.close()
    return rows


def grade_one(path):
    """Runs in a grader process: one submission, graded in its own sandboxed worker, after
    adopting the runs the other graders recorded; returns (results, what hand_back gives).
    The results also say how much memory this grader process has needed so far (its
    recorded runs grow with the class, up to replay.MAX_STEPS)."""
    from ..grader import grade_path

    run_exchange.receive()
    results = gradescope_results(grade_path(path, load_settings()))
    results["extra_data"]["grader_peak_mb"] = round(resident_peak_mb(), 1)
    return results, run_exchange.hand_back()


def submission_digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def grading_fingerprint(settings):
    """Changes whenever a score could: the suites, the sandbox, the grader or a setting
    (the course secret enters only as its own digest)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for name in FINGERPRINTED:
        for source in sorted((package / name).rglob("*.py")) if (package / name).is_dir() else [package / name]:
            digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    visible = dict(asdict(settings), course_secret=hashlib.sha256(settings.course_secret.encode()).hexdigest())
    digest.update(json.dumps(visible, sort_keys=True).encode())
    return digest.hexdigest()[:16]
