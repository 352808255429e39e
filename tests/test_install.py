"""The grader outside a clone: `pip install .` gives a `convnets-grader` command that finds
the course from --course or the working folder, and whose workers still cannot read the
hidden suites in site-packages; the Dockerfile builds an image that grades (where a
container engine runs)."""
import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograder.config import COURSE_ROOT, PACKAGE_PARENT

CLEO = COURSE_ROOT / "sample_class" / "cleo" / "convnets.ipynb"  # 120/130 (tests/test_reports.py)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the package pip-installed from a copy of its source (a build in the
    clone would leave build/ there). Its dependencies are this environment's, hard-linked
    into its site-packages (as fast as a .pth, and inside the venv as installed ones are:
    the worker sees only Python's own folders). Returns (its bin folder, its site-packages)."""
    scratch = tmp_path_factory.mktemp("pip-install")
    source = scratch / "source"
    shutil.copytree(PACKAGE_PARENT / "autograder", source / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PACKAGE_PARENT / "pyproject.toml", source)
    venv = scratch / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    shutil.copytree(sysconfig.get_paths()["purelib"], site, copy_function=os.link, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__editable__*", "convnets_autograder*", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    "--no-deps", "--disable-pip-version-check", str(source)],
                   check=True, capture_output=True)
    return venv / "bin", site


def grader(installed, *arguments, cwd):
    return subprocess.run([str(installed[0] / "convnets-grader"), *map(str, arguments)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_the_command_grades_a_course_named_by_course_from_anywhere(installed, tmp_path):
    run = grader(installed, "--course", COURSE_ROOT, "grade", CLEO, "--output", "results.json", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1] == "Points 120/130"
    assert f"{installed[1]}/autograder/cli.py" in subprocess.run(
        [str(installed[0] / "python"), "-c", "import autograder.cli; print(autograder.cli.__file__)"], cwd=tmp_path,
        capture_output=True, text=True, check=True).stdout


@pytest.mark.slow
def test_without_a_course_the_command_says_so_in_one_line(installed, tmp_path):
    run = grader(installed, "grade", CLEO, cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.splitlines() == [f"error: course_config.py: not found at {installed[1]}/course_config.py; "
                                       "run in the course folder or give --course DIR"]


@pytest.mark.slow
def test_in_the_course_folder_the_workers_cannot_read_the_installed_suites(installed):
    run = grader(installed, "doctor", cwd=COURSE_ROOT)
    assert run.returncode == 0, run.stdout + run.stderr  # every active protection holds, numpy whole among them
    suites = f"{installed[1]}/autograder/properties/registry.py"
    assert f"{COURSE_ROOT}/course_config.py unreadable, {suites} unreadable" in run.stdout or \
        "off  hidden course files" in run.stdout


def container_engine():
    """'docker' if a container engine answers here, else None."""
    try:
        return "docker" if subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        return None


@pytest.mark.slow
@pytest.mark.skipif(container_engine() is None, reason="no container engine answers `docker info` here "
                    "(a docker client without a daemon, or none): the Dockerfile is not built")
def test_the_image_grades_and_its_doctor_says_what_it_lost(tmp_path):
    subprocess.run(["docker", "build", "-t", "convnets-grader-test", str(PACKAGE_PARENT)], check=True, timeout=1200)
    mount = ["docker", "run", "--rm", "-v", f"{COURSE_ROOT}:/course:ro", "-v", f"{tmp_path}:/out", "convnets-grader-test"]
    graded = subprocess.run([*mount, "grade", "/course/sample_class/cleo/convnets.ipynb", "--output", "/out/results.json"],
                            capture_output=True, text=True, timeout=600)
    assert graded.returncode == 0 and graded.stdout.splitlines()[-1] == "Points 120/130", graded.stdout + graded.stderr
    doctor = subprocess.run([*mount, "doctor"], capture_output=True, text=True, timeout=600)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr  # what is active holds; what is not is said
    assert "on   separate process" in doctor.stdout


def test_the_pinned_environment_has_no_grammar_built_at_import():
    """requirements.lock leaves out rfc3987-syntax, which jsonschema imports if present and
    which builds a grammar at import (1.5 to 2 s in every process importing nbformat or
    nbgrader): a lock regenerated with it, or installed without --no-deps, fails here."""
    imported = subprocess.run([sys.executable, "-c", "import sys, nbformat, nbgrader.api; print(sorted("
                               "{'rfc3987_syntax', 'lark'} & set(sys.modules)))"],
                              capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "[]", "see requirements.lock's header"


def test_the_lock_pins_what_each_package_needs_on_linux_and_macos():
    """requirements.lock is installed with --no-deps: pip adds nothing, so every dependency
    a pinned package declares for Linux or macOS, Python 3.11 to 3.13, must be pinned in it
    for that place (a pin's marker says where it applies)."""
    pins = [Requirement(line) for line in (COURSE_ROOT / "requirements.lock").read_text().splitlines()
            if line and not line.startswith("#")]
    places = [{"platform_system": system, "sys_platform": system.lower(), "os_name": "posix", "python_version": version,
               "python_full_version": version + ".0", "extra": ""}
              for system in ("Linux", "Darwin") for version in ("3.11", "3.12", "3.13")]
    missing = set()
    for place in places:
        pinned = {canonicalize_name(pin.name) for pin in pins if pin.marker is None or pin.marker.evaluate(place)}
        missing |= {f"{dist.metadata['Name']} needs {requirement} ({place['platform_system']}, {place['python_version']})"
                    for dist in importlib.metadata.distributions() if canonicalize_name(dist.metadata["Name"]) in pinned
                    for requirement in map(Requirement, dist.requires or ())
                    if canonicalize_name(requirement.name) not in pinned
                    and (requirement.marker is None or requirement.marker.evaluate(place))}
    assert missing == set()
