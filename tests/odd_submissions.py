"""The odd files students hand in, in one table. Each is made from a perfect notebook (the
reference solutions typed into the release) and must get the same part scores through
`grade`, `grade-class` and `nbgrader autograde` (tests/test_odd_submissions.py): full
marks, except in the parts it `loses`.
"""
import copy
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.config import PART_NAMES
from autograder.reference import notebook_json, solved_notebook

# What Jupyter writes into a notebook it has run; nbconvert picks its exporter by it.
KERNEL_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                      "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                      "pygments_lexer": "ipython3", "version": "3.11.2"},
}


@dataclass(frozen=True)
class OddSubmission:
    name: str
    filename: str  # its name in the student's folder
    make: object  # make(perfect notebook) -> the file's text
    loses: tuple = ()  # the parts it scores 0 in

    @property
    def student(self):
        return "".join(c if c.isalnum() else "-" for c in self.name.lower())

    def expected(self, settings):
        return {part: 0.0 if part in self.loses else settings.part_points[part] for part in PART_NAMES}


def perfect_notebook(released):
    notebook = solved_notebook(released=released)
    notebook.metadata.update(copy.deepcopy(KERNEL_METADATA))
    return notebook


def format_3(notebook):
    return nbformat.writes(nbformat.convert(notebook, 3), version=3)


def without_test_cells(notebook):
    notebook.cells = [c for c in notebook.cells if not c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("tests-")]
    return notebook_json(notebook)


def with_extra_cells(notebook):
    extra = [nbformat.v4.new_markdown_cell("My notes."), nbformat.v4.new_code_cell("def helper(x):\n    return 2 * x\n\nprint(helper(3))")]
    notebook.cells[3:3] = extra
    notebook.cells.append(nbformat.v4.new_code_cell("%timeit helper(1)\n!ls\nhelper(2)"))
    return notebook_json(notebook)


def without_cell_ids(notebook):
    notebook.nbformat_minor = 4
    for cell in notebook.cells:
        cell.pop("id", None)
    return nbformat.writes(notebook, version=4) + "\n"


def with_huge_outputs(notebook):
    """8 MB of printed lines in the first code cell's output."""
    code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="a printed line, again and again\n" * 250_000)]
    code.execution_count = 1
    return notebook_json(notebook)


def with_syntax_error_cell(notebook):
    notebook.cells.insert(3, nbformat.v4.new_code_cell("def unfinished(:\n    pass"))
    return notebook_json(notebook)


def with_syntax_error_in(grade_id):
    def make(notebook):
        cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
        cell.source += "\n\nif True\n    pass\n"
        return notebook_json(notebook)
    return make


def exported(*command):
    """make(): the perfect notebook saved and converted by `command` (e.g. nbconvert),
    which writes `out.py` next to `convnets.ipynb` in a scratch folder."""
    def make(notebook):
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch) / "convnets.ipynb").write_text(notebook_json(notebook))
            subprocess.run([sys.executable, "-m", *command], cwd=scratch, check=True, capture_output=True)
            return (Path(scratch) / "out.py").read_text()
    return make


ODD_SUBMISSIONS = [
    OddSubmission("nbformat v3", "convnets.ipynb", format_3),
    OddSubmission("hidden-test cells deleted", "convnets.ipynb", without_test_cells),
    OddSubmission("extra cells and magics", "convnets.ipynb", with_extra_cells),
    OddSubmission("no cell ids (4.4)", "convnets.ipynb", without_cell_ids),
    OddSubmission("cell ids (4.5)", "convnets.ipynb", notebook_json),
    OddSubmission("huge outputs", "convnets.ipynb", with_huge_outputs),
    OddSubmission("a cell with a syntax error", "convnets.ipynb", with_syntax_error_cell),
    OddSubmission("syntax error in part 2", "convnets.ipynb", with_syntax_error_in("gradient-code"),
                  loses=("sigmoid-gradient",)),
    OddSubmission("nbconvert --to script", "convnets.py",
                  exported("jupyter", "nbconvert", "--to", "script", "convnets.ipynb", "--output", "out")),
    OddSubmission("jupytext --to py:percent", "convnets.py",
                  exported("jupytext", "--to", "py:percent", "convnets.ipynb", "-o", "out.py")),
    OddSubmission("not JSON", "convnets.ipynb", lambda notebook: notebook_json(notebook)[:5000], loses=PART_NAMES),
]
