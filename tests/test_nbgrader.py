"""nbgrader's round trip through nbgrader_config.py: generate, autograde, export, feedback;
the hidden test cells run in a real kernel give the same scores; a killed autograde resumes.
Plain `nbgrader` in a course folder grades through the sandbox too, stops on a broken
configuration, and the hidden cells refuse to grade in a kernel under autograde."""
import copy
import csv
import os
from html import escape
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.config import COURSE_ROOT, PART_NAMES, RELEASED_NOTEBOOK, load_settings
from autograder.grader import grade_path
from autograder.nbgrader_bridge.command import nbgrader, nbgrader_command
from autograder.nbgrader_bridge.course import new_course, open_gradebook
from autograder.nbgrader_bridge import preprocessor
from autograder.nbgrader_bridge.gradebook import recorded_part_scores
from autograder.nbgrader_bridge.preprocessor import part_of
from autograder.nbgrader_bridge.resume import unfinished_autogrades
from autograder.notebook import REFUSAL
from autograder.notebook_source import MASTER_NOTEBOOK
from autograder.reference import notebook_json, solved_notebook
from tests.security.host import descendants, still_running
from tests.test_grade_class import STUDENTS, sample_course

pytestmark = pytest.mark.slow  # nbgrader round trips

NAIVE_SIGMOID = "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A scratch course: released, three submissions autograded, grades exported, feedback made."""
    root = new_course(tmp_path_factory.mktemp("course"))
    released = root / "assignment" / "convnets" / "convnets.ipynb"
    submissions = {
        "reference": notebook_json(solved_notebook("", released)),
        "blank": released.read_text(),
        "naive": notebook_json(solved_notebook(NAIVE_SIGMOID, released)),
    }
    for student, text in submissions.items():
        folder = root / "submitted" / student / "convnets"
        folder.mkdir(parents=True)
        (folder / "convnets.ipynb").write_text(text)
    nbgrader("autograde", "convnets", course_root=root, quiet=True)
    nbgrader("export", f"--to={root / 'grades.csv'}", course_root=root, quiet=True)
    nbgrader("generate_feedback", "convnets", course_root=root, quiet=True)
    return root


def code_scores(course, student):
    with open_gradebook(course) as gradebook:
        return {f"tests-{part}": score for part, score in recorded_part_scores(gradebook, student).items()}


def test_reference_full_code_marks_and_blank_zero(course):
    assert code_scores(course, "reference") == {"tests-sigmoid-graph": 30, "tests-sigmoid-gradient": 30, "tests-bias-folding": 40,
                                                "tests-conv-folding": 30}
    assert set(code_scores(course, "blank").values()) == {0}


def test_nbgrader_and_grade_command_agree_part_by_part(course, settings):
    for student in ("reference", "blank", "naive"):
        report = grade_path(course / "submitted" / student / "convnets" / "convnets.ipynb", settings)
        assert code_scores(course, student) == {f"tests-{p}": report.part_score(p) for p in PART_NAMES}


def test_export_writes_every_student(course):
    with open(course / "grades.csv") as stream:
        rows = {row["student_id"]: row for row in csv.DictReader(stream)}
    assert set(rows) == {"reference", "blank", "naive"}
    assert float(rows["naive"]["raw_score"]) == 125.0  # 130 less the 5 points of sigmoid-no-overflow


def test_feedback_shows_messages_but_never_hidden_test_source(course, settings):
    html = (course / "feedback" / "naive" / "convnets" / "convnets.html").read_text()
    assert "sigmoid-no-overflow" in html and "Smallest failing input" in html
    assert "run_hidden_suite" not in html and "HIDDEN TESTS" not in html
    report = grade_path(course / "submitted" / "naive" / "convnets" / "convnets.ipynb", settings)
    for test in report.tests:  # the same messages as every other report, word for word
        assert escape(test.output, quote=False) in html or escape(test.output) in html, test.name
    hidden_source = "".join(c.source for c in nbformat.read(MASTER_NOTEBOOK, as_version=4).cells if "BEGIN HIDDEN TESTS" in c.source)
    assert hidden_source and not [line for line in hidden_source.splitlines()
                                  if line.strip() and not line.lstrip().startswith("#") and escape(line.strip()) in html]


def test_written_answers_wait_for_a_human(course):
    with open_gradebook(course) as gradebook:
        notebook = gradebook.find_submission_notebook("convnets", "convnets", "reference")
        manual = [g for g in notebook.grades if g.name.startswith("answer-")]
        assert len(manual) == 3 and all(g.needs_manual_grade for g in manual)


def test_hidden_cells_in_a_kernel_score_like_the_sandbox(tmp_path, settings):
    """The master notebook executed in a real kernel, with one part broken."""
    notebook = nbformat.read(MASTER_NOTEBOOK, as_version=4)
    broken = next(c for c in notebook.cells if c.id == "gradient-code")
    broken.source += "\n\n" + NAIVE_SIGMOID  # redefines sigmoid the naive way
    shutil.copy(COURSE_ROOT / "solutions" / "convnets" / "graph_figure.py", tmp_path)
    # allow_errors: part 2's visible self-check fails, as it should, on the naive sigmoid.
    client = NotebookClient(notebook, timeout=300, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    scores = {}
    for cell in notebook.cells:
        if cell.id.startswith("tests-"):
            assert [o.output_type for o in cell.outputs] == ["stream", "execute_result"], cell.outputs
            assert cell.outputs[0].name == "stdout"
            scores[cell.id] = float(cell.outputs[1]["data"]["text/plain"])
    assert scores == {"tests-sigmoid-graph": 30.0, "tests-sigmoid-gradient": 25.0, "tests-bias-folding": 40.0,
                      "tests-conv-folding": 30.0}


def sample_class_course(root):
    """sample_course (test_grade_class.py) with the hand-in times `nbgrader collect` leaves;
    the students' ids."""
    sample_course(root)
    for student in STUDENTS:
        (root / "submitted" / student / "convnets" / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    return STUDENTS


def wait_for_a_student_being_autograded(root, run):
    while not list(unfinished_autogrades(root)):
        assert run.poll() is None, "autograde finished before it could be interrupted"
        time.sleep(0.01)


def test_autograde_killed_midway_then_rerun_grades_every_student_once(tmp_path, monkeypatch):
    """SIGKILL while a student is being graded (their autograded folder made, the notebook
    not yet written), then autograde again: stock nbgrader would skip that student."""
    monkeypatch.setenv("CONVNETS_MAX_EXAMPLES", "10")  # resumption is under test, not the suites
    root = tmp_path
    students = sample_class_course(root)
    sample_class = COURSE_ROOT / "sample_class"
    command, environment = nbgrader_command("autograde", "convnets", course_root=root, quiet=True)
    run = subprocess.Popen(command, cwd=root, env=environment)
    wait_for_a_student_being_autograded(root, run)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert len(list(unfinished_autogrades(root))) == 1

    nbgrader("autograde", "convnets", course_root=root, quiet=True)
    settings = load_settings()
    with open_gradebook(root) as gradebook:
        assert sorted(s.student.id for s in gradebook.assignment_submissions("convnets")) == students
        for student in students:
            report = grade_path(sample_class / student / "convnets.ipynb", settings)
            assert code_scores(root, student) == {f"tests-{p}": report.part_score(p) for p in PART_NAMES}
            assert (root / "autograded" / student / "convnets" / "convnets.ipynb").is_file()


def test_sigterm_to_the_nbgrader_wrapper_stops_the_nbgrader_it_runs(tmp_path, monkeypatch):
    """`kill PID` of `python -m autograder nbgrader autograde`: the nbgrader it runs stops
    too, rather than grade on where nobody sees it; one line, and SIGTERM's status. (The
    next autograde finishes the class: the test above.)"""
    monkeypatch.setenv("CONVNETS_MAX_EXAMPLES", "10")
    sample_class_course(tmp_path)
    shutil.copy(COURSE_ROOT / "course_config.py", tmp_path)  # a course folder `--course` takes
    run = subprocess.Popen([sys.executable, "-m", "autograder", "--course", str(tmp_path), "nbgrader", "autograde", "convnets"],
                           cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_a_student_being_autograded(tmp_path, run)
    started = descendants(run.pid)
    assert "python" in started.values()  # nbgrader
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=120)
    assert (run.returncode, stderr.splitlines()[-1]) == (
        143, "Terminated: stopped before finishing; what was written is whole (run it again to finish).")
    assert still_running(started, seconds=10) == []


# A student's cell that, run in a kernel next to the hidden test cells, replaces what they
# call: full marks in a kernel, nothing in the sandbox (which cannot import the grader).
FORGED_HIDDEN_SUITE = """
import autograder.notebook
autograder.notebook.run_hidden_suite = lambda part, namespace: {"sigmoid-graph": 30.0, "sigmoid-gradient": 30.0,
                                                                  "bias-folding": 40.0, "conv-folding": 30.0}[part]
"""
FULL_MARKS = {"tests-sigmoid-graph": 30, "tests-sigmoid-gradient": 30, "tests-bias-folding": 40, "tests-conv-folding": 30}


def plain_course(root, submissions):
    """A scratch course (new_course) with {student: notebook text} submitted."""
    new_course(root)
    for student, text in submissions.items():
        folder = root / "submitted" / student / "convnets"
        folder.mkdir(parents=True)
        (folder / "convnets.ipynb").write_text(text)
    return root


def plain_nbgrader(root, *args, python_prefix=()):
    """`nbgrader ARGS` as an instructor types it in the course folder: no wrapper, no flag.
    python_prefix: statements run first in nbgrader's process (`python -c`)."""
    code = "; ".join([*python_prefix, "import sys", "from nbgrader.apps.nbgraderapp import main",
                      f"sys.argv = ['nbgrader', *{list(args)!r}]", "main()"])
    environment = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
                   "CONVNETS_MAX_EXAMPLES": "10"}  # the configuration is under test, not the suites
    return subprocess.run([sys.executable, "-c", code], cwd=root, env=environment, capture_output=True, text=True)


def forged_notebook(released):
    notebook = nbformat.read(released, as_version=4)
    first = next(c for c in notebook.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution"))
    first.source += "\n" + FORGED_HIDDEN_SUITE
    return nbformat.writes(notebook)


def test_plain_nbgrader_autograde_in_the_course_folder_grades_in_the_sandbox(tmp_path):
    root = tmp_path / "course"
    released = COURSE_ROOT / "assignment" / "convnets" / "convnets.ipynb"
    plain_course(root, {"forger": forged_notebook(released), "reference": notebook_json(solved_notebook("", released))})
    run = plain_nbgrader(root, "autograde", "convnets")
    assert run.returncode == 0, run.stderr
    assert code_scores(root, "reference") == FULL_MARKS
    assert set(code_scores(root, "forger").values()) == {0}  # 130 in a kernel


def test_hidden_cells_refuse_in_a_kernel_under_autograde(tmp_path):
    """The sandbox dropped out (no nbgrader_config.py): nbgrader runs the notebook in a
    kernel, and the hidden cells give 0 points and say how to fix it."""
    root = tmp_path / "course"
    released = COURSE_ROOT / "assignment" / "convnets" / "convnets.ipynb"
    plain_course(root, {"reference": notebook_json(solved_notebook("", released))})
    (root / "nbgrader_config.py").unlink()
    assert plain_nbgrader(root, "autograde", "convnets").returncode == 0
    assert set(code_scores(root, "reference").values()) == {0}
    graded = nbformat.read(root / "autograded" / "reference" / "convnets" / "convnets.ipynb", as_version=4)
    outputs = [cell.outputs[0].text for cell in graded.cells if cell.get("id", "").startswith("tests-")]
    assert len(outputs) == 4 and all(REFUSAL in text for text in outputs)


def test_nbgrader_validate_still_runs_the_hidden_cells(tmp_path):
    root = new_course(tmp_path / "course")
    run = plain_nbgrader(root, "validate", "solutions/convnets/convnets.ipynb")
    assert run.returncode == 0 and "Success! Your notebook passes all the tests." in run.stdout, run.stdout + run.stderr


def course_with_edited_config(tmp_path, old, new):
    """(course root, python_prefix for plain_nbgrader): a course whose student is the
    reference, graded with a copy of course_config.py in which `old` became `new`."""
    root = tmp_path / "course"
    released = COURSE_ROOT / "assignment" / "convnets" / "convnets.ipynb"
    plain_course(root, {"reference": notebook_json(solved_notebook("", released))})
    edited = tmp_path / "course_config.py"
    edited.write_text((COURSE_ROOT / "course_config.py").read_text().replace(old, new))
    return root, ("import autograder.config, pathlib", f"autograder.config.COURSE_CONFIG = pathlib.Path({str(edited)!r})")


def test_a_broken_course_config_stops_plain_nbgrader_with_one_line(tmp_path):
    root, patch = course_with_edited_config(tmp_path, '"bias-folding": 40.0', '"bias-foldng": 40.0')
    for command in (["autograde", "convnets"], ["generate_feedback", "convnets"], ["export"]):
        run = plain_nbgrader(root, *command, python_prefix=patch)
        assert run.returncode != 0, command
        assert "Traceback" not in run.stderr
        assert run.stderr.strip().splitlines() == [
            "error: nbgrader stopped, nothing was run: course_config.py: PART_POINTS has 'bias-foldng', which is no part "
            "(the parts: sigmoid-graph, sigmoid-gradient, bias-folding, conv-folding)",
            "course_config.py: PART_POINTS gives nothing for 'bias-folding'; give its points (0 leaves the part out)",
        ], command
    assert not (root / "autograded").exists()


def test_autograde_refuses_a_gradebook_with_other_points_than_part_points(tmp_path):
    """PART_POINTS changed after the release: each notebook is refused with both numbers,
    where nbgrader used to crash on a perfect score ("partial credit cannot be greater")."""
    root, patch = course_with_edited_config(tmp_path, '"bias-folding": 40.0', '"bias-folding": 45.0')
    run = plain_nbgrader(root, "autograde", "convnets", python_prefix=patch)
    assert run.returncode != 0
    assert ("PointsMismatch: bias-folding: the gradebook's test cell gives 40 points, course_config.py's PART_POINTS "
            "gives 45 points") in run.stderr
    assert not (root / "autograded" / "reference" / "convnets").exists()


def test_one_autograde_run_grades_every_student_with_the_settings_read_once(monkeypatch, settings):
    """nbgrader makes one preprocessor per run: course_config.py edited during a run
    must not give later students other settings than earlier ones."""
    reads = []
    monkeypatch.setattr(preprocessor, "load_settings", lambda: reads.append(settings) or settings)
    grading = preprocessor.SandboxedGrading()
    blank = nbformat.read(RELEASED_NOTEBOOK, as_version=4)
    for _ in range(2):
        graded, _ = grading.preprocess(copy.deepcopy(blank), {})
        assert any(part_of(cell) for cell in graded.cells)
    assert len(reads) == 1
