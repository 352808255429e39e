"""A memory bound on a worker's whole process tree: one cgroup of its own per worker.

An rlimit bounds each process, and a worker may fork; a cgroup's memory limit bounds
all of them together. The grader finds, once, the folder of its own cgroup in the
hierarchy that has the memory controller (cgroup v2: `memory.max`; v1:
`memory.limit_in_bytes`) and checks it may make child cgroups there. Then, per worker,
the keeper (template.py) creates a child limited to the worker's memory, the worker
joins it before anything else runs (every process it starts is then in it too), and the
keeper, which stays outside, removes it once the worker is gone, after reading how much
memory the tree used at most and whether the cgroup's OOM killer ended a process.

This module imports only the standard library: it runs in the keeper and the worker.
"""
import functools
import os
import signal
import time
from pathlib import Path

PREFIX = "convnets-worker-"  # the name of each worker's cgroup: PREFIX + its keeper's pid
FILES = {  # version: (the limit, the peak usage, the file counting OOM kills as "oom_kill N")
    2: ("memory.max", "memory.peak", "memory.events"),
    1: ("memory.limit_in_bytes", "memory.max_usage_in_bytes", "memory.oom_control"),
}
REMOVAL_SECONDS = 2.0  # how long a keeper retries removal before telling the grader the worker ended
LEAVING_SECONDS = 60.0  # how long it goes on retrying after that (killed processes leaving a loaded machine)


def plan(limit_bytes):
    """What a keeper needs to make a worker's cgroup ({"parent", "version", "limit_bytes"}), or
    None if this machine gives the grader no memory cgroup to make it in."""
    if not available():
        return None
    folder, version = grader_folder()
    return {"parent": str(folder), "version": version, "limit_bytes": limit_bytes}


@functools.cache
def available():
    """Whether the grader may create a child cgroup with a memory limit (tried once)."""
    found = grader_folder()
    if found is None:
        return False
    try:
        trial = create(str(found[0]), found[1], 2**30, name=f"{PREFIX}probe-{os.getpid()}")
    except OSError:
        return False
    remove(trial)
    return True


@functools.cache
def grader_folder():
    """(folder, version) of this process's cgroup in a hierarchy with the memory
    controller, v2 preferred; None if there is none (or it is not mounted here)."""
    for version, path in _own_cgroups():
        for mount_root, mount_point in _cgroup_mounts(version):
            if path == mount_root or path.startswith(mount_root.rstrip("/") + "/"):
                folder = Path(mount_point, path[len(mount_root):].lstrip("/"))
                if version == 1 or "memory" in _read(folder / "cgroup.controllers", "").split():
                    return folder, version
    return None


def create(parent, version, limit_bytes, name=None):
    """Make a child cgroup of `parent` limited to `limit_bytes` of memory; its path."""
    folder = Path(parent, name or f"{PREFIX}{os.getpid()}")
    if version == 2 and "memory" not in _read(Path(parent, "cgroup.subtree_control"), "").split():
        (Path(parent) / "cgroup.subtree_control").write_text("+memory")
    folder.mkdir(mode=0o755)
    try:
        (folder / FILES[version][0]).write_text(str(limit_bytes))
    except OSError:
        folder.rmdir()
        raise
    return str(folder)


def join(folder):
    """Move the calling process into the cgroup at `folder`."""
    Path(folder, "cgroup.procs").write_text("0")


def peak_mb(folder, version):
    """The most memory the cgroup's processes used together, in MB; None if this kernel
    does not record it (memory.peak came with Linux 5.19)."""
    text = _read(Path(folder, FILES[version][1]), None)
    return None if text is None else int(text) / 2**20


def oom_kills(folder, version):
    """How many processes the cgroup's OOM killer ended."""
    for line in _read(Path(folder, FILES[version][2]), "").splitlines():
        if line.startswith("oom_kill "):
            return int(line.split()[1])
    return 0


def remove(folder, seconds=REMOVAL_SECONDS):
    """Kill whatever is still in the cgroup and remove it; a cgroup is busy until its last
    process has left, so retry for `seconds`. Raises OSError if it stays busy."""
    deadline = time.monotonic() + seconds
    while True:
        _kill_members(folder)
        try:
            os.rmdir(folder)
            return
        except FileNotFoundError:
            return
        except OSError as error:
            if error.errno != 16 or time.monotonic() > deadline:  # EBUSY
                raise
        time.sleep(0.005)


def _kill_members(folder):
    """SIGKILL every process in the cgroup (none with a PID namespace: they died with it)."""
    for pid in _read(Path(folder, "cgroup.procs"), "").split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass


def _own_cgroups():
    """[(version, path)] of this process's cgroups that may hold the memory controller,
    from /proc/self/cgroup ("0::/path" for v2, "N:...memory...:/path" for v1)."""
    found = []
    for line in _read(Path("/proc/self/cgroup"), "").splitlines():
        number, controllers, path = line.split(":", 2)
        if number == "0" and controllers == "":
            found.insert(0, (2, path))
        elif "memory" in controllers.split(","):
            found.append((1, path))
    return found


def _cgroup_mounts(version):
    """[(root, mount point)] of the mounts of a cgroup v2 hierarchy, or of v1's memory one."""
    mounts = []
    for line in _read(Path("/proc/self/mountinfo"), "").splitlines():
        fields, _, filesystem = line.partition(" - ")
        fields, filesystem = fields.split(), filesystem.split()
        if len(fields) < 5 or len(filesystem) < 3:
            continue
        if (version == 2 and filesystem[0] == "cgroup2") or (
                version == 1 and filesystem[0] == "cgroup" and "memory" in filesystem[2].split(",")):
            mounts.append((fields[3], fields[4]))
    return mounts


def _read(path, missing):
    try:
        return path.read_text()
    except OSError:
        return missing
