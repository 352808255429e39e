"""The reference solution's recorded runs (replay.py), kept on disk between grader processes.

A process that grades one submission (Gradescope, GitHub Classroom, CI: a process or a
container each) would otherwise spend most of its time recording the reference's run of
every property before it looks at the student's code. The runs are written once, in a
file per grading (results.grading_fingerprint, and what else decides what hypothesis
draws: its version, numpy's, Python's and the master notebook) in .grading_cache/ of the
course folder, which only the grader writes and workers never see (sandbox/confinement.py
hides the course). A file is used whole or not at all: its checksum must hold, every run
must be adopted as shared_runs.py adopts (each example decodes to the digest its recorder
computed), and it must hold one passing run per property and nothing else; otherwise the
runs are recorded as without it, and the file written again. The course secret is not
written: the runs are stored under an empty one, the file's name standing for the secret.
`make release` builds the file, and the Gradescope zip ships it (build_reference_runs).
"""
import hashlib
import importlib.metadata
import platform

import numpy

from ..config import COURSE_ROOT, MASTER_NOTEBOOK
from ..files import write_atomically
from ..results import grading_fingerprint
from . import replay
from .shared_runs import pack_runs, unpack_runs

CACHE_FOLDER = COURSE_ROOT / ".grading_cache"  # git ignores it; deleting it only costs time


def start_reference_runs(props, settings):
    """After this, each of `props` (every property of the course) has the reference's run
    in this process's trees: from the cache file if it holds them all, intact, else
    recorded, and the file written for the next process."""
    secret, max_examples = settings.course_secret, settings.max_examples
    if all(replay.has_runs(prop, secret, max_examples) for prop in props):
        return
    path = cache_file(settings)
    cached = read_reference_runs(path, props, secret, max_examples)
    if cached is not None:
        for run in cached:
            replay.add_recorded(run, bounded=False)  # shared as if recorded here, as before
        return
    write_reference_runs(path, [replay.record_reference(prop, secret, max_examples) for prop in props])


def build_reference_runs(props, settings):
    """This grading's cache file, holding the reference's runs of `props`: read and checked,
    or recorded and written, as a new grader process would; its path (missing only if the
    course folder cannot be written)."""
    with replay.fresh_trees():  # a process that has the runs already would not look at the file
        start_reference_runs(props, settings)
    return cache_file(settings)


def cache_file(settings):
    """The file that holds the reference's runs for this grading on this installation."""
    made_with = f"{importlib.metadata.version('hypothesis')}/{numpy.__version__}/{platform.python_version()}".encode()
    drawn_by = hashlib.sha256(made_with + b"\0" + MASTER_NOTEBOOK.read_bytes()).hexdigest()[:16]
    return CACHE_FOLDER / f"reference-runs-{grading_fingerprint(settings)}-{drawn_by}.bin"


def write_reference_runs(path, runs):
    """Write `runs` (without the secret) to `path`, whole or not at all. A course folder the
    grader cannot write to only means recording again next time."""
    body = pack_runs([replay.Run(_stored_key(run.key), run.examples, run.ending) for run in runs])
    try:
        write_atomically(path, _checksum(body) + b"\n" + body)
    except OSError:
        pass


def read_reference_runs(path, props, secret, max_examples):
    """The reference's runs of `props`, in order, from `path`; None unless it holds exactly
    one intact passing run for each of them and nothing else."""
    try:
        checksum, _, body = path.read_bytes().partition(b"\n")
    except OSError:
        return None
    if checksum != _checksum(body):
        return None
    runs = unpack_runs(body)
    wanted = [_stored_key((prop.part, prop.name, secret, max_examples)) for prop in props]
    if [run.key for run in runs] != wanted or not all(map(_passes_throughout, runs)):
        return None
    return [replay.Run((*run.key[:2], secret, max_examples), run.examples, run.ending) for run in runs]


def _stored_key(key):
    part, name, _secret, max_examples = key
    return part, name, "", max_examples


def _passes_throughout(run):
    """A reference's run: no example failed (some are rejected by an `assume`), it passed."""
    return run.ending == replay.Ending(passed=True) and not any(replay.is_failure(outcome) for _, _, outcome in run.examples)


def _checksum(body):
    return hashlib.sha256(body).hexdigest().encode()
