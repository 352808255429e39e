"""What a worker is confined with, and which protections this machine allows.

The grader builds one `Confinement` per worker: the plan the worker applies to itself
before running student code (lockdown.py; the worker template starts it in new
namespaces when this kernel allows them, and in a memory cgroup of its own when the
grader may make one, see template.py and memory_cgroup.py), its environment and, when
the grader runs as root, an unprivileged user id of its own (a slot held by a lock file,
so concurrent workers never share one).

Whatever is unavailable is left out and said so: `protections()` lists what is active,
`python -m autograder doctor` prints it and every report records it.
"""
import ctypes
import fcntl
import functools
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import memory_cgroup
from ..config import COURSE_ROOT

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # what the package is imported from: a clone, or site-packages
PACKAGE_FOLDER = PACKAGE_ROOT / "autograder"  # the grader's code, the hidden suites with it
WORKER_UID_BASE = 64000  # workers run as uid/gid 64000 + slot: no user on a normal system
WORKER_SLOTS = 512
# Machine-wide, whatever TMPDIR says: every grader on the machine must see the same locks,
# or two graders with different TMPDIRs would give their workers the same uid.
SLOT_DIRECTORY = Path("/tmp/convnets-autograder-slots")
# In its mount namespace a worker sees the system's folders and Python's own (read-only);
# the shared writable ones are private to it; every other folder under / is empty.
SYSTEM_FOLDERS = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc", "/proc", "/dev", "/sys")
SCRATCH_FOLDERS = ("/tmp", "/dev/shm")
WORKER_LIMITS = {  # resource.RLIMIT_<name>: what one worker may use in its whole life
    "FSIZE": 16 * 2**20,  # no file (stderr included) grows past 16 MiB
    "NOFILE": 64,
    "CORE": 0,
}
# RLIMIT_NPROC counts per user, so it is set only with a user of its own. Without a memory
# cgroup a worker may have no child: its per-process memory limit is then the tree's.
WORKER_PROCESSES, WORKER_PROCESSES_WITHOUT_CGROUP = 32, 1
# RUN_TAG: a label the caller may give its graders (the test suite does), passed on so that
# /proc/<pid>/environ of each template and keeper, which never run student code, says whose
# run started it. It grants nothing: a worker that rewrites its own copy only mislabels itself.
RUN_TAG = "CONVNETS_RUN_TAG"
PASSED_ENVIRONMENT = ("PATH", "LANG", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", RUN_TAG)
CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC = 0x20000, 0x02000000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000


def namespace_flags(uid):
    """unshare(2) flags for a worker's namespaces: mount, PID, network, IPC (System V
    objects) and UTS (the host name), and for a user other than root a user namespace to
    make them in (as `unshare --map-root-user`). The cgroup namespace is the worker's own
    to make, once in its cgroup (template.py)."""
    return CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | (CLONE_NEWUSER if uid != 0 else 0)


@functools.cache
def cgroup_namespace_available():
    """Whether this kernel has cgroup namespaces (Linux 4.6 and later)."""
    return os.path.exists("/proc/self/ns/cgroup")


@dataclass(frozen=True)
class Protection:
    name: str
    active: bool
    detail: str


@functools.cache
def can_drop_privileges():
    """Root with CAP_SETUID, and Python usable by another user: in a mount namespace its
    folders are bound back where anyone can reach them; without one they must already be
    (a Python under /root is not)."""
    if os.geteuid() != 0 or not _has_capability(7):  # CAP_SETUID
        return False
    return namespaces_available() or all(map(_open_to_everyone, _python_folders()))


@functools.cache
def namespaces_available():
    """Whether this kernel lets the grader's user unshare every namespace the worker
    template will (and, when not root, a user namespace to do it in), then a cgroup
    namespace as the worker will where the kernel has them."""
    cgroup = CLONE_NEWCGROUP if cgroup_namespace_available() else 0
    flags, unshare = namespace_flags(os.getuid()), ctypes.CDLL(None).unshare
    probe = os.fork()  # a copy of this process tries, and exits (a new Python would cost 40 ms)
    if probe == 0:
        try:
            os._exit(1 if unshare(flags) or unshare(cgroup) else 0)
        finally:
            os._exit(1)
    _, status = os.waitpid(probe, 0)
    return status == 0


def worker_environment():
    """The environment of the worker template, and so of every worker (plus its HOME):
    a few harmless variables, and single-threaded numerical libraries."""
    environment = {k: os.environ[k] for k in PASSED_ENVIRONMENT if k in os.environ}
    return dict(environment, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


def protections(memory_limit_mb, cpu_seconds):
    """Every protection the grader knows of, and whether it is active on this machine."""
    users, spaces, cgroup = can_drop_privileges(), namespaces_available(), memory_cgroup.available()
    why_not_root = ("needs the grader to run as root, and a Python installation other users can read"
                    " (or the mount namespace)")
    why_no_unshare = "needs a kernel that lets this user create new namespaces (unshare(2))"
    return [
        Protection("separate process", True, "student code runs only in a worker process, forked from a clean "
                   "template (`python -I`, a minimal environment) into an empty working folder; only plain data comes back"),
        Protection("time limits", True, "per call and per submission, enforced by the grader with SIGKILL"),
        Protection("resource limits", True, f"{memory_limit_mb} MiB of memory, {cpu_seconds:g} s of CPU, "
                   f"files up to {WORKER_LIMITS['FSIZE'] >> 20} MiB, {WORKER_LIMITS['NOFILE']} open files, no core dumps"),
        Protection("no privilege escalation", True, "no_new_privs: setuid programs give no extra rights"),
        Protection("unprivileged user", users, f"each worker runs as its own uid from {WORKER_UID_BASE}, "
                   f"at most {_worker_processes(cgroup)} processes" if users else why_not_root),
        Protection("no network", spaces, "an empty network namespace" if spaces else why_no_unshare),
        Protection("private process tree", spaces, "a PID namespace: no other process is visible or can be "
                   "signalled, and every child dies with the worker" if spaces else why_no_unshare),
        Protection("hidden course files", spaces, "a mount namespace: only the system's folders and Python's "
                   "are there, read-only; every other folder (the course, /home, /root, /srv, other copies "
                   "of the course...) is empty; /tmp and /dev/shm are private and vanish with the "
                   "worker" if spaces else why_no_unshare),
        Protection("private IPC and host name", spaces, "IPC and UTS namespaces: no System V shared memory, "
                   "queue or semaphore of another worker or of the host is visible, and all of the worker's "
                   "vanish with it; a changed host name is its own" if spaces else why_no_unshare),
        Protection("memory bound over the process tree", cgroup or users, _tree_memory_detail(memory_limit_mb, cgroup, users)),
    ]


def _tree_memory_detail(memory_limit_mb, cgroup, users):
    if cgroup:
        return (f"a memory cgroup of its own: {memory_limit_mb} MiB for the worker and every process it starts, "
                "together; the report's worker_peak_mb is the tree's")
    if users:
        return (f"no cgroup here, so a worker may start no process ({WORKER_PROCESSES_WITHOUT_CGROUP} process "
                "for its user): its own memory limit is the tree's")
    return ("needs a memory cgroup the grader may create (cgroup v2 memory.max, or v1 memory.limit_in_bytes), "
            "or the grader to run as root to forbid a worker's children")


def _worker_processes(cgroup):
    return WORKER_PROCESSES if cgroup else WORKER_PROCESSES_WITHOUT_CGROUP


class Confinement:
    """One worker's confinement; `release()` when the worker is gone."""

    def __init__(self, memory_limit_mb, cpu_seconds, hidden=()):
        self.namespaces = namespaces_available()
        self.slot_lock = _hold_free_slot() if can_drop_privileges() else None
        self.uid = None if self.slot_lock is None else WORKER_UID_BASE + self.slot_lock[0]
        self._own_workdir = None if self.namespaces else tempfile.TemporaryDirectory(prefix="convnets-worker-")
        limits = dict(WORKER_LIMITS, AS=memory_limit_mb * 2**20, CPU=int(cpu_seconds))
        cgroup = memory_cgroup.plan(memory_limit_mb * 2**20)
        if self.uid is not None:
            limits["NPROC"] = _worker_processes(cgroup is not None)
        self.plan = {
            "namespaces": self.namespaces,
            "cgroup_namespace": self.namespaces and cgroup_namespace_available(),
            "memory_cgroup": cgroup,
            "hide": _folders_to_hide([*_grader_folders(), COURSE_ROOT, os.getcwd(), *hidden]),
            "scratch": sorted({_real(p) for p in SCRATCH_FOLDERS if os.path.isdir(p)}),
            "keep": _python_folders(),
            "workdir": "/tmp/worker" if self.namespaces else self._own_workdir.name,
            "limits": limits,
            "uid": self.uid,
        }

    def kill(self, process):
        """SIGKILL the worker (a template.WorkerProcess) and everything it started."""
        process.kill()
        if self.uid is not None and not self.namespaces:  # e.g. what it left running after setsid
            _kill_everything_of(self.uid)

    def release(self):
        if self._own_workdir is not None:
            self._own_workdir.cleanup()
        if self.slot_lock is not None:
            os.close(self.slot_lock[1])
        self.slot_lock = self._own_workdir = None


def resident_peak_mb(pid="self"):
    """A process's peak resident memory in MB (VmHWM), 0 if it is gone. Unlike
    ru_maxrss, it starts afresh at exec: a child does not report its parent's peak."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _hold_free_slot():
    """(slot, fd): a worker slot nobody else holds, locked until fd is closed."""
    SLOT_DIRECTORY.mkdir(mode=0o700, exist_ok=True)
    info = SLOT_DIRECTORY.lstat()
    if info.st_uid != os.geteuid() or info.st_mode & 0o077 or SLOT_DIRECTORY.is_symlink():
        raise RuntimeError(f"{SLOT_DIRECTORY} must be a folder only the grader's user can use")
    for slot in range(WORKER_SLOTS):
        fd = os.open(SLOT_DIRECTORY / f"{slot}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return slot, fd
        except BlockingIOError:
            os.close(fd)
    raise RuntimeError(f"all {WORKER_SLOTS} worker slots are busy")


def _kill_everything_of(uid):
    """Kill every process of `uid`: what a worker left running, e.g. after setsid."""
    subprocess.run([sys.executable, "-I", "-c", "import os, signal; os.kill(-1, signal.SIGKILL)"],
                   user=uid, group=uid, extra_groups=[], check=False)


def _has_capability(bit):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> bit & 1)
    return False


def _folders_to_hide(named):
    """Every folder under / but the system's and the scratch ones, and the `named` ones
    (the course, the grader's folder, the submission's) wherever they are."""
    top = [entry.path for entry in os.scandir("/") if entry.is_dir(follow_symlinks=False)]
    folders = {_real(p) for p in [*top, *named]}
    return sorted(f for f in folders if _may_hide(f) and f not in SCRATCH_FOLDERS)


def _grader_folders():
    """The package's folder, and the one it is imported from unless that is inside
    Python's own (a pip install's site-packages, whose other packages the worker needs)."""
    inside_python = any(_real(PACKAGE_ROOT).startswith(p.rstrip("/") + "/") for p in _python_folders())
    return [PACKAGE_FOLDER] if inside_python else [PACKAGE_FOLDER, PACKAGE_ROOT]


def _may_hide(path):
    """Not "/" nor a folder holding the system's own files: the worker still needs those.
    (Python's own folders are bound back into hidden ones, see lockdown.py.)"""
    return not any(n == path or n.startswith(path.rstrip("/") + "/") for n in SYSTEM_FOLDERS)


def _python_folders():
    return sorted({_real(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


def _open_to_everyone(path):
    """Every folder from / down to `path` can be entered by any user."""
    path = Path(path)
    return all(folder.stat().st_mode & 0o001 for folder in [path, *path.parents])


def _real(path):
    return os.path.realpath(path)
