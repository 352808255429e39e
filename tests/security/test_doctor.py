"""`python -m autograder doctor` reports the protections, checked in a live worker; where
one is unavailable, grading still works and the report says what was active."""
import os
import subprocess
import sys

import pytest

from autograder.doctor import run_doctor
from autograder.grader import grade_path
from autograder.sandbox import confinement, memory_cgroup

pytestmark = pytest.mark.slow  # the doctor's probes and whole gradings without protections

EVERY_PROTECTION = ["separate process", "time limits", "resource limits", "no privilege escalation",
                    "unprivileged user", "no network", "private process tree", "hidden course files",
                    "private IPC and host name", "memory bound over the process tree"]
WITHOUT_ROOT_OR_NAMESPACES = EVERY_PROTECTION[:4]
TREE_MEMORY = "memory bound over the process tree"


def test_doctor_checks_every_active_protection_in_a_worker(settings):
    run = subprocess.run([sys.executable, "-m", "autograder", "doctor"], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    active = [p.name for p in confinement.protections(settings.worker_memory_mb, settings.submission_timeout) if p.active]
    for name in EVERY_PROTECTION:
        assert f"{'on' if name in active else 'off':<5}{name}:" in run.stdout
    assert run.stdout.count("checked in a worker:") == len(active)
    if os.geteuid() == 0 and confinement.namespaces_available():  # root with namespaces, as in CI: all of them
        assert active == EVERY_PROTECTION


@pytest.mark.parametrize("cgroup", [False, True], ids=["no cgroup", "a cgroup"])
def test_without_root_or_namespaces_grading_works_and_says_what_was_active(cgroup, monkeypatch, reference_notebook,
                                                                          settings, capsys):
    """Without root nor namespaces, a memory cgroup (where the grader may make one) is
    the one protection left beyond the first four, and it still holds."""
    if cgroup and not memory_cgroup.available():
        pytest.fail("the red team runs where the grader may make memory cgroups (CI does)")
    monkeypatch.setattr(confinement, "namespaces_available", lambda: False)
    monkeypatch.setattr(confinement, "can_drop_privileges", lambda: False)
    monkeypatch.setattr(memory_cgroup, "available", lambda: cgroup)
    expected = WITHOUT_ROOT_OR_NAMESPACES + [TREE_MEMORY] * cgroup
    report = grade_path(reference_notebook, settings)
    assert report.score == report.max_score
    assert report.protections == expected
    assert run_doctor(settings) == 0
    printed = capsys.readouterr().out
    for name in EVERY_PROTECTION[4:]:
        assert f"{'on' if name in expected else 'off':<5}{name}:" in printed
