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


def build_master(text_path=TEXT_FORM, left_out=()):
    """The master notebook as nbformat, from its text form. `left_out`: parts dropped
    from it, with every cell tagged with the part's name and the intro's table row."""
    notebook = jupytext.read(text_path)
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.cells = [cell for cell in notebook.cells if not set(cell.metadata.get("tags", [])) & set(left_out)]
    for cell in notebook.cells:
        cell["id"] = cell.metadata["nbgrader"]["grade_id"]
        if cell.cell_type == "markdown" and left_out:
            cell.source = "\n".join(line for line in cell.source.split("\n")
                                     if not (line.startswith("|") and any(f"`{part}`" in line for part in left_out)))
    nbformat.validate(notebook)
    return notebook


def parts_left_out(settings):
    """The parts course_config.py gives no points: they are not released."""
    return [part for part, points in settings.part_points.items() if not points]


def notebook_text(notebook):
    return nbformat.writes(notebook) + "\n"


def write_master(text_path=TEXT_FORM, notebook_path=MASTER_NOTEBOOK, left_out=()):
    notebook_path.write_text(notebook_text(build_master(text_path, left_out)), encoding="utf-8")
