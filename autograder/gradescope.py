"""Gradescope: the autograder.zip an instructor uploads, and the upload it grades.

Gradescope unpacks the zip into /autograder/source and runs its setup.sh there once
(the pinned environment, in /autograder/venv, then `gradescope-setup`, prepare_machine);
then, for each submission, it runs /autograder/run_autograder with the student's upload in
/autograder/submission/ and shows /autograder/results/results.json. GRADESCOPE_ROOT
moves /autograder elsewhere (the tests grade in a scratch folder laid out the same way).

The zip holds the package, course_config.py, the master and released notebooks (the
reference and the released cells the grader needs), the reference's recorded runs
(engine/reference_runs.py, built for the settings the zip is built with, so that no
submission pays for recording them; they are for this Python's version, and setup.sh
records them once for a Gradescope Python of another), the catalogued mistakes' recorded
runs if `make release` recorded them for these settings (engine/mistake_runs.py, again
recorded by setup.sh for another Python) and requirements.lock; with
CONVNETS_COURSE_SECRET set when it is built, the secret too, which run_autograder
exports (Gradescope has no other way to pass one).
"""
import compileall
import os
import zipfile
from pathlib import Path

from .config import COURSE_ROOT, MASTER_NOTEBOOK, PACKAGE_PARENT, RELEASED_NOTEBOOK
from .class_grading.roster import NoSubmission, submission_in
from .engine.mistake_runs import mistakes_file, record_mistake_runs
from .grader import build_reference_cache

SECRET_FILE = "course_secret"
# run_autograder's and setup.sh's: both grade (or record the reference's runs) under the
# secret set when the zip was built, if one was.
EXPORT_SECRET = f"""if [ -f "$ROOT/source/{SECRET_FILE}" ]; then
    CONVNETS_COURSE_SECRET="$(cat "$ROOT/source/{SECRET_FILE}")"
    export CONVNETS_COURSE_SECRET
fi
"""
EXECUTABLE = 0o100755 << 16  # a zip member's mode: a regular file anyone may run

SETUP = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source: the pinned environment, then
# what no submission should pay for again (gradescope-setup: the package compiled, the
# recorded runs made for this Python).
set -euo pipefail
cd "$(dirname "$0")"
ROOT="${{GRADESCOPE_ROOT:-/autograder}}"
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3 python3-venv > /dev/null
fi
python3 -c 'import sys; sys.exit("Python >= 3.11 is needed (Gradescope: the Ubuntu 24.04 base image), found "
                                 + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r requirements.lock
"$ROOT/venv/bin/pip" check --disable-pip-version-check
{EXPORT_SECRET}"$ROOT/venv/bin/python" -m autograder --course "$(pwd)" gradescope-setup
"""

RUN = f"""#!/usr/bin/env bash
# Gradescope runs this for each submission: the upload in submission/ is graded into
# results/results.json. CONVNETS_PYTHON overrides the Python setup.sh made.
set -eu
ROOT="${{GRADESCOPE_ROOT:-/autograder}}"
{EXPORT_SECRET}cd "$ROOT/source"
exec "${{CONVNETS_PYTHON:-$ROOT/venv/bin/python}}" -m autograder --course "$ROOT/source" gradescope-upload "$ROOT"
"""


def prepare_machine(settings):
    """What setup.sh runs once where Gradescope grades; each submission is then graded in a
    fresh copy of this machine, and pays for nothing done here: the package compiled, and
    the runs for these settings and this Python, recorded if the zip's were made with
    another Python. The cache files' paths (the mistakes' None if the zip has none), or
    IncompleteCourse."""
    compiled = compileall.compile_dir(PACKAGE_PARENT / "autograder", quiet=1) and compileall.compile_file(
        COURSE_ROOT / "course_config.py", quiet=1)
    if not compiled:
        raise IncompleteCourse("the package or course_config.py does not compile (see above)")
    return written_reference_runs(settings), mistake_runs_for_this_python(settings)


def mistake_runs_for_this_python(settings):
    """The catalogued mistakes' runs for these settings and this Python: the zip's, or
    recorded here if the zip's were made with another Python; None if the zip has none
    for these settings (the course did not record them)."""
    ours = mistakes_file(settings)
    if ours.is_file():
        return ours
    fingerprint = ours.name.rsplit("-", 1)[0]  # mistake-runs-<grading>, then what drew them
    if not any(ours.parent.glob(f"{fingerprint}-*.bin")):
        return None
    try:
        return record_mistake_runs(settings)
    except OSError as error:
        raise IncompleteCourse(f"cannot write the catalogued mistakes' recorded runs: {error}") from None


def written_reference_runs(settings, note=""):
    """The reference's runs for `settings` and this Python, in the course's cache file:
    read, or recorded and written (build_reference_cache); its path, or IncompleteCourse
    if it cannot be written (`note` ends the message)."""
    reference_runs = build_reference_cache(settings)
    if not reference_runs.is_file():
        raise IncompleteCourse(f"cannot write the reference's recorded runs to {reference_runs.parent}{note}")
    return reference_runs


class IncompleteCourse(Exception):
    """A file the zip needs is not there (the message says which)."""


def build_zip(output, settings):
    """Write autograder.zip to `output` for grading with `settings`; IncompleteCourse if a
    file it needs is missing."""
    members = zip_members()
    missing = [str(path) for path in members.values() if not path.is_file()]
    if missing:
        raise IncompleteCourse(f"cannot build the zip without {', '.join(missing)} (build it from a clone of the course)")
    reference_runs = written_reference_runs(settings, ", which the zip ships")
    members[str(reference_runs.relative_to(COURSE_ROOT))] = reference_runs
    mistake_runs = mistakes_file(settings)
    if mistake_runs.is_file():
        members[f"{reference_runs.parent.name}/{mistake_runs.name}"] = mistake_runs
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_script(archive, "setup.sh", SETUP)
        _add_script(archive, "run_autograder", RUN)
        for name, path in sorted(members.items()):
            archive.write(path, name)
        if os.environ.get("CONVNETS_COURSE_SECRET"):
            archive.writestr(SECRET_FILE, os.environ["CONVNETS_COURSE_SECRET"])
    return sorted([*members, "setup.sh", "run_autograder"])


def zip_members():
    """{name in the zip: file}: the package's code, the course's files and the lock file."""
    package = PACKAGE_PARENT / "autograder"
    members = {str(path.relative_to(PACKAGE_PARENT)): path for path in package.rglob("*.py")}
    for path in (COURSE_ROOT / "course_config.py", MASTER_NOTEBOOK, RELEASED_NOTEBOOK):
        members[str(path.relative_to(COURSE_ROOT))] = path
    members["requirements.lock"] = PACKAGE_PARENT / "requirements.lock"
    return members


def _add_script(archive, name, text):
    info = zipfile.ZipInfo(name)
    info.external_attr = EXECUTABLE
    archive.writestr(info, text)


def upload_in(root):
    """(the file to grade in root/submission/, what to say about the choice), by the class
    run's rules (class_grading/roster.py); NoSubmission with the reason if there is none."""
    folder = Path(root) / "submission"
    if not folder.is_dir():
        raise NoSubmission(f"no submission folder at {folder}")
    return submission_in(folder)


def results_path(root):
    return Path(root) / "results" / "results.json"
