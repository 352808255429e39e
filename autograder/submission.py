"""Reading a submission: a notebook's code cells, or a whole .py module, as labelled cells.

Of a notebook, the grader runs the code cells students can edit and those that define the
given code, in order. It leaves out nbgrader's test cells (the grader runs its suites
itself) and cells tagged `skip-in-grader` (visible self-checks and figures).
Notebook-only lines (`%magic`, `!shell`) are commented out.

A notebook is read as plain JSON (format 4, which nbgrader requires): importing nbformat
costs a second, more than grading a submission's parts, so it is imported only to convert
an older format (3), as nbgrader would.

A .py export of the notebook is split back into its cells at the markers that
`jupyter nbconvert --to script` (`# In[ ]:`) and `jupytext --to py:percent` (`# %%`) write,
so that an error costs one cell, as in the notebook. The `skip-in-grader` tag survives in
jupytext's `# %% tags=[...]` header; nbconvert drops it, so a cell whose code is that of a
released `skip-in-grader` cell is left out too. A .py without markers is one cell.
"""
import functools
import json
import re
from pathlib import Path

from .config import RELEASED_NOTEBOOK

SKIP_TAG = "skip-in-grader"
CELL_MARKER = re.compile(r"^# (?:In\[[ 0-9]*\]:|%%(?P<header>.*))[ \t]*$", re.MULTILINE)


class UnreadableSubmission(Exception):
    """The file is missing, not a notebook or module, or not valid JSON/notebook format."""


def read_cells(path):
    """[{"label", "source"}] for a .ipynb or .py submission; raises UnreadableSubmission."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableSubmission(f"no submission file at {path}")
    if path.suffix == ".py":
        return script_cells(_read_text(path), path.name)
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


def script_cells(text, name):
    """The cells the grader runs of a .py: one per exported code cell that holds code (see
    the module's doc), labelled by their position, or the whole module as one cell labelled `name`."""
    markers = list(CELL_MARKER.finditer(text))
    if not markers:
        return [{"label": name, "source": text}]
    before = text[:markers[0].start()]
    cells = [{"label": f"{name} before its first cell", "source": before}] if _normalized(before) else []
    for index, (marker, end) in enumerate(zip(markers, [m.start() for m in markers[1:]] + [len(text)]), start=1):
        header, source = marker["header"] or "", text[marker.end():end]
        if _normalized(source) and not _is_text_cell(header) and SKIP_TAG not in _header_tags(header) \
                and not _is_released_skip(source):
            cells.append({"label": f"cell {index}", "source": _comment_out_magics(source)})
    return cells


def _is_text_cell(header):
    """jupytext writes markdown and raw cells as `# %% [markdown]` (commented lines)."""
    return header.strip().startswith("[")


def _header_tags(header):
    """The tags in a jupytext `# %%` header (`tags=["a", "b"]`), or none."""
    found = re.search(r"\btags=(\[[^\]]*\])", header)
    try:
        tags = json.loads(found[1]) if found else []
    except json.JSONDecodeError:
        return []
    return tags if isinstance(tags, list) else []


def _is_released_skip(source):
    return _normalized(source) in _released_skip_sources()


@functools.cache
def _released_skip_sources():
    """The code of the released notebook's `skip-in-grader` cells (none without a release)."""
    try:
        released = json.loads(RELEASED_NOTEBOOK.read_text(encoding="utf-8"))
    except OSError:
        return frozenset()
    return frozenset(_normalized(_text(cell["source"])) for cell in released["cells"]
                     if SKIP_TAG in cell.get("metadata", {}).get("tags", []))


def _normalized(source):
    """Code compared line by line, comments (nbconvert writes markdown cells as comments
    into the code cell before them), blank lines and trailing spaces aside."""
    return "\n".join(line.rstrip() for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#"))


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
    if type(notebook) is dict and notebook.get("nbformat") in (1, 2, 3):
        notebook = _upgraded(notebook, path)
    if not _is_notebook(notebook):
        raise UnreadableSubmission(f"{path.name} is not a Jupyter notebook in format 4 (cells with a type and a source)")
    return notebook


def _upgraded(notebook, path):
    """An older notebook (format 3 or before) converted to format 4 by nbformat, as nbgrader reads it."""
    import nbformat

    try:
        return json.loads(nbformat.writes(nbformat.convert(nbformat.from_dict(notebook), 4)))
    except Exception as error:  # nbformat's own errors for malformed notebooks vary
        raise UnreadableSubmission(f"{path.name} is an old-format notebook that cannot be converted "
                                   f"({type(error).__name__})") from None


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
    """Notebook-only lines commented out: `%magic`, `!shell`, and nbconvert's rendering of
    them in a .py export, `get_ipython().…`."""
    return "\n".join("# " + line if line.lstrip().startswith(("%", "!", "get_ipython()")) else line
                     for line in source.splitlines())
