"""The master notebook's reviewable text form (jupytext percent format) and its .ipynb.

solutions/convnets_notebook.py is what instructors edit and review; the .ipynb that
nbgrader reads, solutions/convnets/convnets.ipynb, is generated from it and from
course_config.py's PART_POINTS, with cell ids taken from the nbgrader grade ids so that
regenerating it changes nothing. PART_POINTS is the only home of the parts' points: the
text form's test cells carry none, each gets its part's, and `{points:<grade id>}` in
a markdown cell (the introduction's table) becomes that cell's points.

Generating it never destroys work: the digest of the .ipynb last written is kept next
to the text form, and an .ipynb that is neither that one nor what would be written now
was edited by hand: it is refused unless forced.
"""
import hashlib
import re

import jupytext
import nbformat

from .config import ASSIGNMENT, COURSE_ROOT, MASTER_NOTEBOOK, TEXT_FORM
from .points import TEST_CELL_PREFIX

GENERATED_DIGEST = COURSE_ROOT / "solutions" / f"{ASSIGNMENT}.ipynb.sha256"  # of the .ipynb last generated
POINTS_PLACEHOLDER = re.compile(r"\{points:([\w-]+)\}")


def build_master(part_points=None, text_path=TEXT_FORM):
    """The master notebook as nbformat, from its text form, with PART_POINTS' points. A
    part with no points is left out: every cell tagged with its name, its table row.
    Without part_points: every part, no points filled in (its code, for the audit)."""
    notebook = jupytext.read(text_path)
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["language_info"] = {"name": "python"}
    for cell in notebook.cells:
        cell["id"] = cell.metadata["nbgrader"]["grade_id"]
    if part_points is not None:
        _apply_points(notebook, part_points, text_path)
    nbformat.validate(notebook)
    return notebook


def _apply_points(notebook, part_points, text_path):
    """Leave out the parts without points, give each test cell its part's points and
    fill in the markdown's `{points:<grade id>}`."""
    left_out = parts_left_out(part_points)
    notebook.cells = [cell for cell in notebook.cells if not set(cell.metadata.get("tags", [])) & set(left_out)]
    for cell in notebook.cells:
        if cell.id.startswith(TEST_CELL_PREFIX):
            cell.metadata["nbgrader"]["points"] = _json_number(part_points[cell.id[len(TEST_CELL_PREFIX):]])
    points = {cell.id: cell.metadata["nbgrader"]["points"] for cell in notebook.cells if cell.metadata["nbgrader"].get("grade")}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            kept = [line for line in cell.source.split("\n")
                    if not (line.startswith("|") and any(f"`{part}`" in line for part in left_out))]
            cell.source = _with_points("\n".join(kept), points, text_path)


def parts_left_out(part_points):
    """The parts PART_POINTS gives no points: they are not released."""
    return [part for part, points in part_points.items() if not points]


def _json_number(points):
    """30.0 as 30: the notebook's JSON keeps the integer it always had."""
    return int(points) if float(points).is_integer() else points


def _with_points(source, points, text_path):
    """`source` with each `{points:<grade id>}` replaced by that graded cell's points."""
    def replace(match):
        if match.group(1) not in points:
            raise ValueError(f"{text_path.name}: {match.group(0)} names no graded cell of the notebook")
        return f"{points[match.group(1)]:g}"

    return POINTS_PLACEHOLDER.sub(replace, source)


def notebook_text(notebook):
    return nbformat.writes(notebook) + "\n"


class EditedMaster(Exception):
    """The .ipynb was edited after it was generated; writing it would lose the edit."""


def write_master(part_points, text_path=TEXT_FORM, notebook_path=MASTER_NOTEBOOK, digest_path=GENERATED_DIGEST,
                 force=False):
    """Generate the .ipynb from the text form and record its digest; raises EditedMaster,
    unless `force`, if the .ipynb there was edited since it was generated."""
    text = notebook_text(build_master(part_points, text_path))
    if not force and _edited(notebook_path, digest_path, text):
        raise EditedMaster(
            f"{_shown(notebook_path)} was edited after it was generated from {_shown(text_path)}; generating it again "
            f"would lose the edit. Bring it into the text form first (`jupytext --to py:percent -o edited.py "
            f"{_shown(notebook_path)}` writes the edited notebook as text, to compare with {_shown(text_path)}), or "
            "discard it with "
            "`make release FORCE=1` (`python -m autograder release --force`).")
    notebook_path.write_text(text, encoding="utf-8")
    digest_path.write_text(_digest(text.encode("utf-8")) + "\n", encoding="utf-8")


def _edited(notebook_path, digest_path, text):
    """True if `notebook_path` holds neither the notebook last generated nor `text`."""
    if not notebook_path.exists():
        return False
    current = notebook_path.read_bytes()
    recorded = digest_path.read_text(encoding="utf-8").strip() if digest_path.exists() else None
    return current != text.encode("utf-8") and _digest(current) != recorded


def _shown(path):
    """`path` relative to the project's folder, where the commands are run."""
    return path.relative_to(COURSE_ROOT) if path.is_relative_to(COURSE_ROOT) else path


def _digest(data):
    return hashlib.sha256(data).hexdigest()
