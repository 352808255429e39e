"""Gradescope: `python -m autograder gradescope` writes autograder.zip; unpacked into a
scratch folder laid out as Gradescope's /autograder (GRADESCOPE_ROOT), its run_autograder
grades each upload as `grade` does, and an upload it cannot grade gets 0 and the reason.
The zip ships the reference's recorded runs, which its grader uses as they are.
setup.sh runs with a stand-in for the network's part (its venv's pip only notes what it is
asked); elsewhere run_autograder uses this environment's Python (CONVNETS_PYTHON)."""
import dataclasses
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile

import jsonschema
import pytest

from autograder import gradescope
from autograder.config import COURSE_ROOT, PART_NAMES
from autograder.engine.reference_runs import cache_file
from autograder.grader import grade_path
from autograder.reference import solved_module
from autograder.results import part_scores, read_results
from autograder.sandbox.confinement import protections

from tests.test_reference_runs import freshly_recorded_file
from tests.test_reports import GRADESCOPE_SCHEMA

SAMPLE_CLASS = COURSE_ROOT / "sample_class"
ADA = SAMPLE_CLASS / "ada" / "convnets.ipynb"
SECRET_WARNING = "warning: COURSE_SECRET is this repository's default"
MAX_EXAMPLES = 10  # run_autograder's, and the zip's reference runs'


def build_zip(folder, secret=None):
    environment = {k: v for k, v in os.environ.items() if k != "CONVNETS_COURSE_SECRET"}
    environment["CONVNETS_MAX_EXAMPLES"] = str(MAX_EXAMPLES)  # built for the settings it grades with
    if secret:
        environment["CONVNETS_COURSE_SECRET"] = secret
    output = folder / "autograder.zip"
    subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--output", str(output)],
                   cwd=COURSE_ROOT, env=environment, check=True, capture_output=True)
    return output


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    return build_zip(tmp_path_factory.mktemp("gradescope-build"))


def gradescope_root(root, autograder_zip, uploads):
    """A scratch /autograder: the zip in source/, run_autograder beside it (as Gradescope
    copies it), `uploads` ({name: text or a file to copy}) in submission/."""
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    for script in ("run_autograder", "setup.sh"):  # zipfile does not restore the mode
        (root / "source" / script).chmod(0o755)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    for name, content in uploads.items():
        target = root / "submission" / name
        target.write_text(content) if isinstance(content, str) else shutil.copy(content, target)
    return root


def run_autograder(root, python=sys.executable):
    """Run root/run_autograder as Gradescope would, from elsewhere, with `python` (None:
    setup.sh's venv); (its results, its stderr)."""
    environment = {k: v for k, v in os.environ.items() if k != "CONVNETS_COURSE_SECRET"}
    environment.update(GRADESCOPE_ROOT=str(root), CONVNETS_MAX_EXAMPLES=str(MAX_EXAMPLES))
    if python:
        environment["CONVNETS_PYTHON"] = python
    run = subprocess.run([str(root / "run_autograder")], cwd=root / "submission", env=environment,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    results = read_results(root / "results" / "results.json")
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    return results, run.stderr


def test_the_zip_holds_the_scripts_the_package_and_the_course(autograder_zip, settings):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = set(archive.namelist())
        modes = {name: archive.getinfo(name).external_attr >> 16 for name in ("setup.sh", "run_autograder")}
    assert {"setup.sh", "run_autograder", "course_config.py", "requirements.lock", "autograder/cli.py",
            "autograder/properties/registry.py", "solutions/convnets/convnets.ipynb",
            "assignment/convnets/convnets.ipynb"} <= names
    assert not [name for name in names if "__pycache__" in name or name.startswith("sample_class")]
    assert [name for name in names if name.startswith(".grading_cache/")] == [
        cache_file(dataclasses.replace(settings, max_examples=MAX_EXAMPLES)).relative_to(COURSE_ROOT).as_posix()]
    assert all(mode & 0o111 for mode in modes.values())
    assert "course_secret" not in names  # none was set when it was built


@pytest.mark.slow
@pytest.mark.parametrize("student", ["cleo", "eve"])  # part 1 wrong, part 3 wrong (ada, a full mark: below)
def test_run_autograder_scores_the_sample_class_as_grade_does(tmp_path, autograder_zip, settings, student):
    active = [p.name for p in protections(settings.worker_memory_mb, settings.submission_timeout) if p.active]
    notebook = SAMPLE_CLASS / student / "convnets.ipynb"
    results, stderr = run_autograder(gradescope_root(tmp_path, autograder_zip, {"convnets.ipynb": notebook}))
    graded = grade_path(notebook, dataclasses.replace(settings, max_examples=MAX_EXAMPLES))  # run_autograder's
    assert part_scores(results) == {part: graded.part_score(part) for part in PART_NAMES}
    assert 0 < results["score"] < graded.max_score
    assert results["score"] == graded.score
    assert results["extra_data"]["sandbox_protections"] == active
    assert SECRET_WARNING in stderr  # for staff, in Gradescope's log


@pytest.mark.slow
def test_the_zip_ships_the_reference_runs_a_fresh_recording_makes_and_its_grader_uses_them(tmp_path, autograder_zip, settings):
    root = gradescope_root(tmp_path / "root", autograder_zip, {"convnets.ipynb": ADA})
    [shipped] = (root / "source" / ".grading_cache").iterdir()
    before = shipped.stat()
    results, _ = run_autograder(root)
    assert results["score"] == sum(settings.part_points.values())
    after = shipped.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # read, not recorded and written again
    assert list(shipped.parent.iterdir()) == [shipped]  # nor recorded into a file of another name
    run_autograders = dataclasses.replace(settings, max_examples=MAX_EXAMPLES)
    assert shipped.read_bytes() == freshly_recorded_file(run_autograders, tmp_path / "fresh.bin")


@pytest.fixture
def course_cache(tmp_path, monkeypatch, settings):
    """The course's mistakes file for `settings` goes in tmp_path/.grading_cache/ (not there
    yet), and recording the catalogue writes b"recorded" to it; returns the file's path
    and the list of recordings made."""
    ours = tmp_path / ".grading_cache" / gradescope.mistakes_file(settings).name
    ours.parent.mkdir()
    recordings = []

    def record(settings):
        recordings.append(settings)
        ours.write_bytes(b"recorded")
        return ours

    monkeypatch.setattr(gradescope, "mistakes_file", lambda settings: ours)
    monkeypatch.setattr(gradescope, "record_mistake_runs", record)
    return ours, recordings


SHIPPED = {  # what the zip holds in .grading_cache/: setup.sh's mistakes file, and whether it records one
    "none": (None, 0),
    "this Python's": ("ours", 0),
    "another Python's": ("ours", 1),
    "another grading's": (None, 0),
}


@pytest.mark.parametrize("shipped", SHIPPED)
def test_setup_records_the_mistakes_runs_for_its_python_if_the_zip_has_them_for_another(course_cache, settings, shipped):
    ours, recordings = course_cache
    grading, drawn_by = ours.name.removesuffix(".bin").rsplit("-", 1)
    name = {"none": None, "this Python's": ours.name, "another Python's": f"{grading}-{'0' * len(drawn_by)}.bin",
            "another grading's": f"mistake-runs-{'f' * 16}-{drawn_by}.bin"}[shipped]
    if name:
        ours.with_name(name).write_bytes(b"shipped")
    found = gradescope.mistake_runs_for_this_python(settings)
    assert (found and "ours", len(recordings)) == SHIPPED[shipped]


def test_the_zip_ships_the_mistakes_runs_the_course_recorded_for_its_settings(tmp_path, course_cache, settings):
    ours, _ = course_cache
    ours.write_bytes(b"the course's recorded runs")
    gradescope.build_zip(tmp_path / "autograder.zip", settings)
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        assert archive.read(f".grading_cache/{ours.name}") == b"the course's recorded runs"


ODD_UPLOADS = {  # uploads: (the part scores as a fraction of full marks, the start of results' output)
    "misnamed": ({"Convnets (1).ipynb": ADA}, 1.0, "took Convnets (1).ipynb (expected convnets.ipynb)"),
    "a student repository": ({"convnets.ipynb": ADA, "graph_figure.py": "x = 1\n", "check_visible.py": "x = 1\n"},
                             1.0, "All parts were graded."),
    "two notebooks": ({"a.ipynb": ADA, "b.ipynb": ADA}, 0.0,
                      "Not graded: 2 notebooks (a.ipynb, b.ipynb); expected one convnets.ipynb"),
    "nothing": ({}, 0.0, "Not graded: no convnets.ipynb or convnets.py (the folder is empty)"),
    "not JSON": ({"convnets.ipynb": ADA.read_text()[:5000]}, 0.0, "Your submission could not be read"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", ODD_UPLOADS)
def test_odd_uploads_are_graded_or_get_zero_and_the_reason(tmp_path, autograder_zip, settings, case):
    uploads, fraction, output = ODD_UPLOADS[case]
    results, _ = run_autograder(gradescope_root(tmp_path, autograder_zip, uploads))
    assert part_scores(results) == {part: fraction * settings.part_points[part] for part in PART_NAMES}
    assert results["output"].startswith(output)


@pytest.mark.slow
def test_a_py_upload_is_graded_with_the_secret_set_when_the_zip_was_built(tmp_path, settings):
    autograder_zip = build_zip(tmp_path, secret="the course's own")
    with zipfile.ZipFile(autograder_zip) as archive:
        assert archive.read("course_secret") == b"the course's own"
        [reference_runs] = [name for name in archive.namelist() if name.startswith(".grading_cache/")]
        assert b"the course's own" not in archive.read(reference_runs)
    results, stderr = run_autograder(gradescope_root(tmp_path / "root", autograder_zip, {"convnets.py": solved_module()}))
    assert part_scores(results) == settings.part_points
    assert SECRET_WARNING not in stderr


def test_setup_sh_is_valid_bash(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as archive:
        (tmp_path / "setup.sh").write_bytes(archive.read("setup.sh"))
    subprocess.run(["bash", "-n", str(tmp_path / "setup.sh")], check=True)


def offline_python3(folder):
    """A `python3` for setup.sh that makes its venv without the network: the venv's pip
    notes what it is asked in pip.log, its python is this one."""
    folder.mkdir()
    (folder / "python3").write_text(f"""#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    mkdir -p "$3/bin"
    printf '#!/bin/sh\\necho "$*" >> "{folder}/pip.log"\\n' > "$3/bin/pip"
    printf '#!/bin/sh\\nexec "{sys.executable}" "$@"\\n' > "$3/bin/python"
    chmod +x "$3/bin/pip" "$3/bin/python"
    exit 0
fi
exec "{sys.executable}" "$@"
""")
    (folder / "python3").chmod(0o755)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("secret", [None, "the course's own"])
def test_setup_sh_prepares_the_machine_so_that_no_submission_compiles_or_records(tmp_path, settings, secret):
    """Gradescope grades each submission in a fresh copy of the machine setup.sh made: the
    package is compiled there, and the reference's runs recorded there when the zip has
    none for that machine's Python (here: the zip's removed), under the zip's secret."""
    autograder_zip = build_zip(tmp_path, secret)
    root = gradescope_root(tmp_path / "root", autograder_zip, {"convnets.ipynb": ADA})
    for shipped in (root / "source" / ".grading_cache").iterdir():
        shipped.unlink()
    stand_in = offline_python3(tmp_path / "bin")
    environment = {k: v for k, v in os.environ.items() if k != "CONVNETS_COURSE_SECRET"}
    environment.update(GRADESCOPE_ROOT=str(root), CONVNETS_MAX_EXAMPLES=str(MAX_EXAMPLES),
                       PATH=f"{stand_in}:{os.environ['PATH']}",
                       PYTHONDONTWRITEBYTECODE="1")  # compileall writes its files all the same
    subprocess.run(["bash", str(root / "source" / "setup.sh")], cwd=tmp_path, env=environment, check=True,
                   capture_output=True)
    assert (stand_in / "pip.log").read_text().splitlines() == [
        "install --quiet --disable-pip-version-check --no-deps -r requirements.lock", "check --disable-pip-version-check"]
    sources = [*(root / "source" / "autograder").rglob("*.py"), root / "source" / "course_config.py"]
    assert len(sources) > 50
    assert [path for path in sources if not os.path.isfile(importlib.util.cache_from_source(path))] == []
    [recorded] = (root / "source" / ".grading_cache").iterdir()
    grading = dataclasses.replace(settings, max_examples=MAX_EXAMPLES, course_secret=secret or settings.course_secret)
    assert recorded.read_bytes() == freshly_recorded_file(grading, tmp_path / "fresh.bin")
    before = recorded.stat()
    results, _ = run_autograder(root, python=None)
    assert results["score"] == sum(settings.part_points.values())
    after = recorded.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # read, not recorded again
    assert list(recorded.parent.iterdir()) == [recorded]
