"""Grading a class: submissions graded in parallel, results written by one writer.

Each grader process (one per `workers`) grades one submission at a time in its own
sandboxed worker and hands back the Gradescope results; this process alone writes them
(writer.py): first into the gradebook (if there is one), then `OUT/<student>/results.json`,
which is the mark of a finished student. A results file that names the same submission
digest and grading fingerprint is not graded again, so a killed run, run again, grades
exactly the students it had not finished, and nobody twice.

One student never stops the run. A grader process that dies takes its pool with it: the
students then being graded are graded again one at a time, each in a pool of its own,
so only the one whose grading kills its grader is lost; the rest go on in a new pool.
That student, like one whose submission, results or timestamp.txt cannot be read or
written, gets an error line and no results file, and is graded again by the next run.
"""
from collections import deque
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool

from ..parallel import grader_pool
from ..results import gradescope_results, graded_before, grading_fingerprint, stamp_graded, submission_digest
from ..sandbox.confinement import resident_peak_mb
from . import run_exchange
from .run_exchange import Exchange
from .writer import ClassResults, error_text

CRASHED = "its grader process crashed while grading it"


def grade_class(entries, output_dir, settings, workers, force=False, record=None, progress=None, refused=()):
    """Grade `entries` ([roster.Entry]) into `output_dir`; returns the ClassResults (a
    ScoreRow per student graded, a NotGraded per student not, those `refused`
    ([roster.Refused]: no submission to grade) first).

    record(student, results): called before a student's results file is written (the
    gradebook writer); progress: a progress.Progress, advanced per student."""
    fingerprint = grading_fingerprint(settings)
    results = ClassResults(output_dir, record, progress)
    for student in refused:
        results.fail(student.student, student.reason)
    todo = []
    for entry in entries:
        try:
            digest = submission_digest(entry.path)
        except OSError as error:
            results.fail(entry.student, f"the submission cannot be read ({error_text(error)})")
            continue
        done = None if force else graded_before(results.results_path(entry.student), entry.student, digest, fingerprint)
        if done is None:
            todo.append((entry, digest))
        else:
            results.rows.append(done)
    if progress is not None:
        progress.start(already_done=len(results.rows))  # graded before; fail() counted the others

    def finish(entry, digest, graded):
        stamp_graded(graded, digest, fingerprint)
        graded["extra_data"]["timestamp"] = entry.timestamp
        results.add(entry.student, graded)

    grade_in_pools(todo, settings, workers, finish, results.fail)
    return results


def grade_in_pools(todo, settings, workers, finish, fail):
    """Grade `todo` ([(roster.Entry, digest)]) with `settings` in grader processes, `workers` at a time:
    finish(entry, digest, results) for each one graded, fail(student, reason) for each
    one that could not be, a crashed grader's student included (see the module's doc)."""
    waiting = deque(todo)
    while waiting:
        for entry, digest in grade_in_pool(waiting, settings, workers, finish, fail):
            if grade_in_pool(deque([(entry, digest)]), settings, 1, finish, fail):
                fail(entry.student, CRASHED)


def grade_in_pool(waiting, settings, workers, finish, fail):
    """Grade from `waiting` (taking each one off it) in a new pool of `workers` grader
    processes, as many at a time as there are graders; returns [] once `waiting` is
    empty, or, when a grader process dies, what was being graded then (the suspects)."""
    exchange = Exchange(workers)
    try:
        with grader_pool(workers, setup=run_exchange.join, setup_args=(exchange.inboxes,)) as pool:
            in_flight = {}
            submit_more(pool, waiting, in_flight, settings, workers)
            while in_flight:
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                finished = [(in_flight.pop(future), future) for future in done]
                submit_more(pool, waiting, in_flight, settings, workers)  # the graders go on while results are written
                crashed = [item for item, future in finished if isinstance(future.exception(), BrokenProcessPool)]
                for item, future in finished:
                    if item not in crashed:
                        settle(item, future, exchange, finish, fail)
                if crashed:
                    return crashed + list(in_flight.values())
            return []  # all graded, or a grader died between two students: a new pool takes over
    finally:
        exchange.close()


def submit_more(pool, waiting, in_flight, settings, workers):
    """Move students from `waiting` to `in_flight` ({future: item}) until as many are
    being graded as there are graders; stops early if the pool is broken."""
    while waiting and len(in_flight) < workers:
        try:
            in_flight[pool.submit(grade_one, str(waiting[0][0].path), settings)] = waiting[0]
        except BrokenProcessPool:
            return
        waiting.popleft()


def settle(item, future, exchange, finish, fail):
    """A finished grading: its results to finish(), or its error to fail()."""
    entry, digest = item
    try:
        graded, (grader, runs) = future.result()
        exchange.pass_on(grader, runs)
    except Exception as error:  # grade_one raised, or handed back something else than results
        fail(entry.student, f"its grading failed ({error_text(error)})")
        return
    try:
        finish(entry, digest, graded)
    except Exception as error:  # e.g. its timestamp.txt cannot be read
        fail(entry.student, f"the results could not be recorded ({error_text(error)})")


def grade_one(path, settings):
    """Runs in a grader process: one submission, graded with the run's `settings` (those its
    fingerprint names) in its own sandboxed worker, after
    adopting the runs the other graders recorded; returns (results, what hand_back gives).
    The results also say how much memory this grader process has needed so far (its
    recorded runs grow with the class, up to replay.MAX_STEPS)."""
    from ..grader import grade_path

    run_exchange.receive()
    results = gradescope_results(grade_path(path, settings))
    results["extra_data"]["grader_peak_mb"] = round(resident_peak_mb(), 1)
    return results, run_exchange.hand_back()
