"""Resuming an `nbgrader autograde` that was killed midway.

nbgrader copies a submission's other files (its timestamp.txt) into autograded/ before it
grades the notebooks, and on its next run skips every student whose autograded folder
exists: a student whose grading was cut short would never be graded. Removing such
unfinished folders first makes the rerun grade exactly the students not yet done; the
gradebook keeps one submission per student, so nobody is counted twice.
"""
import json
import shutil


def unfinished_autogrades(course_root, assignment="*"):
    """autograded/<student>/<assignment> folders lacking a complete copy of a submitted notebook."""
    for submitted in sorted((course_root / "submitted").glob(f"*/{assignment}")):
        autograded = course_root / "autograded" / submitted.parent.name / submitted.name
        if autograded.is_dir() and not all(_complete(autograded / nb.name) for nb in submitted.glob("*.ipynb")):
            yield autograded


def remove_unfinished_autogrades(course_root, assignment="*"):
    for folder in list(unfinished_autogrades(course_root, assignment)):
        shutil.rmtree(folder)


def _complete(notebook):
    try:
        json.loads(notebook.read_text(encoding="utf-8"))
        return True
    except (OSError, ValueError):  # missing, or cut off while being written
        return False
