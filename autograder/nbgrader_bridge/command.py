"""Running nbgrader with the course's configuration from any folder, resuming what a
killed autograde left. In the course folder plain `nbgrader` loads the same
configuration (nbgrader_config.py) by itself."""
import os
import subprocess
import sys
from pathlib import Path

from ..config import COURSE_ROOT
from .handed_in import prepare_handed_in
from .resume import remove_unfinished_autogrades


def nbgrader(*args, course_root=COURSE_ROOT, check=True, quiet=False):
    """Run `nbgrader ARGS` with nbgrader_config.py; course_root overrides the course folder.
    quiet: only errors, and none of the library warnings nbgrader's own code triggers.
    Before `autograde`, what a killed earlier run left unfinished is cleared (resume.py) and
    each student's hand-in is made the notebook nbgrader reads (handed_in.py); a student
    folder refused there is an error line after the run, and its exit status is 1."""
    refused = []
    if args[:1] == ("autograde",):
        assignment = args[1] if len(args) > 1 and not args[1].startswith("-") else "*"
        remove_unfinished_autogrades(Path(course_root), assignment)
        refused = prepare_handed_in(Path(course_root))
    command, environment = nbgrader_command(*args, course_root=course_root, quiet=quiet)
    run = subprocess.run(command, check=check, cwd=course_root, env=environment)
    print(*refused, sep="\n", end="\n" if refused else "", flush=True)
    if refused and check:
        raise subprocess.CalledProcessError(1, command)
    run.returncode = run.returncode or (1 if refused else 0)
    return run


def nbgrader_command(*args, course_root=COURSE_ROOT, quiet=False):
    """(command, environment) that run `nbgrader ARGS` with the project's nbgrader_config.py."""
    command = [
        sys.executable, "-m", "nbgrader", *args,
        # Without ".py": nbgrader looks for "<name>.py"; Jupyter loads both .py and .json.
        f"--JupyterApp.config_file={COURSE_ROOT / 'nbgrader_config'}",
        f"--CourseDirectory.root={course_root}",
    ] + (["--log-level=ERROR"] if quiet else [])
    # nbgrader runs `alembic` for its gradebook: the environment's scripts must be on PATH.
    scripts = str(Path(sys.executable).parent)
    environment = {**os.environ, "PATH": scripts + os.pathsep + os.environ.get("PATH", "")}
    if quiet:
        environment["PYTHONWARNINGS"] = "ignore"
    return command, environment
