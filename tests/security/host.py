"""What the machine looks like from outside the grader: files, folders, ports, processes,
System V IPC objects and cgroups, as far as this test run can have changed them.

Other runs may share the machine (a second `make test`, an instructor grading), so each
check keeps to what this run started. conftest.py gives the session a tag
(confinement.RUN_TAG) and a TMPDIR of its own; every grader it starts passes the tag to its
worker template, so it is in /proc/<pid>/environ of each template and keeper.

Whose a process is:
  - a *trusted* one (the grader's user in the grader's PID namespace: no worker is, as each
    has a user or a PID namespace of its own) is this run's if the tag it started with is,
    or, started with none, if it descends from this process;
  - a *sandboxed* one (a worker's user, or named as a worker) is its nearest trusted
    ancestor's run's when that ancestor is a template or keeper; with none (an orphan)
    it is a leftover of every run, reported by each. A sandboxed process's own
    environment is never read: student code may rewrite it, but not its ancestry, its
    user or its PID namespace, so it cannot hide from the run that started it.
(Without a user or a PID namespace of the workers' own, a worker is the grader's user in
its PID namespace and only its name tells it apart, as before these checks knew of runs.)
Files and IPC objects carry no tag: in the shared folders only what a worker could have
made counts (its owner says), and the grader's own scratch files, which all go to the
session's TMPDIR, are compared there whole. In the course folder every file counts but the
graders' cache files of gradings with other settings (engine/reference_runs.py), which
other runs write, unless a worker's user owns one; the cache file this run's graders read
counts by its bytes (see course_changes).
"""
import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.config import COURSE_ROOT
from autograder.engine.reference_runs import CACHE_FOLDER
from autograder.sandbox import memory_cgroup
from autograder.sandbox.confinement import RUN_TAG, WORKER_SLOTS, WORKER_UID_BASE, can_drop_privileges
from autograder.sandbox.template import TEMPLATE_NAME, WORKER_NAME

SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")  # where anyone may write


def a_workers_user(uid):
    return WORKER_UID_BASE <= uid < WORKER_UID_BASE + WORKER_SLOTS


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    uid: int
    name: str
    namespaces_deep: int  # how many PID namespaces it is nested in (its NSpid entries)
    zombie: bool


def processes():
    """{pid: Process} of every process in sight."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = {key: value.strip() for key, _, value in
                          (line.partition(":") for line in (entry / "status").read_text().splitlines())}
                found[int(entry.name)] = Process(int(entry.name), int(fields["PPid"]), int(fields["Uid"].split()[0]),
                                                 fields["Name"], len(fields.get("NSpid", "0").split()),
                                                 fields["State"].startswith("Z"))
            except (OSError, KeyError, ValueError):
                continue  # gone meanwhile
    return found


def descendants(pid):
    """{pid: name} of the live processes descending from process `pid`."""
    table = {p: process for p, process in processes().items() if not process.zombie}
    found, parents = {}, {pid}
    while parents:
        children = {p for p, process in table.items() if process.parent in parents and p not in found}
        found.update((p, table[p].name) for p in children)
        parents = children
    return found


def still_running(started, seconds=30):
    """The names of the processes of `started` ({pid: name}) still alive after up to `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        table = processes()
        alive = [name for pid, name in started.items() if pid in table and not table[pid].zombie]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def started_tag(pid):
    """The run tag process `pid` started with (None: none, or gone)."""
    try:
        variables = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    prefix = f"{RUN_TAG}=".encode()
    return next((v[len(prefix):].decode(errors="replace") for v in variables if v.startswith(prefix)), None)


class Ownership:
    """Which processes this run started, from one look at the process table."""

    def __init__(self):
        self.table = processes()
        self.me = self.table[os.getpid()]
        self.tag, self.my_started_tag = os.environ[RUN_TAG], started_tag(self.me.pid)

    def trusted(self, process):
        return (process.uid == self.me.uid and process.namespaces_deep == self.me.namespaces_deep
                and process.name != WORKER_NAME)

    def sandboxed(self, process):
        return a_workers_user(process.uid) or process.name == WORKER_NAME

    def ours(self, pid):
        """Whether the process `pid` is this run's (see the module's docstring). One gone
        meanwhile counts as this run's: nothing says it was not."""
        process = self.table.get(pid)
        if process is None:
            return True
        if self.trusted(process):
            return self._trusted_ours(process)
        keeper = self._nearest_trusted_ancestor(process)
        if keeper is not None and keeper.name == TEMPLATE_NAME:
            return self._trusted_ours(keeper)
        return self.sandboxed(process)  # an orphaned worker is every run's; another user's program no run's

    def _trusted_ours(self, process):
        """Started with this run's tag, or with the tag this process started with (none, say)
        and from this process."""
        tag = started_tag(process.pid)
        return tag == self.tag or (tag == self.my_started_tag and self._descends_from_me(process))

    def _nearest_trusted_ancestor(self, process):
        while process is not None and process.pid > 1:
            process = self.table.get(process.parent)
            if process is not None and self.trusted(process):
                return process
        return None

    def _descends_from_me(self, process):
        while process is not None and process.pid != self.me.pid:
            process = self.table.get(process.parent)
        return process is not None


def host_state():
    """Files in the course (the venv included), entries of the shared folders and the home
    folder a worker could have made, everything in this session's TMPDIR, listening TCP
    ports, System V IPC objects and workers' cgroups, each as far as this run can have made
    or removed it: none of it may change."""
    course = {}
    for folder, subfolders, files in os.walk(COURSE_ROOT):
        subfolders[:] = [d for d in subfolders if d not in (".git", "__pycache__")]
        for name in files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            course[path] = (info.st_size, _cache_digest(path) if Path(folder) == CACHE_FOLDER else info.st_mtime_ns, info.st_uid)
    shared = {folder: shared_entries(folder) for folder in [*SHARED_FOLDERS, str(Path.home())] if os.path.isdir(folder)}
    shared["scratch"] = sorted(os.listdir(tempfile.gettempdir()))  # this session's own TMPDIR
    return {"course": course, "shared": shared, "listening": listening_ports(), "sysvipc": system_v_objects(),
            "cgroups": leftover_cgroups()}


def course_changes(before, after, own_cache_file):
    """Paths in the course that changed, appeared or went between two host_states, but for
    the graders' cache folder, where only a worker's user's file and `own_cache_file` (the
    one this run's graders read) count, the latter by its bytes: other runs' graders write
    their gradings' files there, and write this one again, byte for byte, if two of them
    found it missing at once."""
    def another_runs_cache(path):
        return (Path(path).parent == CACHE_FOLDER and Path(path) != own_cache_file
                and not (path in after and a_workers_user(after[path][2])))

    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path) and not another_runs_cache(path)}


def _cache_digest(path):
    """The digest of a graders' cache file's bytes ('' if it went meanwhile: a temporary file)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


def made_by_a_worker(uid):
    """Whether a file or IPC object owned by `uid` may be a worker's: one of a worker's users,
    or the grader's when workers have no user of their own."""
    return a_workers_user(uid) or (uid == os.geteuid() and not can_drop_privileges())


def shared_entries(folder):
    """Names in `folder`, a shared one, that a worker could have made. What the grader makes
    goes to this session's TMPDIR (compared whole, see host_state); other runs and programs of
    the grader's user also write here, and nothing tells their entries from this run's."""
    names = set()
    for entry in os.scandir(folder):
        try:
            if made_by_a_worker(entry.stat(follow_symlinks=False).st_uid):
                names.add(entry.name)
        except FileNotFoundError:
            continue
    return sorted(names)


def system_v_objects():
    """{kind: {(key, id)}} of the System V shared memory, queues and semaphores on the machine
    a worker could have made (made_by_a_worker)."""
    objects = {}
    for kind in ("shm", "msg", "sem"):
        header, *rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        creator = header.split().index("cuid")
        objects[kind] = {tuple(row.split()[:2]) for row in rows if made_by_a_worker(int(row.split()[creator]))}
    return objects


def leftover_cgroups():
    """Workers' cgroups (memory_cgroup.py) in the grader's that this run made: each must go
    with its worker. A cgroup is named after the process that made it (its keeper, or a
    grader's probe); one whose maker is gone is a leftover of every run. Other runs make
    and remove theirs meanwhile, so the cgroups are listed before the processes are looked
    at (each listed one's maker was there to see) and counted only if still there after
    (a maker that removed its cgroup and left meanwhile left nothing)."""
    found = memory_cgroup.grader_folder()
    if found is None:
        return []
    listed = [entry for entry in os.listdir(found[0]) if entry.startswith(memory_cgroup.PREFIX)]
    ownership = Ownership()
    return sorted(entry for entry in listed if ownership.ours(_maker(entry)) and (found[0] / entry).exists())


def _maker(cgroup):
    """The pid a worker's cgroup is named after (memory_cgroup.PREFIX, then "probe-" or not, then it)."""
    try:
        return int(cgroup.rsplit("-", 1)[1])
    except ValueError:
        return -1  # no process's: a leftover


def listening_ports():
    """Listening TCP ports whose socket a process of this run holds (or nobody in sight does)."""
    holders = _socket_holders()
    ownership = Ownership()
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and (  # LISTEN
                    not holders.get(fields[9]) or any(ownership.ours(pid) for pid in holders[fields[9]])):
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _socket_holders():
    """{socket inode: [pid]} of the processes in sight that hold it open."""
    holders = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    holders.setdefault(target[8:-1], []).append(int(entry.name))
        except OSError:
            continue
    return holders


def leftover_workers():
    """Live processes of this run of a worker's user, or named as a worker (template.py names them).
    (Zombies are left out: a worker orphaned by a killed grader is the init process's to reap.)"""
    ownership = Ownership()
    found = []
    for process in ownership.table.values():
        if ownership.sandboxed(process) and not process.zombie and ownership.ours(process.pid):
            try:
                command = Path(f"/proc/{process.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            found.append(f"{process.pid} (uid {process.uid}): {command[:100]}")
    return found
