"""Fail closed: course_config.py is checked as a whole before any command runs; the
repository's own secret is warned about; Ctrl-C ends a command with one line; the
files a run writes are readable by the course's other tools."""
import dataclasses
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

import pytest

from autograder import cli, config, demo, parallel
from autograder.audit import run as audit_run
from autograder.config import COURSE_ROOT, CourseConfigError, load_settings
from autograder.reports.class_report import write_class_report
from autograder.results import gradescope_results, write_results
from autograder.grader import grade_path
from autograder.nbgrader_bridge.course import new_course, open_gradebook
from autograder.parallel import grader_pool

VISIBILITY_LINE = (COURSE_ROOT / "course_config.py").read_text().splitlines().index("VISIBILITY = {}") + 1
PARTS = "(the parts: sigmoid-graph, sigmoid-gradient, bias-folding, conv-folding)"


def course_config(tmp_path, old, new):
    """A copy of course_config.py with `old` replaced by `new` (which must be there)."""
    text = (COURSE_ROOT / "course_config.py").read_text()
    assert old in text
    path = tmp_path / "course_config.py"
    path.write_text(text.replace(old, new))
    return path


@pytest.mark.parametrize("old, new, problems", [
    ('"bias-folding": 40.0', '"bias-foldng": 40.0', [
        f"course_config.py: PART_POINTS has 'bias-foldng', which is no part {PARTS}",
        "course_config.py: PART_POINTS gives nothing for 'bias-folding'; give its points (0 leaves the part out)"]),
    ('"bias-folding": 40.0', '"bias-folding": -40.0', [
        "course_config.py: PART_POINTS['bias-folding'] is -40.0; it must be a number of points, 0 or more"]),
    ('"bias-folding": 40.0', '"bias-folding": "40"', [
        "course_config.py: PART_POINTS['bias-folding'] is '40'; it must be a number of points, 0 or more"]),
    ('"bias-folding": 40.0', '"bias-folding": float("nan")', [
        "course_config.py: PART_POINTS['bias-folding'] is nan; it must be a number of points, 0 or more"]),
    ("CALL_TIMEOUT_SECONDS = 2.0", "CALL_TIMEOUT_SECONDS = 0", [
        "course_config.py: CALL_TIMEOUT_SECONDS is 0; it must be a number of seconds above 0"]),
    ("WORKER_MEMORY_MB = 1024", 'WORKER_MEMORY_MB = "1024"', [
        "course_config.py: WORKER_MEMORY_MB is '1024'; it must be a whole number of MiB above 0"]),
    ("VISIBILITY = {}", "VISIBILTY = {}", [
        "course_config.py: VISIBILTY is no setting (the settings: PART_POINTS, COURSE_SECRET, MAX_EXAMPLES, "
        "LOAD_TIMEOUT_SECONDS, CALL_TIMEOUT_SECONDS, SUBMISSION_TIMEOUT_SECONDS, WORKER_MEMORY_MB, "
        "DEFAULT_VISIBILITY, VISIBILITY)",
        "course_config.py: VISIBILITY is missing; it must be a dict of visibilities"]),
    ("VISIBILITY = {}", 'VISIBILITY = {"bias-foldng": "hidden", "sigmoid-graph": "secret"}', [
        'course_config.py: VISIBILITY names no part or "part: property": bias-foldng',
        "course_config.py: VISIBILITY['sigmoid-graph'] is 'secret'; it must be one of visible, after_due_date, "
        "after_published, hidden"]),
    ("VISIBILITY = {}", "VISIBILITY = {\n", [f"course_config.py, line {VISIBILITY_LINE}: '{{' was never closed"]),
    ('"sigmoid-graph": 30.0,', '"sigmoid-graph": 30.0 / 0,', [
        "course_config.py: ZeroDivisionError: float division by zero"]),
])
def test_course_config_is_checked_as_a_whole(tmp_path, old, new, problems):
    with pytest.raises(CourseConfigError) as refused:
        load_settings(course_config(tmp_path, old, new))
    assert str(refused.value).splitlines() == problems


def test_no_points_at_all_is_refused(tmp_path):
    path = tmp_path / "course_config.py"
    text = (COURSE_ROOT / "course_config.py").read_text()
    for points in ("30.0", "40.0"):
        text = text.replace(f": {points}", ": 0")
    path.write_text(text)
    with pytest.raises(CourseConfigError, match="PART_POINTS gives every part 0 points; nothing would be graded"):
        load_settings(path)


@pytest.mark.parametrize("command", [["grade", "x.ipynb"], ["grade-class", "nowhere"], ["merge", "a", "--output-dir", "b"],
                                     ["report", "nowhere"], ["audit"], ["doctor"], ["release"], ["demo"], ["exchange-demo"],
                                     ["nbgrader", "export"]])
def test_every_command_refuses_a_bad_config_before_it_runs(tmp_path, monkeypatch, capsys, command):
    monkeypatch.setattr(config, "COURSE_CONFIG", course_config(tmp_path, '"bias-folding": 40.0', '"bias-foldng": 40.0'))
    monkeypatch.chdir(tmp_path)
    assert cli.main(command) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"error: course_config.py: PART_POINTS has 'bias-foldng', which is no part {PARTS}",
        "error: course_config.py: PART_POINTS gives nothing for 'bias-folding'; give its points (0 leaves the part out)"]
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("option", [["grade-class", "--workers"], ["audit", "--jobs"]])
@pytest.mark.parametrize("count", ["0", "-1", "two"])
def test_a_count_of_processes_below_one_is_refused_in_one_line(capsys, option, count):
    with pytest.raises(SystemExit) as stopped:
        cli.main([*option, count])
    error = capsys.readouterr().err.splitlines()[-1]
    assert stopped.value.code == 2 and error.endswith(f"{option[1]}: {count!r} is not a whole number of 1 or more"), error


class _AuditStarted(Exception):
    pass


@pytest.mark.parametrize(("given", "jobs"), [([], 5), (["--jobs", "3"], 3)])
def test_the_audit_grades_on_every_cpu_it_may_use_unless_told(monkeypatch, given, jobs):
    """As grade-class does: a fixed 2 left CPUs idle on a bigger machine and ran two graders on one CPU."""
    seen = []

    def first_audit(settings, jobs):
        seen.append(jobs)
        raise _AuditStarted

    monkeypatch.setattr(parallel, "usable_cpus", lambda: 5)
    monkeypatch.setattr(audit_run, "run_audit", first_audit)
    with pytest.raises(_AuditStarted):
        cli.main(["audit", *given])
    assert seen == [jobs]


DEFAULT_SECRET_WARNING = ("warning: COURSE_SECRET is this repository's default, so students can reproduce the hidden "
                          "examples; set CONVNETS_COURSE_SECRET to a secret of your own")


@pytest.mark.parametrize("command", [["grade-class", "nowhere"], pytest.param(["doctor"], marks=pytest.mark.slow), ["demo"]])
def test_the_default_secret_is_warned_about(monkeypatch, capsys, command):
    monkeypatch.delenv("CONVNETS_COURSE_SECRET", raising=False)
    monkeypatch.setattr(demo, "run_demo", lambda settings: 0)  # the warning is under test, not the demo
    cli.main(command)
    assert capsys.readouterr().err.splitlines().count(DEFAULT_SECRET_WARNING) == 1
    monkeypatch.setenv("CONVNETS_COURSE_SECRET", "the course's own")
    cli.main(command)
    assert DEFAULT_SECRET_WARNING not in capsys.readouterr().err


def ctrl_c_works():
    """In the child, before exec: SIGINT as a terminal gives it. A shell's background job
    (`make test &`) starts with SIGINT ignored, and Python keeps an ignored SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupted(command, started_line):
    """Run `python -m autograder COMMAND`, press Ctrl-C (SIGINT to its process group) a
    second after it printed `started_line`; returns (exit status, stderr)."""
    environment = {**os.environ, "CONVNETS_COURSE_SECRET": "the course's own", "CONVNETS_MAX_EXAMPLES": "10"}
    run = subprocess.Popen([sys.executable, "-m", "autograder", *command], cwd=COURSE_ROOT, env=environment,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                           preexec_fn=ctrl_c_works)
    assert run.stdout.readline().startswith(started_line)
    time.sleep(1.0)
    assert run.poll() is None, "finished before it could be interrupted"
    os.killpg(run.pid, signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    return run.returncode, stderr


def test_ctrl_c_ends_grade_class_with_one_line(tmp_path):
    """Ctrl-C adds one line to the progress lines of the students graded before it (on a
    fast machine, or with the reference's runs cached, the first may be done within the
    second the test waits)."""
    status, stderr = interrupted(["grade-class", "sample_class", "--output-dir", str(tmp_path), "--workers", "2"], "Grading 6")
    *progress, last = stderr.splitlines()
    assert (status, last) == (130, "Interrupted: stopped before finishing; what was written is whole (run it again to finish).")
    assert all(re.fullmatch(r"\[[1-5]/6\] [a-z]+ [0-9.]+/130", line) for line in progress), progress


INTERRUPT_IN_GC = """
import gc, os, runpy, signal, sys

def stop_once(phase, info):  # Ctrl-C pressed (or `kill PID`) while grading, as a garbage collection runs
    if phase == "start" and "hypothesis" in sys.modules:
        gc.callbacks.remove(stop_once)
        os.kill(os.getpid(), signal.{signal})

gc.callbacks.append(stop_once)
runpy.run_module("autograder", run_name="__main__")
"""


@pytest.mark.parametrize("signal_name, status, line", [
    ("SIGINT", 130, "Interrupted: stopped before finishing; what was written is whole (run it again to finish)."),
    ("SIGTERM", 143, "Terminated: stopped before finishing; what was written is whole (run it again to finish)."),
])
def test_ctrl_c_or_sigterm_in_a_gc_callback_still_ends_the_command(tmp_path, signal_name, status, line):
    """Python cannot raise in a gc callback: it prints "Exception ignored" and carries on."""
    environment = {**os.environ, "CONVNETS_COURSE_SECRET": "the course's own"}
    run = subprocess.run([sys.executable, "-c", INTERRUPT_IN_GC.format(signal=signal_name), "grade", "sample_class/ada/convnets.ipynb",
                          "--output", str(tmp_path / "results.json")], preexec_fn=ctrl_c_works,
                         cwd=COURSE_ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stderr.splitlines()) == (status, [line])
    assert not (tmp_path / "results.json").exists()


def test_graders_leave_ctrl_c_to_the_pool_owner():
    with grader_pool(2) as pool:
        assert set(pool.map(signal.getsignal, [signal.SIGINT] * 4)) == {signal.SIG_IGN}


@pytest.mark.slow
def test_results_and_the_class_report_are_readable_by_others(tmp_path):
    results = gradescope_results(grade_path(COURSE_ROOT / "sample_class" / "cleo" / "convnets.ipynb", load_settings()))
    write_results(results, tmp_path / "cleo" / "results.json")
    report = write_class_report(tmp_path)
    for path in (tmp_path / "cleo" / "results.json", report):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


ADA = COURSE_ROOT / "sample_class" / "ada" / "convnets.ipynb"  # the reference: 130/130


def with_bias_folding_points(monkeypatch, tmp_path, points):
    """PART_POINTS["bias-folding"] = points, for the commands run in this test."""
    monkeypatch.setattr(config, "COURSE_CONFIG", course_config(tmp_path, '"bias-folding": 40.0', f'"bias-folding": {points}'))


def test_grade_takes_points_from_the_course_never_from_the_notebook(tmp_path, capsys):
    """A submitted file is the student's: its test cells' points are said, never used,
    and they cannot stop it being graded (the red team's rewritten test cell)."""
    notebook = json.loads(ADA.read_text())
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "tests-bias-folding")
    cell["metadata"]["nbgrader"]["points"] = 45
    path = tmp_path / "convnets.ipynb"
    path.write_text(json.dumps(notebook))
    assert cli.main(["grade", str(path), "--output", str(tmp_path / "results.json")]) == 0
    assert ("note: bias-folding: the notebook's test cell gives 45 points, course_config.py's PART_POINTS gives 40 "
            "points; graded with PART_POINTS (a notebook from another release, or edited)") in capsys.readouterr().out
    results = json.loads((tmp_path / "results.json").read_text())
    assert sum(t["max_score"] for t in results["tests"] if t["name"].startswith("bias-folding: ")) == pytest.approx(40)


@pytest.mark.slow
def test_grade_class_refuses_a_gradebook_with_other_points_before_grading(tmp_path, monkeypatch, capsys):
    course = new_course(tmp_path / "course")
    (course / "submitted" / "ada" / "convnets").mkdir(parents=True)
    shutil.copy(ADA, course / "submitted" / "ada" / "convnets")
    with_bias_folding_points(monkeypatch, tmp_path, 45.0)
    assert cli.main(["grade-class", str(course / "submitted"), "--output-dir", str(tmp_path / "out")]) == 2
    assert ("error: bias-folding: the gradebook's test cell gives 40 points, course_config.py's PART_POINTS gives "
            "45 points") in capsys.readouterr().err.splitlines()
    assert not (tmp_path / "out" / "ada").exists()
    with open_gradebook(course) as gradebook:
        assert gradebook.assignment_submissions("convnets") == []


def test_merge_refuses_results_graded_with_other_points(tmp_path, monkeypatch, capsys, settings):
    graded = dataclasses.replace(settings, part_points={**settings.part_points, "bias-folding": 45.0})
    write_results(gradescope_results(grade_path(ADA, graded)), tmp_path / "shard" / "ada" / "results.json")
    assert cli.main(["merge", str(tmp_path / "shard"), "--output-dir", str(tmp_path / "merged")]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"error: bias-folding: {tmp_path / 'shard' / 'ada' / 'results.json'} gives 45 points, course_config.py's "
        "PART_POINTS gives 40 points")
    assert not (tmp_path / "merged").exists()
