"""The course's configuration: nbgrader's settings and the autograder's own.

nbgrader reads this file through ``--JupyterApp.config_file=course_config.py``;
``python -m autograder nbgrader ...`` passes that flag for you. The autograder imports
the plain settings at the top (see autograder/config.py). Edit here, nowhere else.
"""
import os

COURSE_ID = "convnets-course"
ASSIGNMENT = "convnets"

# Points of each autograded part; a part's points are shared among its properties by
# their weights (autograder/properties/). The written answers are graded by hand in
# nbgrader; their points are in the notebook's cell metadata.
PART_POINTS = {
    "sigmoid-graph": 30.0,
    "sigmoid-gradient": 30.0,
    "bias-folding": 40.0,
}

# Seeds every hidden property test: the same secret gives the same examples, so the
# same submission gets the same score on every run and machine. Set your own secret in
# the environment so that students cannot reproduce the exact examples.
COURSE_SECRET = os.environ.get("CONVNETS_COURSE_SECRET", "change-me: convnets demo secret")

# Examples hypothesis tries per property before it calls the property satisfied. The
# audit kills every catalogued mistake from 10 examples up (measured at 10, 15, 20, 30
# and 60); 30 keeps a threefold margin and grades twice as fast as 60. The environment
# may lower it for quick runs (the red-team tests use 10: they test the sandbox, not the
# suites' power, which the audit checks at the full count).
MAX_EXAMPLES = int(os.environ.get("CONVNETS_MAX_EXAMPLES", 30))

# Wall-clock limits enforced by the grader: running the submission's cells, one call of
# student code, and the whole submission.
LOAD_TIMEOUT_SECONDS = 60.0
CALL_TIMEOUT_SECONDS = 2.0
SUBMISSION_TIMEOUT_SECONDS = 600.0

# Address space one worker may use (numpy and a submission need about 100 MiB); its CPU
# time is capped at SUBMISSION_TIMEOUT_SECONDS. See `python -m autograder doctor`.
WORKER_MEMORY_MB = 1024


if "get_config" in globals():  # only when nbgrader reads this file
    import sys

    COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, COURSE_ROOT)

    c = get_config()  # noqa: F821
    c.CourseDirectory.course_id = COURSE_ID
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
