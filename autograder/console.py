"""The command's entry point: `python -m autograder`, and `convnets-grader` once installed.

`--course DIR`, given before the command, names the course folder. Every module reads
the course's paths from autograder.config when it is first imported, so the choice is
passed on here, before any of them is, as CONVNETS_COURSE_ROOT (which the command's
own subprocesses, nbgrader's and the class run's graders, inherit). Without it, config
takes the working folder if it holds course_config.py, else the package's parent.
"""
import os
import signal
import sys

COURSE_ROOT_VARIABLE = "CONVNETS_COURSE_ROOT"


def main(argv=None):
    """Run the command line; its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    course = course_option(argv)
    if course is not None:
        os.environ[COURSE_ROOT_VARIABLE] = os.path.abspath(course)
    from .cli import main as run_command, raise_terminated, redeliver_lost_interrupts

    sys.unraisablehook = redeliver_lost_interrupts
    signal.signal(signal.SIGTERM, raise_terminated)
    return run_command(argv)


def course_option(argv):
    """The DIR of `--course DIR` or `--course=DIR` given before the command, else None
    (a command's own --course, e.g. merge's, comes after it)."""
    for index, argument in enumerate(argv):
        if argument.startswith("--course="):
            return argument.partition("=")[2]
        if argument == "--course":
            return argv[index + 1] if index + 1 < len(argv) else None
        if not argument.startswith("-"):
            return None
    return None
