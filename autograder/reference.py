"""The reference solution, and submissions made from it.

The reference is the master notebook's code. The grader loads it in its own process
(`reference_submission`): its runs start each property's tree (engine/replay.py).
The audit, the release's sample class and the tests hand in the reference with some
top-level definitions replaced. Only the functions that build notebooks import nbformat
and notebook_source (jupytext): the grader, which needs just the loaded reference,
starts without them.
"""
import ast
import functools
import json
import re

from .config import MASTER_NOTEBOOK, RELEASED_NOTEBOOK
from .properties.fixtures import with_fixtures
from .sandbox.inprocess import InProcessSubmission
from .submission import is_graded_code, read_cells

SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*\n", re.MULTILINE)


@functools.cache
def reference_submission(override=""):
    """The reference solution, loaded in this process (it is trusted code). override:
    with these definitions replaced, e.g. a catalogued mistake (the course's own code)."""
    reference = InProcessSubmission({"__name__": "reference"})
    names = {node.name for node in ast.parse(override).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    cells = [dict(cell, source=replace_definitions(cell["source"], override)) if any(n in cell["source"] for n in names) else cell
             for cell in read_cells(MASTER_NOTEBOOK)]  # a cell that never names a definition cannot hold it
    loaded = reference.load(with_fixtures(cells))
    if loaded.cell_errors:
        raise RuntimeError(f"the reference solution does not run: {loaded.cell_errors}")
    return reference


def without_markers(source):
    return SOLUTION_MARKER.sub("", source)


def replace_definitions(source, override):
    """`source` with each top-level def/class that `override` defines swapped for its
    version in `override`."""
    if not override:
        return source
    new = {node.name: node for node in ast.parse(override).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    new_lines, lines = override.splitlines(), source.splitlines()
    for node in sorted(ast.parse(source).body, key=lambda n: n.lineno, reverse=True):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in new:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            replacement = new[node.name]
            start = min([replacement.lineno] + [d.lineno for d in replacement.decorator_list]) - 1
            lines[first:node.end_lineno] = new_lines[start:replacement.end_lineno]
    return "\n".join(lines) + "\n"


@functools.cache
def reference_definitions():
    """{name: source} of every top-level definition in the master's solution cells, read
    from the generated master notebook as plain JSON, the very code `reference_submission`
    runs (the grader names catalogued mistakes with it, and must not load jupytext for
    that: it costs more than grading a submission)."""
    sources = {}
    for cell in json.loads(MASTER_NOTEBOOK.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution"):
            source = without_markers("".join(cell["source"]))
            for node in ast.parse(source).body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    sources[node.name] = ast.get_source_segment(source, node) + "\n"
    return sources


def reference_edited(name, old, new):
    """The reference's definition `name` with `old` replaced by `new`: a mistake that is
    one small change to a correct answer. `old` must occur exactly once."""
    source = reference_definitions()[name]
    if source.count(old) != 1:
        raise ValueError(f"{old!r} is not in the reference's {name} exactly once")
    return source.replace(old, new)


def solved_notebook(override="", released=RELEASED_NOTEBOOK):
    """The released notebook as a student would hand it in: the reference solutions
    typed into the code cells, `override`'s definitions swapped in, a written answer."""
    import nbformat

    from .notebook_source import build_master

    solutions = {cell.id: without_markers(cell.source) for cell in build_master().cells}
    notebook = nbformat.read(released, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            if cell.cell_type == "code":
                cell.source = replace_definitions(solutions[cell.id], override).rstrip("\n")
            else:
                cell.source = "My answer: see the derivation in my notes."
    return notebook


def solved_module(override=""):
    """The same submission as one convnets.py module."""
    cells = [cell.source for cell in solved_notebook(override).cells if is_graded_code(cell)]
    return "\n\n".join(cells) + "\n"


def notebook_json(notebook):
    import nbformat

    return nbformat.writes(notebook) + "\n"
