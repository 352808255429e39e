"""The committed notebooks are what the tools generate, and the student API is the pinned one."""
import ast
import dataclasses
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.answer_keys import KEY_EXPRESSIONS, keys_in, normalised
from autograder.config import COURSE_ROOT, PART_NAMES, load_settings
from autograder.engine import mistake_runs, runner
from autograder.engine.mistake_runs import mistakes_file  # as the module has it, not as tests/conftest.py replaces it
from autograder.engine.reference_runs import cache_file
from autograder.nbgrader_bridge.preprocessor import part_of
from autograder.notebook_source import MASTER_NOTEBOOK, TEXT_FORM, EditedMaster, build_master, notebook_text, write_master
from autograder.properties import properties_of
from autograder.reference import without_markers
from autograder.release import ROSTER, SAMPLE_CLASS, generate_release, sample_notebook

from tests.test_reference_runs import freshly_recorded_file, results_without_timing

RELEASE = COURSE_ROOT / "assignment" / "convnets"
PINNED_API = {
    "Node", "Negate", "Exp", "AddConstant", "Reciprocal", "Chain", "sigmoid_graph",
    "sigmoid", "sigmoid_grad", "Sigmoid", "relu", "threshold", "mlp_forward", "fold_biases",
}


@pytest.fixture(scope="module")
def fresh_release():
    released = generate_release()
    yield released
    shutil.rmtree(released.parents[1])  # the scratch course, in the shared temporary folder


def test_master_notebook_is_generated_from_its_text_form():
    assert MASTER_NOTEBOOK.read_text(encoding="utf-8") == notebook_text(build_master(load_settings().part_points))


@pytest.mark.slow
def test_committed_release_is_what_nbgrader_generates(fresh_release):
    committed = sorted(p.name for p in RELEASE.iterdir())
    assert committed == sorted(p.name for p in fresh_release.iterdir())
    for name in committed:
        assert (RELEASE / name).read_bytes() == (fresh_release / name).read_bytes(), name


def test_sample_class_is_up_to_date():
    assert sorted(p.name for p in SAMPLE_CLASS.iterdir()) == sorted(ROSTER)
    for student in ROSTER:
        assert (SAMPLE_CLASS / student / "convnets.ipynb").read_text(encoding="utf-8") == sample_notebook(student, RELEASE)


def definitions(notebook):
    """{name: (signature, docstring)} of every top-level def/class and their methods."""
    found = {}
    for cell in notebook.cells:
        if cell.cell_type != "code" or "BEGIN HIDDEN TESTS" in cell.source:
            continue
        for node in ast.parse(without_markers(cell.source)).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                found[node.name] = (ast.dump(node.args) if hasattr(node, "args") else "class", ast.get_docstring(node))
                for member in getattr(node, "body", []):
                    if isinstance(member, ast.FunctionDef):
                        found[f"{node.name}.{member.name}"] = (ast.dump(member.args), ast.get_docstring(member))
    return found


def test_stubs_and_reference_share_names_signatures_and_docstrings():
    reference = definitions(build_master())
    stubs = definitions(nbformat.read(RELEASE / "convnets.ipynb", as_version=4))
    assert reference == stubs
    assert PINNED_API <= set(reference)


def test_every_hidden_test_cell_is_a_locked_part_worth_the_configured_points():
    settings = load_settings()
    graded = {}
    for cell in build_master(settings.part_points).cells:
        nbgrader = cell.metadata["nbgrader"]
        if nbgrader.get("grade") and cell.cell_type == "code":
            assert nbgrader["locked"] and not nbgrader["solution"]
            graded[part_of(cell)] = nbgrader["points"]
    assert graded == {part: points for part, points in settings.part_points.items() if points}
    assert set(settings.part_points) == set(PART_NAMES)
    for part in PART_NAMES:
        assert properties_of(part), part


def test_cells_students_do_not_edit_are_locked():
    for cell in build_master().cells:
        nbgrader = cell.metadata["nbgrader"]
        assert nbgrader["locked"] != nbgrader["solution"], cell.id


def test_release_has_no_solution_or_hidden_test():
    text = (RELEASE / "convnets.ipynb").read_text(encoding="utf-8")
    for secret in ("BEGIN SOLUTION", "HIDDEN TESTS", "run_hidden_suite", "Rubric", "return -grad_y / self.x**2"):
        assert secret not in text


def student_text(path):
    """What a student reads in a released file: a notebook's cells, any other file as it is."""
    if path.suffix == ".ipynb":
        return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    return path.read_text(encoding="utf-8")


def test_release_gives_away_no_model_answer_or_reference_expression():
    for path in RELEASE.iterdir():
        assert keys_in(student_text(path)) == [], path.name


def test_a_key_expression_pasted_into_a_stub_is_found_however_it_is_wrapped(tmp_path):
    released = nbformat.read(RELEASE / "convnets.ipynb", as_version=4)
    stub = next(cell for cell in released.cells if cell.id == "threshold-code")
    stub.source = stub.source.replace("computes.\n", "computes.\n    Hidden layers: b - t (+ t * W.sum(\n    axis=1) after the first).\n", 1)
    nbformat.write(released, tmp_path / "convnets.ipynb")
    assert keys_in(student_text(tmp_path / "convnets.ipynb")) == [".sum(axis=1)"]


def test_every_key_expression_is_master_text_that_nbgrader_strips():
    stripped = "\n".join(region for cell in build_master().cells
                         for region in re.findall(r"### BEGIN SOLUTION(.*?)### END SOLUTION", cell.source, re.DOTALL))
    assert [key for key in KEY_EXPRESSIONS if normalised(key) not in normalised(stripped)] == []


def test_part_points_give_the_test_cells_and_the_intro_table_their_points():
    points = {**load_settings().part_points, "bias-folding": 45.0}
    master = build_master(points)
    cell = next(c for c in master.cells if c.id == "tests-bias-folding")
    assert cell.metadata["nbgrader"]["points"] == 45
    intro = next(c for c in master.cells if c.id == "intro").source
    assert "| 3. `bias-folding` | `threshold`, `fold_biases` | 45 |" in intro
    assert "| written | two short explanations (parts 2 and 3), graded by hand | 10 + 10 |" in intro
    assert "{points:" not in notebook_text(master)
    # Their only home is course_config.py: the text form's test cells carry no points.
    assert not [line for line in TEXT_FORM.read_text().splitlines() if '"tests-' in line and '"points"' in line]


def test_release_refuses_to_overwrite_a_hand_edited_master(tmp_path):
    points = load_settings().part_points
    text_form, notebook, digest = tmp_path / "convnets_notebook.py", tmp_path / "convnets.ipynb", tmp_path / "digest"
    text_form.write_text(TEXT_FORM.read_text())
    write_master(points, text_form, notebook, digest)
    text_form.write_text(text_form.read_text().replace("# ## Part 1:", "# ## Part one:"))
    write_master(points, text_form, notebook, digest)  # the text form edited: that is the workflow
    assert "## Part one:" in notebook.read_text()
    edited = notebook.read_text().replace("## Part one:", "## Part 1, edited in Jupyter:")
    notebook.write_text(edited)
    with pytest.raises(EditedMaster, match=r"was edited after it was generated.*jupytext --to py:percent.*--force"):
        write_master(points, text_form, notebook, digest)
    assert notebook.read_text() == edited
    write_master(points, text_form, notebook, digest, force=True)
    assert "## Part one:" in notebook.read_text()


@pytest.mark.slow
def test_release_records_the_runs_graders_read(tmp_path, settings, monkeypatch):
    """The reference's, byte for byte a fresh recording; the catalogued mistakes', from
    which a grader replays the sample class's eve (a catalogued mistake) without hypothesis,
    every test as plain hypothesis gives it."""
    course = tmp_path / "course"
    shutil.copytree(COURSE_ROOT / "solutions", course / "solutions")
    for name in ("course_config.py", "nbgrader_config.py"):
        shutil.copy(COURSE_ROOT / name, course)
    subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), "release"],
                   env={**os.environ, "CONVNETS_MAX_EXAMPLES": "10"}, check=True, capture_output=True)
    released_for = dataclasses.replace(settings, max_examples=10)
    cache = course / ".grading_cache"
    reference, mistakes = (cache / path(released_for).name for path in (cache_file, mistakes_file))
    assert sorted(cache.iterdir()) == sorted([reference, mistakes])  # the same master notebook: the files graders here look for
    assert reference.read_bytes() == freshly_recorded_file(released_for, tmp_path / "fresh.bin")
    eve = COURSE_ROOT / "sample_class" / "eve" / "convnets.ipynb"
    without_file = results_without_timing(eve, released_for)
    monkeypatch.setattr(mistake_runs, "mistakes_file", lambda settings: mistakes)
    hypothesis_runs, run_hypothesis = [], runner._run_hypothesis
    monkeypatch.setattr(runner, "_run_hypothesis", lambda *args, **options: hypothesis_runs.append(args) or run_hypothesis(*args, **options))
    assert results_without_timing(eve, released_for) == without_file and hypothesis_runs == []


def test_make_clean_removes_only_what_it_built():
    recipe = subprocess.run(["make", "--no-print-directory", "-n", "clean"],  # under `make test` too
                            cwd=COURSE_ROOT, capture_output=True, text=True, check=True).stdout
    removed = set(recipe.split()) - {"rm", "-rf"}
    # .grading_cache: the reference's runs, which graders record again; submitted/, autograded/,
    # feedback/, gradebook.db: the class's data, never removed
    assert removed == {".venv", "demo_output", ".grading_cache"}
