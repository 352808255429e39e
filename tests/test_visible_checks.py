"""The student repository's side: check_visible.py, shipped in the release, runs the
notebook's quick checks with no hidden suite, and the example workflow runs it."""
import json
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


def classroom_workflow():
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["run-autograding-tests"]


def command_graders(job):
    """The workflow's command-grader steps, GitHub Classroom's one test each."""
    return [step for step in job["steps"] if step.get("uses") == "classroom-resources/autograding-command-grader@v1"]


def check_of_each_part(notebook_text):
    """{part: the grade id of the quick-check cell in that part's section of the notebook}."""
    checks, check = {}, None
    for cell in json.loads(notebook_text)["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("check-"):
            check = grade_id
        elif grade_id.startswith("tests-"):
            checks[grade_id.removeprefix("tests-")] = check
    return checks


def test_the_classroom_workflow_has_a_test_per_part_worth_its_points_and_a_reporter(settings):
    job = classroom_workflow()
    assert yaml.safe_load(WORKFLOW.read_text())["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    graders = command_graders(job)
    assert {step["with"]["test-name"]: step["with"]["max-score"] for step in graders} == {
        part: points for part, points in settings.part_points.items() if points}
    checks = check_of_each_part(RELEASED_NOTEBOOK.read_text())
    for step in graders:
        assert step["with"]["command"] == f"python check_visible.py convnets.ipynb --check {checks[step['with']['test-name']]}"
    reporter = job["steps"][-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    ids = [step["id"] for step in graders]
    assert reporter["with"]["runners"].split(",") == ids  # read back as the env variable <ID>_RESULTS
    assert reporter["env"] == {f"{step_id.upper()}_RESULTS": f"${{{{steps.{step_id}.outputs.result}}}}" for step_id in ids}


@pytest.mark.parametrize("override, failing", [
    ("", set()),
    (next(e.override for e in CATALOGUE if e.name == "conv-pool-drops-shift"), {"conv-folding"}),
])
def test_each_classroom_test_passes_exactly_when_its_part_check_does(tmp_path, override, failing):
    folder = student_repository(tmp_path, notebook_json(solved_notebook(override)))
    for step in command_graders(classroom_workflow()):
        command = step["with"]["command"].replace("python ", f"{sys.executable} ", 1)
        run = subprocess.run(["bash", "-c", command], cwd=folder, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": ""})
        assert (run.returncode != 0) == (step["with"]["test-name"] in failing), run.stdout
        assert run.stdout.splitlines()[-1] == f"Points {0 if run.returncode else 1}/1"


def test_the_markdown_summary_lists_every_check(tmp_path):
    folder = student_repository(tmp_path, notebook_json(solved_notebook()))
    summary = tmp_path / "step-summary.md"
    run = subprocess.run([sys.executable, "check_visible.py", "convnets.ipynb", "--markdown", str(summary)], cwd=folder,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    assert run.returncode == 0 and run.stdout.splitlines()[-1] == "Points 4/4"
    assert "Points 4/4" in summary.read_text() and "| check-threshold | passed |" in summary.read_text()
