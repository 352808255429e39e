"""The worker's confinement, seen from outside: one user per concurrent worker, nothing
one worker changes reaches the next forked from the same template, a dead template is
replaced, and a grader killed midway leaves neither a worker nor a half-written report."""
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from autograder.audit.mutants import notebook_json, solved_notebook
from autograder.sandbox import confinement
from autograder.sandbox.client import SandboxedSubmission
from autograder.sandbox.template import Template

from .host import leftover_workers

WHO_AM_I = [{"label": "probe", "source": "import os\ndef uid():\n    return os.getuid()\n"}]


def test_concurrent_workers_run_as_distinct_unprivileged_users(settings):
    if not confinement.can_drop_privileges():
        pytest.fail("the red team runs as root (CI does): workers must drop to users of their own")
    with SandboxedSubmission(settings) as first, SandboxedSubmission(settings) as second:
        first.load(WHO_AM_I)
        second.load(WHO_AM_I)
        uids = {first.call("uid").value, second.call("uid").value}
    assert len(uids) == 2 and all(uid >= confinement.WORKER_UID_BASE for uid in uids)


TAMPER = [{"label": "tamper", "source": "import numpy, os\nnumpy.exp = lambda x: 0.0\nos.environ['LEFT'] = 'behind'\n"}]
SEEN = [{"label": "probe", "source": "import numpy, os\ndef seen():\n    return [float(numpy.exp(0.0)), os.environ.get('LEFT')]\n"}]


def test_workers_forked_from_one_template_share_nothing_a_worker_changed(settings):
    with SandboxedSubmission(settings) as first:
        first.load(TAMPER + SEEN)
        assert first.call("seen").value == [0.0, "behind"]
    with SandboxedSubmission(settings) as second:  # from the same template
        second.load(SEEN)
        assert second.call("seen").value == [1.0, None]


def test_a_template_that_died_is_replaced(settings):
    with SandboxedSubmission(settings) as first:
        first.load(WHO_AM_I)
    Template._running[0].kill()
    Template._running[0].wait()
    with SandboxedSubmission(settings) as second:
        second.load(WHO_AM_I)
        assert second.call("uid").value >= 0


def test_a_grader_killed_midway_leaves_no_worker_and_the_old_report(tmp_path):
    notebook = solved_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("while True:\n    pass\n"))  # hangs while the cells run
    submission = tmp_path / "convnets.ipynb"
    submission.write_text(notebook_json(notebook))
    report = tmp_path / "results.json"
    report.write_text("the previous report\n")
    grader = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(submission), "--output", str(report)])
    deadline = time.monotonic() + 30
    while not leftover_workers():
        assert time.monotonic() < deadline, "the worker never started"
        time.sleep(0.05)
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    deadline = time.monotonic() + 5
    while leftover_workers():
        assert time.monotonic() < deadline, f"the worker outlived the grader: {leftover_workers()}"
        time.sleep(0.05)
    assert report.read_text() == "the previous report\n"
