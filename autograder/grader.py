"""Grading one submission: run every property of every part against the student's code.

The properties, hypothesis and the scoring run here, in the trusted process; the
student's code runs in a sandboxed worker (sandbox/client.py) and only plain data
comes back.
"""
import sys
import time
from pathlib import Path
from dataclasses import dataclass, field

from .config import PART_NAMES, visibility_problems
from .properties import properties_of
from .properties.fixtures import with_fixtures
from .engine import replay as recorded
from .engine.mistake_runs import drop_recorded_runs, offer_mistake_runs
from .engine.reference_runs import build_reference_runs, start_reference_runs
from .engine.runner import failed, run_property
from .sandbox.client import SandboxedSubmission
from .sandbox.confinement import protections
from .sandbox.remote import WorkerLost
from .submission import UnreadableSubmission, read_cells


@dataclass(frozen=True)
class TestResult:
    part: str
    name: str
    score: float
    max_score: float
    output: str
    visibility: str = "visible"  # who may read `output` (config.VISIBILITIES)
    misconception: str = None  # the misconception `output` names (engine/diagnosis.py), if any
    explained_by: tuple = ()  # the catalogue's entries with that misconception that explain the failure

    def student_feedback(self):
        """`output`, unless course_config.py keeps it for staff ("hidden")."""
        if self.visibility == "hidden":
            return f"{self.name}: {self.score:g}/{self.max_score:g} points (its feedback is for course staff only)"
        return self.output


@dataclass
class GradeReport:
    tests: list
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    protections: list = field(default_factory=list)
    worker_peak_mb: float = 0.0

    @property
    def score(self):
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self):
        return round(sum(t.max_score for t in self.tests), 6)

    def part_score(self, part):
        return round(sum(t.score for t in self.tests if t.part == part), 6)


def property_points(settings):
    """[(property, points)]: each part's points shared among its properties by weight; a
    part with no points (left out of the course, see course_config.py) has no tests."""
    problems = visibility_problems(settings.visibility)
    if problems:
        raise ValueError("course_config.py: " + "; ".join(problems))
    shares = []
    for part in graded_parts(settings):
        props, points = properties_of(part), settings.part_points[part]
        total = sum(p.weight for p in props)
        shares += [(p, round(points * p.weight / total, 6)) for p in props]
    return shares


def graded_properties(settings):
    """Every property this course grades, in order."""
    return [prop for prop, _ in property_points(settings)]


def build_reference_cache(settings):
    """The course's cache file of the reference's runs (engine/reference_runs.py), built if
    it is missing or damaged: `make release` and the Gradescope zip make it; its path."""
    return build_reference_runs(graded_properties(settings), settings)


def graded_parts(settings):
    """The parts this course grades: a part with no points is left out."""
    return [part for part in PART_NAMES if settings.part_points.get(part)]


def test_result(prop, points, verdict, settings):
    diagnosis = verdict.diagnosis
    return TestResult(prop.part, prop.name, points if verdict.passed else 0.0, points, feedback(verdict),
                      settings.visibility_of(prop.part, prop.name),
                      diagnosis.misconception.label if diagnosis else None, diagnosis.entries if diagnosis else ())


def feedback(verdict):
    """The verdict's message, and the line naming the misconception that explains it."""
    return f"{verdict.message}\n{verdict.diagnosis.line}" if verdict.diagnosis else verdict.message


def grade_path(path, settings, parts=PART_NAMES):
    """Grade `parts` of a .ipynb or .py submission in a sandboxed worker; never raises for
    bad input. The worker sees neither the submission's folder nor the one above it."""
    try:
        cells = read_cells(path)
    except UnreadableSubmission as problem:
        return zero_report(settings, f"Your submission could not be read: {problem}")
    folder = Path(path).resolve().parent
    return grade_cells(cells, settings, hidden=[folder, folder.parent], parts=parts)


def grade_cells(cells, settings, hidden=(), parts=PART_NAMES):
    """Grade code cells ([{"label", "source"}]) in a fresh sandboxed worker that cannot
    see the folders `hidden` (nor the course, see sandbox/confinement.py). If replay is
    found inexact (engine/replay.py, NotExact), the grading starts again in a new worker
    by plain hypothesis, as every later one in this process, with one line on stderr; the
    course's cache file of the reference's runs is removed."""
    try:
        return _grade_in_new_worker(cells, settings, hidden, parts, recorded.replaying())
    except recorded.NotExact as problem:
        recorded.stop_replaying()
        drop_recorded_runs(settings)
        print(f"warning: {problem}; this grader drops its recorded runs and grades without them from now on "
              "(the same grades, more slowly), and removes the recorded runs from .grading_cache/ (the next "
              "grader records the reference's again, `make release` the catalogued mistakes')", file=sys.stderr)
        return _grade_in_new_worker(cells, settings, hidden, parts, replay=False)


def _grade_in_new_worker(cells, settings, hidden, parts, replay):
    started = time.monotonic()
    with SandboxedSubmission(settings, hidden) as student:
        try:
            loaded = student.load(with_fixtures(cells))
        except WorkerLost as lost:
            report = zero_report(settings, f"Your code could not be run: {lost}")
        else:
            report = grade_loaded(student, loaded, settings, deadline=started + settings.submission_timeout, parts=parts,
                                  replay=replay)
    report.seconds = round(time.monotonic() - started, 3)
    report.worker_peak_mb = student.peak_memory_mb
    report.protections = active_protections(settings)
    return report


def active_protections(settings):
    """The names of the sandbox's protections in force on this machine."""
    return [p.name for p in protections(settings.worker_memory_mb, settings.submission_timeout) if p.active]


def grade_loaded(student, loaded, settings, deadline=None, parts=PART_NAMES, replay=True):
    """Run the properties of `parts` against a submission whose cells have been run.
    replay: follow the hypothesis runs this process recorded first (engine/replay.py);
    a process that grades one submission only gains nothing from it. With replay the
    reference's runs come from the course's cache when it has them (engine/reference_runs.py),
    and the catalogued mistakes' when a submission leaves them (engine/mistake_runs.py)."""
    if replay:
        props = graded_properties(settings)
        start_reference_runs(props, settings)
        offer_mistake_runs(props, settings)
    notes = [f"{e['label']} raised {e['error']['type']}: {e['error']['message']}" for e in loaded.cell_errors]
    tests = []
    for prop, points in property_points(settings):
        if prop.part not in parts:
            continue
        missing = [name for name in prop.uses if name not in loaded.defined]
        if missing:
            verdict = failed(prop, "not defined in your submission: " + ", ".join(missing))
        elif deadline is not None and time.monotonic() > deadline:
            verdict = failed(prop, "not run, the submission's time ran out")
        else:
            verdict = run_property(prop, student, settings.course_secret, settings.max_examples, replay=replay,
                                   find_smallest=settings.find_smallest)
        tests.append(test_result(prop, points, verdict, settings))
    return GradeReport(tests, notes)


def zero_report(settings, reason):
    """Every property at 0, with the reason as the report's note."""
    tests = [test_result(p, points, failed(p, reason), settings) for p, points in property_points(settings)]
    return GradeReport(tests, [reason])
