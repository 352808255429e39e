"""nbgrader's whole course flow through its exchange, on one machine: the instructor
releases, students fetch and submit (one of them late), the instructor collects,
autogrades through the sandbox, generates and releases feedback, and each student fetches
theirs back. `python -m autograder exchange-demo` (`make exchange-demo`) runs it.

On a JupyterHub every student is an OS user and nbgrader takes their user name. Here one
OS user plays every student: each has a home folder of their own (their copy of the
assignment, their exchange cache, their feedback) and says who they are with nbgrader's
own `--student`; the collect step's owner check, which compares the two, is turned off.
"""
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..config import ASSIGNMENT, NOTEBOOK
from ..demo import step
from ..reference import notebook_json, solved_notebook
from .command import nbgrader
from .course import new_course, open_gradebook

COURSE_ID = "convnets-course"  # nbgrader_config.py's CourseDirectory.course_id


@dataclass(frozen=True)
class Student:
    name: str
    override: str  # the reference's definitions this student's answer replaces ("" = the reference)
    late: bool  # submits after the due date


@dataclass(frozen=True)
class Outcome:
    student: str
    score: float  # the gradebook's total for the submission
    seconds_late: float  # nbgrader's measure; its late penalty follows LateSubmissionPlugin
    feedback: Path | None  # the feedback page the student fetched


def run_exchange(students, output):
    """The course flow for `students` under `output` (exchange/, course/, students/<name>/);
    returns an Outcome per student. Any nbgrader command that fails stops it."""
    exchange, course = output / "exchange", output / "course"
    course.mkdir(parents=True)
    instructor = InstructorCommands(course, exchange)
    step(f"instructor: generate_assignment, release_assignment {ASSIGNMENT} to {exchange}")
    new_course(course)
    instructor.run("release_assignment", ASSIGNMENT)
    accounts = {student.name: StudentCommands(student.name, output / "students" / student.name, exchange)
                for student in students}
    on_time = [student for student in students if not student.late]
    step(f"{', '.join(s.name for s in on_time)}: fetch_assignment, answer, submit")
    at_once(lambda student: hand_in(student, accounts[student.name]), on_time)
    instructor.set_due_date_now()  # whoever submitted so far is on time, whoever submits next is late
    late = [student for student in students if student.late]
    step(f"{', '.join(s.name for s in late)}: fetch_assignment, answer, submit (late)")
    at_once(lambda student: hand_in(student, accounts[student.name]), late)
    step("instructor: collect, autograde (sandboxed), generate_feedback, release_feedback")
    for command in (["collect", "--ExchangeCollect.check_owner=False", ASSIGNMENT], ["autograde", ASSIGNMENT],
                    ["generate_feedback", ASSIGNMENT], ["release_feedback", ASSIGNMENT]):
        instructor.run(*command)
    step(f"{', '.join(accounts)}: fetch_feedback")
    at_once(lambda account: account.run("fetch_feedback", ASSIGNMENT), accounts.values())
    return [outcome(course, name, account.home) for name, account in accounts.items()]


def at_once(action, items):
    """action(item) for every item, in threads (students work at the same time); raises
    the first failure."""
    with ThreadPoolExecutor(max_workers=max(1, len(items))) as pool:
        list(pool.map(action, items))


class InstructorCommands:
    """nbgrader in the course folder, with the course's configuration and this exchange."""

    def __init__(self, course, exchange):
        self.course, self.exchange = course, exchange

    def run(self, *args):
        nbgrader(*args, f"--Exchange.root={self.exchange}", course_root=self.course, quiet=True)

    def set_due_date_now(self):
        """The assignment is due now (nbgrader computes lateness when it autogrades)."""
        due = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
        step(f"instructor: nbgrader db assignment add {ASSIGNMENT} --duedate='{due}'")
        self.run("db", "assignment", "add", ASSIGNMENT, f"--duedate={due}")


class StudentCommands:
    """nbgrader as a student runs it in their home folder: no course configuration, only
    the course's id and the exchange (on a JupyterHub, the global nbgrader_config.py)."""

    def __init__(self, name, home, exchange):
        self.name, self.home, self.exchange = name, home, exchange
        home.mkdir(parents=True, exist_ok=True)

    def run(self, *args):
        command = [sys.executable, "-m", "nbgrader", *args, f"--course={COURSE_ID}", f"--student={self.name}",
                   f"--Exchange.root={self.exchange}", f"--Exchange.cache={self.home / '.nbgrader-cache'}",
                   "--log-level=ERROR"]
        environment = {**os.environ, "HOME": str(self.home), "JUPYTER_CONFIG_DIR": str(self.home / ".jupyter"),
                       "PYTHONWARNINGS": "ignore"}
        subprocess.run(command, cwd=self.home, env=environment, check=True)


def hand_in(student, commands):
    """Fetch the released notebook, write the student's answers into it, submit it."""
    commands.run("fetch_assignment", ASSIGNMENT)
    notebook = commands.home / ASSIGNMENT / NOTEBOOK
    notebook.write_text(notebook_json(solved_notebook(student.override, released=notebook)))
    commands.run("submit", ASSIGNMENT)


def outcome(course, student, home):
    """The student's score and lateness in the gradebook, and the feedback page they fetched."""
    with open_gradebook(course) as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        score, seconds_late = submission.score, submission.total_seconds_late
    feedback = sorted((home / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
    return Outcome(student, score, seconds_late, feedback[-1] if feedback else None)


DEMO_STUDENTS = [
    Student("ann", "", late=False),
    Student("ben", "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n", late=False),  # overflows for large -x
    Student("cat", "", late=True),
]


def exchange_demo(output):
    """Run the course flow with DEMO_STUDENTS in a fresh `output` folder and print what
    each student got back; 1 if a student fetched no feedback."""
    shutil.rmtree(output, ignore_errors=True)
    try:
        outcomes = run_exchange(DEMO_STUDENTS, output)
    except subprocess.CalledProcessError as failed:
        print(f"error: stopped, this command failed (status {failed.returncode}; nbgrader said why above): "
              f"{' '.join(map(str, failed.cmd))}")
        return 1
    print()
    for result in outcomes:
        late = f", {result.seconds_late:.1f} s late" if result.seconds_late else ""
        print(f"{result.student}: {result.score:g} points before the written answers are graded{late}; "
              f"feedback fetched: {result.feedback}")
    return 0 if all(result.feedback for result in outcomes) else 1
