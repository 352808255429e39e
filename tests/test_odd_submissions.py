"""Every odd file of tests/odd_submissions.py graded three ways, `grade`, `grade-class` and
`nbgrader autograde`: the same part scores, and the ones the table expects."""
import json
import shutil
import subprocess
import sys

import pytest
from nbgrader.api import MissingEntry

from autograder.config import COURSE_ROOT
from autograder.grader import grade_path
from autograder.nbgrader_bridge.command import nbgrader
from autograder.nbgrader_bridge.course import new_course, open_gradebook
from autograder.nbgrader_bridge.gradebook import recorded_part_scores
from autograder.reference import notebook_json
from autograder.results import part_scores
from autograder.submission import RELEASED_NOTEBOOK, read_cells

from tests.odd_submissions import ODD_SUBMISSIONS, perfect_notebook

pytestmark = pytest.mark.slow  # every odd submission through grade, grade-class and nbgrader, and exports


@pytest.fixture(scope="module", autouse=True)
def few_examples():
    """The reading of files is under test here, not the suites: ten examples per property."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONVNETS_MAX_EXAMPLES", "10")
        yield


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A scratch course whose submitted/ holds every odd file, one student each."""
    course = new_course(tmp_path_factory.mktemp("odd-course"))
    released = course / "assignment" / "convnets" / "convnets.ipynb"
    for odd in ODD_SUBMISSIONS:
        folder = course / "submitted" / odd.student / "convnets"
        folder.mkdir(parents=True)
        (folder / odd.filename).write_text(odd.make(perfect_notebook(released)))
    return course


def submission_of(course, odd):
    return course / "submitted" / odd.student / "convnets" / odd.filename


@pytest.fixture(scope="module")
def by_grade(course):
    """`grade`'s own function on each file."""
    from autograder.config import load_settings

    settings = load_settings()
    report = {odd.name: grade_path(submission_of(course, odd), settings) for odd in ODD_SUBMISSIONS}
    return {name: {t.part: r.part_score(t.part) for t in r.tests} for name, r in report.items()}


@pytest.fixture(scope="module")
def by_class_run(course, tmp_path_factory):
    """One `grade-class` run over a copy of the files in a plain class folder (no gradebook
    is written: nbgrader's scores below are its own)."""
    folder, output = tmp_path_factory.mktemp("odd-class"), tmp_path_factory.mktemp("odd-class-results")
    for odd in ODD_SUBMISSIONS:
        (folder / odd.student).mkdir()
        shutil.copy(submission_of(course, odd), folder / odd.student)
    run = subprocess.run([sys.executable, "-m", "autograder", "grade-class", str(folder),
                          "--output-dir", str(output), "--workers", "2"], capture_output=True, text=True, cwd=COURSE_ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    return {odd.name: part_scores(json.loads((output / odd.student / "results.json").read_text())) for odd in ODD_SUBMISSIONS}


@pytest.fixture(scope="module")
def by_nbgrader(course):
    nbgrader("autograde", "convnets", course_root=course, quiet=True, check=False)  # a file that is no JSON fails
    with open_gradebook(course) as gradebook:
        return {odd.name: recorded_or_none(gradebook, odd.student) for odd in ODD_SUBMISSIONS}


def recorded_or_none(gradebook, student):
    """The student's part scores in the gradebook, or None if nbgrader left them out."""
    try:
        return recorded_part_scores(gradebook, student)
    except MissingEntry:
        return None


@pytest.mark.parametrize("odd", ODD_SUBMISSIONS, ids=lambda odd: odd.student)
def test_every_path_gives_the_expected_part_scores(odd, settings, by_grade, by_class_run, by_nbgrader):
    expected = odd.expected(settings)
    assert by_grade[odd.name] == expected
    assert by_class_run[odd.name] == expected
    assert by_nbgrader[odd.name] == expected


def code_lines(cells):
    return [line.rstrip() for cell in cells for line in cell["source"].splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("odd", [odd for odd in ODD_SUBMISSIONS if odd.filename.endswith(".py")], ids=lambda odd: odd.student)
def test_a_py_export_runs_the_code_the_notebook_runs(odd, tmp_path):
    """The figure and quick-check cells are left out of the export too, whether their tag
    survived (jupytext) or not (nbconvert)."""
    notebook = perfect_notebook(RELEASED_NOTEBOOK)
    (tmp_path / "convnets.ipynb").write_text(notebook_json(notebook))
    (tmp_path / "convnets.py").write_text(odd.make(notebook))
    exported = read_cells(tmp_path / "convnets.py")
    assert code_lines(exported) == code_lines(read_cells(tmp_path / "convnets.ipynb"))
    assert len(exported) == len(read_cells(tmp_path / "convnets.ipynb"))  # one cell each, as in the notebook
