"""The README's layout table matches the tree: it names every module of the package,
each folder's modules in that folder's row, and nothing that is not there."""
import re

from autograder.config import COURSE_ROOT

PACKAGE = COURSE_ROOT / "autograder"


def layout_rows():
    """{path in the first column: the row's text} of the README's Layout table."""
    text = (COURSE_ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Layout\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in table.splitlines():
        if line.startswith("| `"):
            first, rest = line[2:].split(" | ", 1)
            for path in re.findall(r"`([^`]+)`", first):
                rows[path] = rest
    return rows


def test_every_module_of_the_package_is_in_the_layout():
    rows = layout_rows()
    missing = []
    for source in sorted(PACKAGE.rglob("*.py")):
        relative = source.relative_to(COURSE_ROOT)
        if source.parent == PACKAGE:
            if relative.as_posix() not in rows:
                missing.append(relative.as_posix())
        elif source.name != "__init__.py":
            folder = f"{source.parent.relative_to(COURSE_ROOT).as_posix()}/"
            if f"`{source.name}`" not in rows.get(folder, ""):
                missing.append(relative.as_posix())
    assert missing == []


def test_the_layout_names_nothing_that_is_not_there():
    rows = layout_rows()
    runtime = {"submitted/", "autograded/", "feedback/", "gradebook.db", "sample_class/<student>/convnets.ipynb"}
    assert [path for path in rows if path not in runtime and not (COURSE_ROOT / path).exists()] == []
    for folder, text in rows.items():
        if folder.startswith("autograder/") and folder.endswith("/"):
            named = re.findall(r"`(\w+\.py)`", text)
            assert [name for name in named if not (COURSE_ROOT / folder / name).exists()] == [], folder
