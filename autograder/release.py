"""Making the release: master notebook from its text form, nbgrader's student version,
the sample class built from the release, and the recorded runs of the reference and of
the catalogued mistakes for the graders (engine/reference_runs.py, engine/mistake_runs.py)."""
import shutil
import tempfile
from pathlib import Path

from .config import ASSIGNMENT, NOTEBOOK, RELEASED_NOTEBOOK, SAMPLE_CLASS
from .engine.mistake_runs import record_mistake_runs
from .grader import build_reference_cache
from .nbgrader_bridge.course import new_course
from .notebook_source import write_master
from .reference import notebook_json, solved_notebook

# Students of the bundled sample class: who they are and which catalogue entry they
# handed in ("reference": the solution as written; "blank": the release untouched).
ROSTER = {
    "ada": "reference",
    "ben": "blank",
    "cleo": "chain-backward-not-chained",
    "dev": "sigmoid-naive-overflow",
    "eve": "fold-shifts-last-layer",
    "finn": "sigmoid-tanh",
}


def generate_release():
    """nbgrader generate_assignment in a scratch course; returns the release folder."""
    return new_course(Path(tempfile.mkdtemp(prefix=f"{ASSIGNMENT}-release-"))) / "assignment" / ASSIGNMENT


def sample_notebook(student, released):
    # The catalogue edits the master notebook's definitions (reference.py): imported here,
    # after make_release has written the master, never from the one before.
    from .audit.catalogue import CATALOGUE

    entry = ROSTER[student]
    if entry == "blank":
        return released.joinpath(NOTEBOOK).read_text(encoding="utf-8")
    override = "" if entry == "reference" else next(e.override for e in CATALOGUE if e.name == entry)
    return notebook_json(solved_notebook(override, released / NOTEBOOK))


def make_release(settings, force=False):
    """Regenerate the master notebook (refused if it was edited by hand,
    unless `force`), assignment/ and sample_class/, with PART_POINTS' points and
    without the parts it gives none; then record the runs of the reference and of the
    catalogued mistakes for the graders."""
    write_master(settings.part_points, force=force)
    released = generate_release()
    target = RELEASED_NOTEBOOK.parent
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(released, target)
    for student in ROSTER:
        folder = SAMPLE_CLASS / student
        folder.mkdir(parents=True, exist_ok=True)
        folder.joinpath(NOTEBOOK).write_text(sample_notebook(student, target), encoding="utf-8")
    shutil.rmtree(released.parents[1])
    build_reference_cache(settings)
    record_mistake_runs(settings)
