"""`python -m autograder doctor` reports the protections, checked in a live worker; where
one is unavailable, grading still works and the report says what was active."""
import os
import subprocess
import sys

from autograder.doctor import run_doctor
from autograder.grader import grade_path
from autograder.sandbox import confinement

EVERY_PROTECTION = ["separate process", "time limits", "resource limits", "no privilege escalation",
                    "unprivileged user", "no network", "private process tree", "hidden course files"]
WITHOUT_ROOT_OR_NAMESPACES = EVERY_PROTECTION[:4]


def test_doctor_checks_every_active_protection_in_a_worker(settings):
    run = subprocess.run([sys.executable, "-m", "autograder", "doctor"], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    active = [p.name for p in confinement.protections(settings.worker_memory_mb, settings.submission_timeout) if p.active]
    for name in EVERY_PROTECTION:
        assert f"{'on' if name in active else 'off':<5}{name}:" in run.stdout
    assert run.stdout.count("checked in a worker:") == len(active)
    if os.geteuid() == 0 and confinement.namespaces_available():  # root with namespaces, as in CI: all of them
        assert active == EVERY_PROTECTION


def test_without_root_or_namespaces_grading_works_and_says_what_was_active(monkeypatch, reference_notebook, settings, capsys):
    monkeypatch.setattr(confinement, "namespaces_available", lambda: False)
    monkeypatch.setattr(confinement, "can_drop_privileges", lambda: False)
    report = grade_path(reference_notebook, settings)
    assert report.score == report.max_score
    assert report.protections == WITHOUT_ROOT_OR_NAMESPACES
    assert run_doctor(settings) == 0
    printed = capsys.readouterr().out
    for name in EVERY_PROTECTION[4:]:
        assert f"off  {name}:" in printed
