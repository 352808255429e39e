"""A class run's scores in nbgrader's gradebook: written as its SaveAutoGrades would, and
read back part by part."""
from nbgrader.utils import parse_utc

ASSIGNMENT = NOTEBOOK = "convnets"


def record_results(gradebook, student, part_scores, timestamp=None):
    """Set the autograded score of each part's test cell for one student's submission.
    The written answers are left to a human; a TA's manual score still wins. Raises
    BadTimestamp before writing anything if `timestamp` is no time; any other failure
    leaves none of this student's scores half-written for the next student's commit."""
    details = {"timestamp": submission_time(timestamp)} if timestamp else {}
    try:
        gradebook.update_or_create_student(student)
        gradebook.update_or_create_submission(ASSIGNMENT, student, **details)
        grades = {grade.name: grade for grade in gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student).grades}
        for part, score in part_scores.items():
            grade = grades[f"tests-{part}"]
            grade.auto_score = score
            grade.needs_manual_grade = grade.manual_score is not None
        gradebook.db.commit()
    except BaseException:
        gradebook.db.rollback()
        raise
    finally:
        gradebook.db.expunge_all()  # keep no ORM objects: the writer's memory stays flat in the class size


class BadTimestamp(ValueError):
    """A submission's timestamp.txt holds no time nbgrader can read."""


def submission_time(timestamp):
    """The time in a timestamp.txt, as nbgrader reads it; BadTimestamp if it is none."""
    try:
        return parse_utc(timestamp)
    except (ValueError, OverflowError) as error:
        raise BadTimestamp(f"the timestamp.txt holds no time ({timestamp!r:.100}: {error})") from None


def recorded_part_scores(gradebook, student):
    """{part: score} of each autograded part in a student's submission."""
    notebook = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
    return {grade.name.removeprefix("tests-"): grade.score for grade in notebook.grades if grade.name.startswith("tests-")}
