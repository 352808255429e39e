"""The worker's confinement, seen from outside: one user per concurrent worker, nothing
one worker changes reaches the next forked from the same template (System V objects
included), a worker's tree of processes shares one memory bound, a dead template is
replaced, and a grader killed midway leaves neither a worker, its cgroup nor a
half-written report."""
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time

import nbformat
import pytest

from autograder.reference import notebook_json, solved_notebook
from autograder.sandbox import confinement, memory_cgroup, template
from autograder.sandbox.client import SandboxedSubmission
from autograder.sandbox.remote import WorkerLost
from autograder.sandbox.template import Template

from .host import leftover_cgroups, leftover_workers, system_v_objects

WHO_AM_I = [{"label": "probe", "source": "import os\ndef uid():\n    return os.getuid()\n"}]


def test_concurrent_workers_run_as_distinct_unprivileged_users(settings):
    if not confinement.can_drop_privileges():
        pytest.fail("the red team runs as root (CI does): workers must drop to users of their own")
    with SandboxedSubmission(settings) as first, SandboxedSubmission(settings) as second:
        first.load(WHO_AM_I)
        second.load(WHO_AM_I)
        uids = {first.call("uid").value, second.call("uid").value}
    assert len(uids) == 2 and all(uid >= confinement.WORKER_UID_BASE for uid in uids)


def test_every_grader_on_the_machine_shares_the_worker_slots(tmp_path):
    """Whatever its TMPDIR, a grader locks its workers' uids where every other grader does."""
    elsewhere = subprocess.run(
        [sys.executable, "-c", "from autograder.sandbox.confinement import SLOT_DIRECTORY; print(SLOT_DIRECTORY)"],
        env={**os.environ, "TMPDIR": str(tmp_path)}, capture_output=True, text=True, check=True)
    assert elsewhere.stdout.strip() == str(confinement.SLOT_DIRECTORY)


TAMPER = [{"label": "tamper", "source": "import numpy, os\nnumpy.exp = lambda x: 0.0\nos.environ['LEFT'] = 'behind'\n"}]
SEEN = [{"label": "probe", "source": "import numpy, os\ndef seen():\n    return [float(numpy.exp(0.0)), os.environ.get('LEFT')]\n"}]


def test_workers_forked_from_one_template_share_nothing_a_worker_changed(settings):
    with SandboxedSubmission(settings) as first:
        first.load(TAMPER + SEEN)
        assert first.call("seen").value == [0.0, "behind"]
    with SandboxedSubmission(settings) as second:  # from the same template
        second.load(SEEN)
        assert second.call("seen").value == [1.0, None]


SYSTEM_V = [{"label": "segments", "source": '''
import ctypes
libc = ctypes.CDLL(None)
libc.shmat.restype = ctypes.c_void_p
KEY = 0x636F6E77

def leave(text):
    segment = libc.shmget(KEY, 4096, 0o1000 | 0o666)   # IPC_CREAT, anyone may attach
    ctypes.memmove(libc.shmat(segment, None, 0), text.encode(), len(text))
    return segment != -1

def find():
    segment = libc.shmget(KEY, 0, 0)
    return None if segment == -1 else ctypes.string_at(libc.shmat(segment, None, 0), 7).decode()
'''}]


def test_a_system_v_segment_is_the_workers_own_and_goes_with_it(settings):
    before = system_v_objects()
    with SandboxedSubmission(settings) as first:
        first.load(SYSTEM_V)
        assert first.call("leave", "answers").value is True
        assert first.call("find").value == "answers"
        assert system_v_objects() == before  # not in the host's IPC namespace, even while it lives
    with SandboxedSubmission(settings) as second:
        second.load(SYSTEM_V)
        assert second.call("find").value is None
    assert system_v_objects() == before


TREE = [{"label": "tree", "source": '''
import os, time

def children_touching(mb, count, hold):
    """Fork `count` children that each touch `mb` MiB and hold it `hold` s; how each ended."""
    pids = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            try:
                held = b"\\1" * (mb * 2**20)
                time.sleep(hold)
            finally:
                os._exit(0)
        pids.append(pid)
    return [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
'''}]
SMALL_WORKER_MB = 384  # each child may touch 150 MiB under the per-process limit: 3 of them are more


def test_a_workers_tree_of_processes_shares_one_memory_bound(settings):
    small = dataclasses.replace(settings, worker_memory_mb=SMALL_WORKER_MB, call_timeout=30.0)
    with SandboxedSubmission(small) as worker:
        worker.load(TREE)
        alone = worker.call("children_touching", 150, 1, 0).value
        together = worker.call("children_touching", 150, 3, 1).value
    assert alone == [0]  # one child is within the bound
    assert -signal.SIGKILL in together  # three at once are not: the bound's OOM killer ended one
    assert 150 * 2 <= worker.peak_memory_mb <= SMALL_WORKER_MB  # measured over the tree, within the bound
    assert leftover_cgroups() == []


def test_a_worker_ended_by_its_memory_bound_is_said_to_have_run_out_of_memory(settings):
    small = dataclasses.replace(settings, worker_memory_mb=SMALL_WORKER_MB)
    hog = "import os, time\nif os.fork() == 0:\n    held = b'\\1' * (150 * 2**20)\n    time.sleep(30)\n" \
          "time.sleep(0.5)\nheld = b'\\1' * (270 * 2**20)\n"  # the worker is the largest: the OOM killer's choice
    with SandboxedSubmission(small) as worker, pytest.raises(WorkerLost, match="ran out of its memory"):
        worker.load([{"label": "hog", "source": hog}])
    assert leftover_cgroups() == []


def test_a_workers_end_reaches_the_grader_while_its_cgroup_is_slow_to_go(monkeypatch, tmp_path):
    """A keeper whose worker's cgroup stays busy (its killed processes slow to leave a loaded
    machine) still tells the grader how the worker ended (here: the OOM killer struck),
    then goes on removing the cgroup."""
    folder, removals = tmp_path / "cgroup", tmp_path / "removals"
    folder.mkdir()
    (folder / "memory.peak").write_text(str(300 * 2**20))
    (folder / "memory.events").write_text("low 0\noom_kill 1\n")

    def busy_then_gone(path, seconds=memory_cgroup.REMOVAL_SECONDS):
        with removals.open("a") as log:
            log.write(f"{seconds}\n")
        if seconds == memory_cgroup.REMOVAL_SECONDS:
            raise OSError(16, "Device or resource busy")

    monkeypatch.setattr(memory_cgroup, "create", lambda **plan: folder)
    monkeypatch.setattr(memory_cgroup, "remove", busy_then_gone)
    monkeypatch.setattr("autograder.sandbox.worker.main", lambda plan, sock: 0)  # a worker that ends at once
    request = {"plan": {"memory_cgroup": {"version": 2}, "namespaces": False, "cgroup_namespace": False,
                        "workdir": str(tmp_path)},
               "environment": {}, "cpus": sorted(os.sched_getaffinity(0))}
    grader, keepers = socket.socketpair()
    worker, _ = socket.socketpair()
    with open(tmp_path / "stderr", "wb") as stderr:
        keeper = os.fork()
        if keeper == 0:
            template._keeper(request, worker.fileno(), stderr.fileno(), keepers.fileno(), os.open(os.devnull, os.O_RDONLY))
    keepers.close()
    worker.close()
    pid, = template._read(grader, template.STATUS)
    ended = template.WorkerProcess(pid, grader)
    assert ended.wait(timeout=10) == 0
    assert ended.out_of_memory and ended.peak_mb == 300
    assert os.waitstatus_to_exitcode(os.waitpid(keeper, 0)[1]) == 0
    assert removals.read_text().split() == [str(memory_cgroup.REMOVAL_SECONDS), str(memory_cgroup.LEAVING_SECONDS)]
    ended.kill()


def test_without_a_cgroup_a_worker_of_its_own_user_may_not_fork(monkeypatch, settings):
    if not confinement.can_drop_privileges():
        pytest.fail("the red team runs as root (CI does): workers must drop to users of their own")
    monkeypatch.setattr(memory_cgroup, "available", lambda: False)
    with SandboxedSubmission(settings) as worker:
        worker.load(TREE)
        with pytest.raises(Exception, match="BlockingIOError|Resource temporarily unavailable"):
            worker.call("children_touching", 1, 1, 0)


def test_a_template_that_died_is_replaced(settings):
    with SandboxedSubmission(settings) as first:
        first.load(WHO_AM_I)
    Template._running[0].kill()
    Template._running[0].wait()
    with SandboxedSubmission(settings) as second:
        second.load(WHO_AM_I)
        assert second.call("uid").value >= 0


def test_a_template_started_early_is_the_one_workers_come_from(settings):
    Template._stop()
    Template.start()
    early = Template._running[0]
    with SandboxedSubmission(settings) as student:
        student.load(WHO_AM_I)
        assert student.call("uid").value >= 0
    assert Template._running[0] is early


def test_a_template_that_cannot_start_early_is_tried_again_when_a_worker_is_needed(monkeypatch, settings):
    Template._stop()
    monkeypatch.setattr("autograder.sandbox.template._start_template", _no_process)
    Template.start()  # says nothing: the grader's first worker tries again
    assert Template._running is None
    with SandboxedSubmission(settings) as student, pytest.raises(OSError, match="no process"):
        student.load(WHO_AM_I)
    monkeypatch.undo()
    with SandboxedSubmission(settings) as student:
        student.load(WHO_AM_I)
        assert student.call("uid").value >= 0


def _no_process():
    raise OSError("no process for the template")


def test_the_namespace_probe_agrees_with_a_fresh_python(monkeypatch):
    """A fork of the grader tries unshare(2) as a new Python (the template) would."""
    flags = confinement.namespace_flags(os.getuid())
    cgroup = confinement.CLONE_NEWCGROUP if confinement.cgroup_namespace_available() else 0
    fresh = subprocess.run([sys.executable, "-I", "-c", f"import ctypes; unshare = ctypes.CDLL(None).unshare; "
                            f"raise SystemExit(unshare({flags}) or unshare({cgroup}))"])
    monkeypatch.setattr(confinement, "namespaces_available", confinement.namespaces_available.__wrapped__)
    assert confinement.namespaces_available() == (fresh.returncode == 0)
    monkeypatch.setattr(confinement, "namespace_flags", lambda uid: 1)  # no such namespace: unshare fails
    assert confinement.namespaces_available() is False


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
    while leftover_workers() or leftover_cgroups():
        assert time.monotonic() < deadline, f"the worker outlived the grader: {leftover_workers()} {leftover_cgroups()}"
        time.sleep(0.05)
    assert report.read_text() == "the previous report\n"
