"""The master notebook's reviewable text form (jupytext percent format) and its .ipynb.

solutions/convnets_notebook.py is what instructors edit and review; the .ipynb that
nbgrader reads, solutions/convnets/convnets.ipynb, is generated from it, with cell ids
taken from the nbgrader grade ids so that regenerating it changes nothing.
"""
import jupytext
import nbformat

from .config import COURSE_ROOT

TEXT_FORM = COURSE_ROOT / "solutions" / "convnets_notebook.py"
MASTER_NOTEBOOK = COURSE_ROOT / "solutions" / "convnets" / "convnets.ipynb"


def build_master(text_path=TEXT_FORM):
    """The master notebook as nbformat, from its text form."""
    notebook = jupytext.read(text_path)
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["language_info"] = {"name": "python"}
    for cell in notebook.cells:
        cell["id"] = cell.metadata["nbgrader"]["grade_id"]
    nbformat.validate(notebook)
    return notebook


def notebook_text(notebook):
    return nbformat.writes(notebook) + "\n"


def write_master(text_path=TEXT_FORM, notebook_path=MASTER_NOTEBOOK):
    notebook_path.write_text(notebook_text(build_master(text_path)), encoding="utf-8")
