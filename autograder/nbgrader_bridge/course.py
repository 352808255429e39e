"""Scratch nbgrader courses: the course's solutions released into a folder of their own,
and their gradebook read without nbgrader's own library warnings."""
import contextlib
import shutil
import warnings

from nbgrader.api import Gradebook

from ..config import COURSE_ROOT
from .command import nbgrader


def new_course(root):
    """Copy solutions/ and nbgrader_config.py into `root` and release it there
    (assignment/convnets/); returns root. Plain `nbgrader` run in `root` grades through
    the sandbox, as in the project's folder. A scratch course keeps the project's own
    gradebook.db out of it."""
    shutil.copytree(COURSE_ROOT / "solutions", root / "solutions")
    shutil.copy(COURSE_ROOT / "nbgrader_config.py", root)
    nbgrader("generate_assignment", "convnets", course_root=root, quiet=True)
    return root


@contextlib.contextmanager
def open_gradebook(root):
    """The course's gradebook; SQLAlchemy's warnings about nbgrader's queries are silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
            yield gradebook
