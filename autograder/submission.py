"""Reading a submission: a notebook's code cells, or a whole .py module, as labelled cells.

Of a notebook, the grader runs the code cells students can edit and those that define the
given code, in order. It leaves out nbgrader's test cells (the grader runs its suites
itself) and cells tagged `skip-in-grader` (visible self-checks and figures).
Notebook-only lines (`%magic`, `!shell`) are commented out.
"""
from pathlib import Path

import nbformat
from nbformat.reader import NotJSONError

SKIP_TAG = "skip-in-grader"


class UnreadableSubmission(Exception):
    """The file is missing, not a notebook or module, or not valid JSON/notebook format."""


def read_cells(path):
    """[{"label", "source"}] for a .ipynb or .py submission; raises UnreadableSubmission."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableSubmission(f"no submission file at {path}")
    if path.suffix == ".py":
        return [{"label": path.name, "source": _read_text(path)}]
    if path.suffix == ".ipynb":
        return notebook_cells(_read_notebook(path))
    raise UnreadableSubmission(f"{path.name}: expected a .ipynb notebook or a .py module")


def notebook_cells(notebook):
    """The cells the grader runs, labelled by their position among the notebook's cells."""
    return [
        {"label": f"cell {index}", "source": _comment_out_magics(cell.source)}
        for index, cell in enumerate(notebook.cells, start=1)
        if is_graded_code(cell)
    ]


def is_graded_code(cell):
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    is_test = nbgrader.get("grade", False) and not nbgrader.get("solution", False)
    tags = cell.get("metadata", {}).get("tags", [])
    return cell.cell_type == "code" and not is_test and SKIP_TAG not in tags


def _read_notebook(path):
    try:
        return nbformat.reads(_read_text(path), as_version=4)
    except NotJSONError:
        raise UnreadableSubmission(f"{path.name} is not valid JSON; was it saved completely?") from None
    except Exception as error:  # nbformat raises several kinds for a malformed notebook
        raise UnreadableSubmission(f"{path.name} is not a Jupyter notebook ({type(error).__name__}: {error})") from None


def _read_text(path):
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UnreadableSubmission(f"{path.name} is not UTF-8 text") from None


def _comment_out_magics(source):
    return "\n".join("# " + line if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
