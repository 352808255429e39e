"""Grading whole submissions: full marks, zero, bad input, faults confined to their part."""
import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from autograder.audit.catalogue import CATALOGUE
from autograder.config import COURSE_ROOT, PART_NAMES
from autograder.engine import replay, runner, seeding
from autograder.grader import grade_path
from autograder.properties import properties_of
from autograder.properties.checks import expect_close
from autograder.reference import solved_module
from autograder.results import gradescope_results

from autograder.submission import RELEASED_NOTEBOOK as RELEASED


def part_scores(report):
    return {part: report.part_score(part) for part in PART_NAMES}


def full_except(settings, part, scores):
    """Every part but `part` at full marks, and `part` below."""
    assert scores[part] < settings.part_points[part], scores
    assert all(scores[p] == settings.part_points[p] for p in PART_NAMES if p != part), scores


def test_reference_module_gets_full_marks(reference_module, settings):
    report = grade_path(reference_module, settings)
    assert report.score == report.max_score == sum(settings.part_points.values())
    assert report.notes == []


def test_reference_notebook_gets_full_marks(reference_notebook, settings):
    assert grade_path(reference_notebook, settings).score == sum(settings.part_points.values())


def test_blank_release_gets_zero_with_the_stubs_reason(settings):
    report = grade_path(RELEASED, settings)
    assert report.score == 0
    assert all("NotImplementedError" in test.output for test in report.tests)


def test_same_submission_same_results_twice(reference_module, tmp_path, settings):
    flawed = tmp_path / "convnets.py"
    flawed.write_text(solved_module("def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"))
    first, second = (gradescope_results(grade_path(flawed, settings)) for _ in range(2))
    for results in (first, second):  # measurements of the run, not results of grading
        results.pop("execution_time"), results["extra_data"].pop("worker_peak_mb")
    assert first == second
    assert "Smallest failing input" in json.dumps(first)


@pytest.mark.parametrize("name, content, reason", [
    ("convnets.ipynb", '{"cells": [', "not valid JSON"),
    ("convnets.ipynb", '{"hello": 1}', "not a Jupyter notebook"),
    ("convnets.txt", "print(1)", "expected a .ipynb notebook or a .py module"),
    ("convnets.py", "def fold_biases(:\n", "SyntaxError"),
])
def test_unreadable_submissions_get_zero_and_a_reason(tmp_path, settings, name, content, reason):
    path = tmp_path / name
    path.write_text(content)
    report = grade_path(path, settings)
    assert report.score == 0
    assert any(reason in note for note in report.notes), report.notes


def test_missing_file_and_missing_names(tmp_path, settings):
    assert "no submission file" in grade_path(tmp_path / "nothing.ipynb", settings).notes[0]
    source = solved_module().replace("def threshold(", "def threshold_renamed(")
    (tmp_path / "convnets.py").write_text(source)
    report = grade_path(tmp_path / "convnets.py", settings)
    full_except(settings, "bias-folding", part_scores(report))
    assert "not defined in your submission: threshold" in next(t.output for t in report.tests if t.name == "threshold")


HOSTILE_BUT_CONFINED = {
    "bias-folding": "def threshold(z, t):\n    import os, signal\n    os.kill(os.getpid(), signal.SIGSEGV)\n",
    "conv-folding": "def fold_conv_thresholds(layers, t):\n    import os\n    os._exit(3)\n",
    "sigmoid-gradient": "def sigmoid_grad(s):\n    raise SystemExit(0)\n",
    "sigmoid-graph": "def sigmoid_graph():\n    import os\n    os.write(1, b'garbage on stdout')\n    print('and on sys.stdout')\n    return None\n",
}


@pytest.mark.parametrize("part", PART_NAMES)
def test_a_crash_exit_or_print_costs_only_its_part(tmp_path, settings, part):
    (tmp_path / "convnets.py").write_text(solved_module(HOSTILE_BUT_CONFINED[part]))
    full_except(settings, part, part_scores(grade_path(tmp_path / "convnets.py", settings)))


def test_a_hang_times_out_and_the_rest_is_graded(tmp_path, settings):
    quick = dataclasses.replace(settings, call_timeout=1.0)
    (tmp_path / "convnets.py").write_text(solved_module("def threshold(z, t):\n    while True:\n        pass\n"))
    report = grade_path(tmp_path / "convnets.py", quick)
    full_except(settings, "bias-folding", part_scores(report))
    assert "timed out after 1 s" in next(t.output for t in report.tests if t.name == "threshold")


def test_grade_of_a_failing_submission_leaves_nothing_behind_to_warn_about(tmp_path):
    """The worker template is stopped and waited for when the grader exits: a run whose
    failures were diagnosed used to end with ResourceWarnings on stderr (an unclosed
    socket, a template process still running)."""
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "sample_class/cleo/convnets.ipynb", "--output",
                          str(tmp_path / "results.json")], cwd=COURSE_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "ResourceWarning" not in run.stderr, run.stderr


def test_grade_command_writes_gradescope_results(reference_module, tmp_path, settings):
    output = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(reference_module), "--output", str(output)],
                         cwd=COURSE_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    results = json.loads(output.read_text())
    assert results["score"] == sum(settings.part_points.values())
    assert {t["tags"][0] for t in results["tests"]} == set(PART_NAMES)
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "tags", "output", "visibility"}
        assert test["score"] == test["max_score"] and test["status"] == "passed" and test["visibility"] == "visible"


def test_grade_command_exits_zero_on_a_broken_notebook(tmp_path):
    broken = tmp_path / "convnets.ipynb"
    broken.write_text("{not json")
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(broken), "--output", str(tmp_path / "r.json")],
                         cwd=COURSE_ROOT, capture_output=True, text=True)
    assert run.returncode == 0
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 0
    assert "not valid JSON" in run.stdout


def grade_sample_students(settings):
    return {student: grade_path(COURSE_ROOT / "sample_class" / student / "convnets.ipynb", settings).tests
            for student in ["cleo", "dev", "eve", "finn"]}


def counting_hypothesis_runs(monkeypatch):
    """The list of the runner's hypothesis runs from now on."""
    runs = []
    real = runner.under_hypothesis
    monkeypatch.setattr(runner, "under_hypothesis", lambda prop, *args: runs.append(prop.name) or real(prop, *args))
    return runs


@pytest.mark.slow
def test_replaying_recorded_runs_changes_no_verdict_or_message(settings, monkeypatch):
    """engine/replay.py: graded once (their failing runs are recorded), again (every
    run replayed: hypothesis never runs) and with replay off (plain hypothesis runs):
    the same tests, scores and feedback all three times."""
    first = grade_sample_students(settings)
    with monkeypatch.context() as patch:
        runs = counting_hypothesis_runs(patch)
        replayed = grade_sample_students(settings)
    assert runs == []
    assert any(t.score < t.max_score for tests in replayed.values() for t in tests)  # failures replayed too
    monkeypatch.setattr(runner.recorded, "replay", lambda *args, **kwargs: runner.recorded.Diverged())
    assert grade_sample_students(settings) == replayed == first


@pytest.mark.slow
def test_recorded_runs_stop_growing_at_max_steps(settings, monkeypatch):
    """Memory stays bounded: past MAX_STEPS a run is not kept, and is run again next time."""
    eve = COURSE_ROOT / "sample_class" / "eve" / "convnets.ipynb"
    with replay.fresh_trees():
        grade_path(COURSE_ROOT / "solutions" / "convnets" / "convnets.ipynb", settings)  # the reference's runs start the trees
        monkeypatch.setattr(replay, "MAX_STEPS", replay.recorded_steps())
        first = grade_path(eve, settings).tests
        runs = counting_hypothesis_runs(monkeypatch)
        assert grade_path(eve, settings).tests == first
        assert runs and replay.recorded_steps() == replay.MAX_STEPS


def test_examples_do_not_depend_on_which_local_modules_are_loaded(tmp_path):
    """hypothesis would draw literals from every local module the grader process imported
    (seeding.py turns that off): a module full of float literals changes nothing."""
    from hypothesis.internal.conjecture import providers

    seeding.under_hypothesis(properties_of("bias-folding")[0], lambda **inputs: None, "secret", 1)  # as before a run
    assert providers._get_local_constants() == seeding.no_local_constants()
    (tmp_path / "many_literals.py").write_text("VALUES = [0.123456789, -7.25e300, 31337.5, 1e-310]\n")
    sys.path.insert(0, str(tmp_path))
    try:
        __import__("many_literals")
        assert providers._get_local_constants() == seeding.no_local_constants()
    finally:
        sys.path.remove(str(tmp_path))


REFERENCE_EXAMPLES = """
import json, sys
from hypothesis import given, settings
from autograder.config import PART_NAMES
from autograder.engine import replay
from autograder.properties import properties_of
from autograder.properties.lazy_hypothesis import built
PROPERTIES = [prop for part in PART_NAMES for prop in properties_of(part)]
if sys.argv[1] == "after-a-plain-run":  # hypothesis, not the grader, runs first and offers local literals
    import many_literals
    for prop in PROPERTIES:
        strategies = {name: built(strategy) for name, strategy in prop.strategies.items()}
        settings(max_examples=50, database=None, derandomize=True)(given(**strategies)(lambda **inputs: None))()
print(json.dumps([[digest for _, digest, _ in replay.record_reference(prop, "secret", 20).examples]
                  for prop in PROPERTIES]))
"""


def test_a_hypothesis_run_before_the_graders_first_changes_no_example(tmp_path):
    """hypothesis keeps the constants it offers per kind of draw (CONSTANTS_CACHE): a run
    in the same process before the grader's first, with local modules full of literals,
    must not change what the grader draws, or the reference's runs on disk would not be
    what a fresh process draws."""
    (tmp_path / "many_literals.py").write_text("VALUES = [0.123456789, -7.25e300, 31337.5, 1e-310, 3, -41]\n")
    drawn = {}
    for how in ("first", "after-a-plain-run"):
        run = subprocess.run([sys.executable, "-c", REFERENCE_EXAMPLES, how], capture_output=True, text=True,
                             cwd=COURSE_ROOT, env={**os.environ, "PYTHONPATH": str(tmp_path)}, timeout=600)
        assert run.returncode == 0, run.stderr[-2000:]
        drawn[how] = json.loads(run.stdout)
    assert drawn["after-a-plain-run"] == drawn["first"]

def test_a_raising_submission_sees_its_own_lines_only(tmp_path, settings):
    """The traceback in the feedback is trimmed to the student's frames: no grader code."""
    path = tmp_path / "convnets.py"
    path.write_text(solved_module() + '''
def fold_biases(weights, biases, t):
    return [shifted(b, t) for b in biases]


def shifted(b, t):
    return b[len(b)] - t
''')
    output = next(t.output for t in grade_path(path, settings).tests if t.name == "fold-deep")
    assert "your code raised IndexError: index 1 is out of bounds" in output
    assert "return [shifted(b, t) for b in biases]" in output and "return b[len(b)] - t" in output
    assert "Smallest failing input: fold_deep(" in output
    assert "autograder" not in output and "executor" not in output and "site-packages" not in output


def test_a_failed_comparison_writes_its_explanation_when_read_and_once():
    """Hypothesis raises a failure at every shrinking step and reads the last one's message
    only: the explanation (arrays formatted) waits for the reading, and is the same text."""
    written = []

    def explain():
        written.append(True)
        return "  the arrays, formatted"

    with pytest.raises(AssertionError) as caught:
        expect_close(np.array([1.0, 5.0]), np.array([1.0, 2.0]), rtol=0.0, atol=0.5, what="y", explain=explain)
    assert written == []
    message = "y is wrong at index (1,): expected 2.0, got 5.0\n  the arrays, formatted"
    assert repr(caught.value) == f"ComparisonFailed({message!r})"
    assert str(caught.value) == message and str(caught.value) == message
    assert written == [True]


@pytest.mark.slow
def test_a_wrong_fold_shows_the_network_and_both_outputs(tmp_path, settings):
    """fold_biases feedback names the layer sizes, t, the input and what each network gave."""
    path = tmp_path / "convnets.py"
    path.write_text(solved_module(next(e.override for e in CATALOGUE if e.name == "fold-sign-error")))
    output = next(t.output for t in grade_path(path, settings, parts=["bias-folding"]).tests if t.name == "fold-deep")
    for words in ("layer sizes [", "t = ", "input x = [[", "the threshold network gives", "the ReLU network with your biases",
                  "your folded biases", "Smallest failing input: fold_deep("):
        assert words in output, output
