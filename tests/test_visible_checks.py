"""The student repository's side: check_visible.py, shipped in the release, runs the
notebook's quick checks with no hidden suite, and the example workflow runs it."""
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from autograder.audit.catalogue import CATALOGUE
from autograder.config import COURSE_ROOT
from autograder.reference import notebook_json, solved_notebook
from autograder.submission import RELEASED_NOTEBOOK

RELEASE = COURSE_ROOT / "assignment" / "convnets"
WORKFLOW = COURSE_ROOT / "examples" / "github-classroom" / "classroom.yml"


def student_repository(folder, notebook_text):
    """A student's repository: the release's files, their notebook, and nothing of the grader."""
    for path in RELEASE.iterdir():
        shutil.copy(path, folder / path.name)
    (folder / "convnets.ipynb").write_text(notebook_text)
    return folder


def quick_checks(folder):
    return subprocess.run([sys.executable, "check_visible.py", "convnets.ipynb"], cwd=folder, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": ""})


@pytest.mark.parametrize("override, passed, failed", [
    ("", ["check-graph", "check-gradient", "check-threshold", "check-conv"], []),
    (next(e.override for e in CATALOGUE if e.name == "conv-pool-drops-shift"),
     ["check-graph", "check-gradient", "check-threshold"], ["check-conv"]),
])
def test_quick_checks_say_which_check_failed_and_count_points(tmp_path, override, passed, failed):
    run = quick_checks(student_repository(tmp_path, notebook_json(solved_notebook(override))))
    lines = run.stdout.splitlines()
    assert [line.split(": ")[1] for line in lines if line.startswith("passed: ")] == passed
    assert [line.split(": ")[1] for line in lines if line.startswith("FAILED: ")] == failed
    assert lines[-1] == f"Points {len(passed)}/4" and run.returncode == (1 if failed else 0)


def test_the_untouched_release_fails_every_check_and_says_why(tmp_path):
    run = quick_checks(student_repository(tmp_path, RELEASED_NOTEBOOK.read_text()))
    assert "FAILED: check-graph: NotImplementedError (not written yet?)" in run.stdout
    assert run.stdout.splitlines()[-1] == "Points 0/4"


def test_the_release_ships_no_hidden_suite():
    shipped = "\n".join(p.read_text() for p in RELEASE.iterdir())
    for grader_code in ("import autograder", "from autograder", "from hypothesis", "graded_property", "run_hidden_suite"):
        assert grader_code not in shipped


def test_the_example_workflow_runs_the_checks_as_written(tmp_path):
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["quick-checks"]["steps"]
    command = next(s["run"] for s in steps if s.get("name") == "Quick checks")
    folder = student_repository(tmp_path, notebook_json(solved_notebook()))
    summary = tmp_path / "step-summary.md"
    run = subprocess.run(["bash", "-c", command.replace("python ", f"{sys.executable} ", 1)], cwd=folder,
                         capture_output=True, text=True, env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)})
    assert run.returncode == 0 and run.stdout.splitlines()[-1] == "Points 4/4"
    assert "| check-threshold | passed |" in summary.read_text()
