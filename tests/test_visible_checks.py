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
    assert ("FAILED: check-graph: not written yet: sigmoid_graph raised NotImplementedError at line 3: "
            "graph = sigmoid_graph()") in run.stdout.splitlines()
    assert run.stdout.splitlines()[-1] == "Points 0/4"


def failure_of(check, run):
    return next(line for line in run.stdout.splitlines() if line.startswith(f"FAILED: {check}: "))


def test_a_failed_assertion_is_not_taken_for_code_not_written_and_shows_its_line(tmp_path):
    override = next(e.override for e in CATALOGUE if e.name == "conv-pool-drops-shift")
    run = quick_checks(student_repository(tmp_path, notebook_json(solved_notebook(override))))
    assert failure_of("check-conv", run) == (
        "FAILED: check-conv: assertion failed at line 17: assert np.allclose(convnet_forward(fold_conv_thresholds("
        "layers, -0.5), images, relu), convnet_forward(layers, images, lambda z: threshold(z, -0.5)))")


def test_an_assertion_message_follows_its_line(tmp_path):
    override = "def sigmoid_graph():\n    return Chain([Negate(), Exp(), Reciprocal()])\n"
    run = quick_checks(student_repository(tmp_path, notebook_json(solved_notebook(override))))
    assert failure_of("check-graph", run).endswith(
        "at line 5: assert np.allclose(s, 1 / (1 + np.exp(-x))), \"sigmoid_graph().forward(x) should be the sigmoid\": "
        "sigmoid_graph().forward(x) should be the sigmoid")


def test_another_error_says_its_type_message_and_line(tmp_path):
    override = "def threshold(z, t):\n    return max(t, z)\n"
    run = quick_checks(student_repository(tmp_path, notebook_json(solved_notebook(override))))
    assert failure_of("check-threshold", run).startswith("FAILED: check-threshold: ValueError: The truth value of an array")
    assert failure_of("check-threshold", run).endswith(
        "at line 8: assert np.array_equal(threshold(np.array([-1.0, 0.5]), 0.0), [0.0, 0.5])")


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
