"""What the machine looks like from outside the grader: files, folders, ports, processes,
System V IPC objects and cgroups."""
import os
from pathlib import Path

from autograder.config import COURSE_ROOT
from autograder.sandbox import memory_cgroup
from autograder.sandbox.confinement import SLOT_DIRECTORY, WORKER_SLOTS, WORKER_UID_BASE
from autograder.sandbox.template import WORKER_NAME

SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")  # where anyone may write


def host_state():
    """Files in the course (the venv included), entries of the shared folders and the home
    folder, listening TCP ports, System V IPC objects and workers' cgroups: none of it may change."""
    course = {}
    for folder, subfolders, files in os.walk(COURSE_ROOT):
        subfolders[:] = [d for d in subfolders if d not in (".git", "__pycache__")]
        for name in files:
            info = os.lstat(os.path.join(folder, name))
            course[os.path.join(folder, name)] = (info.st_size, info.st_mtime_ns)
    shared = {folder: sorted(set(os.listdir(folder)) - {SLOT_DIRECTORY.name})
              for folder in [*SHARED_FOLDERS, str(Path.home())] if os.path.isdir(folder)}
    return {"course": course, "shared": shared, "listening": listening_ports(), "sysvipc": system_v_objects(),
            "cgroups": leftover_cgroups()}


def system_v_objects():
    """{kind: {(key, id)}} of the machine's System V shared memory, queues and semaphores."""
    objects = {}
    for kind in ("shm", "msg", "sem"):
        rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        objects[kind] = {tuple(row.split()[:2]) for row in rows}
    return objects


def leftover_cgroups():
    """Workers' cgroups (memory_cgroup.py) in the grader's: each must go with its worker."""
    found = memory_cgroup.grader_folder()
    if found is None:
        return []
    return sorted(entry for entry in os.listdir(found[0]) if entry.startswith(memory_cgroup.PREFIX))


def listening_ports():
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def leftover_workers():
    """Live processes of a worker's user, or named as a worker (template.py names them).
    (Zombies are left out: a worker orphaned by a killed grader is the init process's to reap.)"""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            uid = int(status.split("\nUid:")[1].split()[0])
            if status.split("\nState:")[1].split()[0] == "Z":
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            name = (entry / "comm").read_text().strip()
        except (OSError, IndexError):
            continue
        if WORKER_UID_BASE <= uid < WORKER_UID_BASE + WORKER_SLOTS or name == WORKER_NAME:
            found.append(f"{entry.name} (uid {uid}): {command[:100]}")
    return found
