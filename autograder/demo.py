"""The demo: the instructor's whole workflow on the bundled sample class, in a scratch
course under demo_output/, then `grade-class` on the same class and `grade` on each
submission; prints where each score came from so the three paths can be compared."""
import shutil
import time

from .class_grading.roster import find_submissions
from .class_grading.run import grade_class
from .config import ASSIGNMENT, COURSE_ROOT, NOTEBOOK, SAMPLE_CLASS
from .grader import grade_path
from .nbgrader_bridge.command import nbgrader
from .nbgrader_bridge.course import new_course, open_gradebook
from .parallel import usable_cpus
from .reports.table import score_table
from .results import gradescope_results, write_results

OUTPUT = COURSE_ROOT / "demo_output"


def step(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run_demo(settings, sample_class=SAMPLE_CLASS, output=OUTPUT):
    course = output / "course"
    shutil.rmtree(output, ignore_errors=True)
    course.mkdir(parents=True)
    students = sorted(p.name for p in sample_class.iterdir() if (p / NOTEBOOK).is_file())

    step(f"nbgrader generate_assignment {ASSIGNMENT} (the release students get)")
    new_course(course)
    for student in students:
        target = course / "submitted" / student / ASSIGNMENT
        target.mkdir(parents=True)
        shutil.copy(sample_class / student / NOTEBOOK, target / NOTEBOOK)

    step(f"nbgrader autograde {ASSIGNMENT}: {len(students)} students, through the sandboxed grader")
    nbgrader("autograde", ASSIGNMENT, course_root=course, quiet=True)
    step("nbgrader export: grades.csv")
    nbgrader("export", f"--to={course / 'grades.csv'}", course_root=course, quiet=True)

    step("python -m autograder grade-class: the same class, graders in parallel")
    class_rows = {row.student: row for row in grade_class(find_submissions(course / "submitted").entries, output / "class_results",
                                                          settings, workers=usable_cpus()).rows}

    rows = []
    for number, student in enumerate(students, start=1):
        step(f"python -m autograder grade: {student} ({number}/{len(students)})")
        report = grade_path(sample_class / student / NOTEBOOK, settings)
        write_results(gradescope_results(report), output / "results" / f"{student}.json")
        rows.append((student, report))

    with open_gradebook(course) as gradebook:
        nbgrader_scores = {s: gradebook.find_submission(ASSIGNMENT, s).code_score for s in students}
    print()
    print(score_table(rows))
    print()
    agree = all(abs(report.score - nbgrader_scores[student]) < 1e-9 and report.score == class_rows[student].score
                for student, report in rows)
    print("nbgrader autograde code scores:", ", ".join(f"{s} {v:g}" for s, v in nbgrader_scores.items()))
    print("grade-class scores:            ", ", ".join(f"{s} {class_rows[s].score:g}" for s in students))
    print(f"All three paths agree on every student: {'yes' if agree else 'NO'}")
    print(f"Gradescope results: {output / 'results'}/<student>.json")
    print(f"Grades CSV (nbgrader export): {course / 'grades.csv'}")
    print(f"Autograded notebooks: {course / 'autograded'}")
    return 0 if agree else 1
