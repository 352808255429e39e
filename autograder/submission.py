"""Reading a submission: a notebook's code cells, or a whole .py module, as labelled cells.

Of a notebook, the grader runs the code cells students can edit and those that define the
given code, in order. It leaves out nbgrader's test cells (the grader runs its suites
itself) and cells tagged `skip-in-grader` (visible self-checks and figures).
Notebook-only lines (`%magic`, `!shell`) are commented out.

A notebook is read as plain JSON (format 4, which nbgrader requires): importing nbformat
costs a second, more than grading a submission's parts.
"""
import json
from pathlib import Path

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
    """The cells the grader runs, labelled by their position among the notebook's cells.
    `notebook`: parsed notebook JSON, or nbformat's NotebookNode (a dict too)."""
    return [
        {"label": f"cell {index}", "source": _comment_out_magics(_text(cell["source"]))}
        for index, cell in enumerate(notebook["cells"], start=1)
        if is_graded_code(cell)
    ]


def is_graded_code(cell):
    metadata = cell.get("metadata", {})
    nbgrader = metadata.get("nbgrader", {}) if isinstance(metadata.get("nbgrader", {}), dict) else {}
    is_test = nbgrader.get("grade") is True and nbgrader.get("solution") is not True
    tags = metadata.get("tags", [])
    return cell.get("cell_type") == "code" and not is_test and not (isinstance(tags, list) and SKIP_TAG in tags)


def _read_notebook(path):
    try:
        notebook = json.loads(_read_text(path))
    except json.JSONDecodeError:
        raise UnreadableSubmission(f"{path.name} is not valid JSON; was it saved completely?") from None
    if not _is_notebook(notebook):
        raise UnreadableSubmission(f"{path.name} is not a Jupyter notebook in format 4 (cells with a type and a source)")
    return notebook


def _is_notebook(notebook):
    if type(notebook) is not dict or notebook.get("nbformat") != 4 or type(notebook.get("cells")) is not list:
        return False
    return all(type(c) is dict and type(c.get("metadata", {})) is dict and type(c.get("cell_type")) is str
               and isinstance(c.get("source"), (str, list)) for c in notebook["cells"])


def _text(source):
    """A cell's source: a string, or in the file format a list of lines."""
    return source if isinstance(source, str) else "".join(map(str, source))


def _read_text(path):
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UnreadableSubmission(f"{path.name} is not UTF-8 text") from None


def _comment_out_magics(source):
    return "\n".join("# " + line if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
