"""nbgrader's settings for the course (the autograder's own are in course_config.py).

nbgrader loads this file from the folder it runs in: every `nbgrader ...` command typed
in the course folder, the formgrader started there (its Autograde button included) and
`python -m autograder nbgrader ...` all grade through the sandbox.

Fail closed: should anything here fail (course_config.py invalid, the autograder not
importable), nbgrader must not carry on with its defaults, which run each notebook in a
Jupyter kernel, student code and hidden tests in one process. traitlets, nbgrader's
configuration library, logs an Exception raised by a config file and carries on
(`Application._load_config_files`); SystemExit is no Exception, so it ends the command
with our one line and exit status 1. Should this file itself not run (a syntax error
here), the hidden test cells refuse to grade in a kernel (autograder/notebook.py).
"""
import os
import sys

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, COURSE_ROOT)  # the autograder package next to this file

try:
    from autograder.config import load_settings

    load_settings()  # course_config.py, checked as a whole before nbgrader runs anything

    c = get_config()  # noqa: F821 (traitlets provides it)
    c.CourseDirectory.course_id = "convnets-course"
    c.CourseDirectory.root = COURSE_ROOT
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "assignment"

    # Autograde through the sandboxed grader instead of executing the notebook in a
    # kernel: student code never shares a process with the tests (nbgrader_bridge/).
    c.Autograde.autograde_preprocessors = [
        "autograder.nbgrader_bridge.SandboxedGrading",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    # Feedback shows each part's messages, never the hidden test cells' source.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "nbgrader.preprocessors.ClearHiddenTests",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
except Exception as problem:  # noqa: BLE001 (any failure must stop nbgrader, see above)
    raise SystemExit(f"error: nbgrader stopped, nothing was run: {problem}") from None
