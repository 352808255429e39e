"""The host checks (host.py) see this run only: another grader's live worker, cgroup and
listening port are none of its business, nor another program's files in /tmp, while this
run's worker is found, even one whose code claims to be another run's template, and so is
a file a worker could have made. In the course folder, other runs' graders may write their
cache files; the one this run's graders read may change in no byte."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.engine.reference_runs import CACHE_FOLDER
from autograder.sandbox import memory_cgroup
from autograder.sandbox.client import SandboxedSubmission
from autograder.sandbox.confinement import RUN_TAG, WORKER_UID_BASE, can_drop_privileges
from autograder.sandbox.template import WORKER_NAME

from . import host
from .host import course_changes, leftover_cgroups, leftover_workers, listening_ports, processes, shared_entries

A_CHILD = [{"label": "child", "source": "import os, time\nif os.fork() == 0:\n    time.sleep(300)\n"}]
OTHER_GRADER = f"""
import socket, sys
from autograder.config import load_settings
from autograder.sandbox.client import SandboxedSubmission
listener = socket.create_server(("127.0.0.1", 0))
with SandboxedSubmission(load_settings()) as worker:
    worker.load({A_CHILD!r})
    print(listener.getsockname()[1], flush=True)
    sys.stdin.read()  # keeps its worker until the test closes this
"""
OTHER_TAG = "another-run"


def posing_as(tag):
    """Cells that leave a child running which started with `tag` as its run tag and is named
    as a worker template: all a student can forge."""
    code = ("import ctypes, time; ctypes.CDLL(None).prctl(15, b'convnets-tmpl', 0, 0, 0); time.sleep(300)")
    return [{"label": "forger", "source": f"import os, sys\nif os.fork() == 0:\n"
             f"    os.execve(sys.executable, [sys.executable, '-c', {code!r}], {{{RUN_TAG!r}: {tag!r}}})\n"}]


def start_other_grader(tmp_path):
    """A grader of another run (its own tag and TMPDIR) holding a worker with a child, a cgroup
    and a listening port; (the process, its port) once all are there."""
    environment = {**os.environ, RUN_TAG: OTHER_TAG, "TMPDIR": str(tmp_path)}
    grader = subprocess.Popen([sys.executable, "-c", OTHER_GRADER], env=environment, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    return grader, int(grader.stdout.readline())


def worker_cgroups():
    """Every worker's cgroup in the grader's, whoever's."""
    found = memory_cgroup.grader_folder()
    return [] if found is None else [e for e in os.listdir(found[0]) if e.startswith(memory_cgroup.PREFIX)]


def test_another_runs_grader_is_none_of_this_runs_business(tmp_path):
    grader, port = start_other_grader(tmp_path)
    try:
        assert any(p.name == WORKER_NAME for p in processes().values())  # its worker is there to see
        assert worker_cgroups() != [] or not memory_cgroup.available()
        assert leftover_workers() == []
        assert leftover_cgroups() == []
        assert port not in listening_ports()
    finally:
        grader.communicate("")
    assert grader.returncode == 0


def test_this_runs_worker_is_found_whatever_its_code_claims(settings):
    listener = socket.create_server(("127.0.0.1", 0))
    with listener, SandboxedSubmission(settings) as worker:
        worker.load(A_CHILD + posing_as(OTHER_TAG))
        found = leftover_workers()
        assert len(found) == 3, found  # the worker, its child and the forger
        assert any(line.startswith(f"{worker.process.pid} ") for line in found)
        assert leftover_cgroups() != [] or not memory_cgroup.available()
        assert listener.getsockname()[1] in listening_ports()
    assert leftover_workers() == []


def test_a_shared_folder_counts_what_a_worker_could_have_made(tmp_path):
    if not can_drop_privileges():
        pytest.fail("the red team runs as root (CI does): workers must drop to users of their own")
    (tmp_path / "another-programs").touch()
    (tmp_path / "a-workers").touch()
    os.chown(tmp_path / "a-workers", WORKER_UID_BASE, WORKER_UID_BASE)
    assert shared_entries(tmp_path) == ["a-workers"]


def test_in_the_course_only_another_gradings_cache_file_may_change():
    own, other = str(CACHE_FOLDER / "reference-runs-own.bin"), str(CACHE_FOLDER / "reference-runs-other.bin")
    config, writing = str(CACHE_FOLDER.parent / "course_config.py"), str(CACHE_FOLDER / ".reference-runs-other.bin.x1")
    grader = os.geteuid()
    before = {own: (100, "digest", grader), config: (50, 1, grader)}
    assert course_changes(before, {**before, other: (100, "b", grader)}, Path(own)) == set()
    assert course_changes(before, {**before, other: (100, "b", WORKER_UID_BASE)}, Path(own)) == {other}
    assert course_changes({**before, other: (100, "b", grader)}, {**before, other: (100, "c", grader)}, Path(own)) == set()
    assert course_changes({**before, other: (100, "b", grader)}, before, Path(own)) == set()  # another run's `make clean`
    assert course_changes({**before, writing: (0, "", grader)}, before, Path(own)) == set()  # another's write in flight
    assert course_changes(before, {**before, own: (100, "digest", grader)}, Path(own)) == set()  # written again, same bytes
    assert course_changes(before, {**before, own: (100, "other", grader)}, Path(own)) == {own}
    assert course_changes({config: (50, 1, grader)}, before, Path(own)) == {own}  # its own appearing
    assert course_changes(before, {config: (50, 1, grader)}, Path(own)) == {own}  # removed
    assert course_changes(before, {**before, config: (51, 2, grader)}, Path(own)) == {config}
    stray = str(CACHE_FOLDER.parent / "notes.txt")
    assert course_changes(before, {**before, stray: (1, 2, grader)}, Path(own)) == {stray}


def another_runs_process():
    """A process of another run (its own tag), sleeping until killed."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], env={**os.environ, RUN_TAG: OTHER_TAG})


def test_a_cgroup_another_run_makes_or_removes_while_the_check_looks_is_no_leftover(monkeypatch):
    found = memory_cgroup.grader_folder()
    if found is None:
        pytest.fail("the red team runs where workers get memory cgroups (CI does)")
    leaving = another_runs_process()
    removed = found[0] / f"{memory_cgroup.PREFIX}{leaving.pid}"
    removed.mkdir()
    made, arriving = [], []
    look_at_processes = host.Ownership.__init__

    def others_meanwhile(ownership):
        """While the check looks at the processes, one of another run removes its cgroup and
        leaves, and one of another run starts and makes its own."""
        memory_cgroup.remove(removed)
        leaving.kill()
        leaving.wait()
        look_at_processes(ownership)
        arriving.append(another_runs_process())
        made.append(found[0] / f"{memory_cgroup.PREFIX}{arriving[0].pid}")
        made[0].mkdir()

    monkeypatch.setattr(host.Ownership, "__init__", others_meanwhile)
    try:
        assert leftover_cgroups() == []
    finally:  # each cgroup before its maker, as a keeper does: a concurrent check sees no leftover
        for folder in [removed, *made]:
            memory_cgroup.remove(folder)
        for process in [leaving, *arriving]:
            process.kill()
            process.wait()
