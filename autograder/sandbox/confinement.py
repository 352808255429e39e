"""What a worker is confined with, and which protections this machine allows.

The grader builds one `Confinement` per worker: the command that starts it (inside new
namespaces when `unshare` works here), the plan the worker applies to itself before
running student code (lockdown.py), and, when the grader runs as root, an unprivileged
user id of its own (a slot held by a lock file, so concurrent workers never share one).

Whatever is unavailable is left out and said so: `protections()` lists what is active,
`python -m autograder doctor` prints it and every report records it.
"""
import fcntl
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
WORKER_UID_BASE = 64000  # workers run as uid/gid 64000 + slot: no user on a normal system
WORKER_SLOTS = 512
SLOT_DIRECTORY = Path(tempfile.gettempdir()) / "convnets-autograder-slots"
# In its mount namespace a worker sees the system's folders and Python's own (read-only);
# the shared writable ones are private to it; every other folder under / is empty.
SYSTEM_FOLDERS = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc", "/proc", "/dev", "/sys")
SCRATCH_FOLDERS = ("/tmp", "/dev/shm")
WORKER_LIMITS = {  # resource.RLIMIT_<name>: what one worker may use in its whole life
    "FSIZE": 16 * 2**20,  # no file (stderr included) grows past 16 MiB
    "NOFILE": 64,
    "CORE": 0,
}
WORKER_PROCESSES = 32  # RLIMIT_NPROC counts per user, so it is set only with a user of its own
NAMESPACE_FLAGS = ("--mount", "--pid", "--net", "--fork", "--kill-child", "--mount-proc", "--propagation", "private")


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
    return namespace_command() is not None or all(map(_open_to_everyone, _python_folders()))


@functools.cache
def namespace_command():
    """The `unshare` prefix that starts a process in new namespaces, or None if refused here.
    Under `setpriv --pdeathsig`, unshare dies with the grader and takes the worker along."""
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if unshare is None or setpriv is None:
        return None
    prefix = [setpriv, "--pdeathsig=KILL", "--", unshare, *NAMESPACE_FLAGS]
    if os.geteuid() != 0:
        prefix.insert(4, "--map-root-user")  # a user namespace makes the rest possible unprivileged
    probe = subprocess.run([*prefix, "true"], stdin=subprocess.DEVNULL, capture_output=True)
    return prefix if probe.returncode == 0 else None


def protections(memory_limit_mb, cpu_seconds):
    """Every protection the grader knows of, and whether it is active on this machine."""
    users, spaces = can_drop_privileges(), namespace_command() is not None
    why_not_root = ("needs the grader to run as root, and a Python installation other users can read"
                    " (or the mount namespace)")
    why_no_unshare = "needs `unshare` and `setpriv` (util-linux) and a kernel that allows new namespaces here"
    return [
        Protection("separate process", True, "student code runs only in a worker started with `python -I`, "
                   "a minimal environment and an empty working folder; only plain data comes back"),
        Protection("time limits", True, "per call and per submission, enforced by the grader with SIGKILL"),
        Protection("resource limits", True, f"{memory_limit_mb} MiB of memory, {cpu_seconds:g} s of CPU, "
                   f"files up to {WORKER_LIMITS['FSIZE'] >> 20} MiB, {WORKER_LIMITS['NOFILE']} open files, no core dumps"),
        Protection("no privilege escalation", True, "no_new_privs: setuid programs give no extra rights"),
        Protection("unprivileged user", users, f"each worker runs as its own uid from {WORKER_UID_BASE}, "
                   f"at most {WORKER_PROCESSES} processes" if users else why_not_root),
        Protection("no network", spaces, "an empty network namespace" if spaces else why_no_unshare),
        Protection("private process tree", spaces, "a PID namespace: no other process is visible or can be "
                   "signalled, and every child dies with the worker" if spaces else why_no_unshare),
        Protection("hidden course files", spaces, "a mount namespace: only the system's folders and Python's "
                   "are there, read-only; every other folder (the course, /home, /root, /srv, other copies "
                   "of the course...) is empty; /tmp and /dev/shm are private and vanish with the "
                   "worker" if spaces else why_no_unshare),
    ]


class Confinement:
    """One worker's confinement; `release()` when the worker is gone."""

    def __init__(self, memory_limit_mb, cpu_seconds, hidden=()):
        self.prefix = namespace_command() or []
        self.slot_lock = _hold_free_slot() if can_drop_privileges() else None
        self.uid = None if self.slot_lock is None else WORKER_UID_BASE + self.slot_lock[0]
        self._own_workdir = None if self.prefix else tempfile.TemporaryDirectory(prefix="convnets-worker-")
        limits = dict(WORKER_LIMITS, AS=memory_limit_mb * 2**20, CPU=int(cpu_seconds))
        if self.uid is not None:
            limits["NPROC"] = WORKER_PROCESSES
        self.plan = {
            "namespaces": bool(self.prefix),
            "hide": _folders_to_hide([PACKAGE_ROOT, os.getcwd(), *hidden]),
            "scratch": sorted({_real(p) for p in SCRATCH_FOLDERS if os.path.isdir(p)}),
            "keep": _python_folders(),
            "workdir": "/tmp/worker" if self.prefix else self._own_workdir.name,
            "limits": limits,
            "uid": self.uid,
        }

    @property
    def workdir(self):
        return self.plan["workdir"]

    def command(self, python_arguments):
        return [*self.prefix, sys.executable, *python_arguments]

    def peak_memory_mb(self, process):
        """The worker's peak resident memory so far, 0 if it is already gone."""
        pids = _children(process.pid) if self.prefix else [process.pid]
        return max(map(resident_peak_mb, pids), default=0.0)

    def kill(self, process):
        """SIGKILL the worker and everything it started; reaps the process we started."""
        if self.prefix:  # the worker is unshare's child; its death ends the whole namespace
            for pid in _children(process.pid):
                _kill(pid)
        else:
            _kill(-process.pid)  # its process group
        if process.poll() is None:
            process.kill()
        process.wait()
        if self.uid is not None and not self.prefix:
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


def _children(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


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
