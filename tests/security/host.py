"""What the machine looks like from outside the grader: files, folders, ports, processes."""
import os
from pathlib import Path

from autograder.config import COURSE_ROOT
from autograder.sandbox.confinement import SLOT_DIRECTORY, WORKER_SLOTS, WORKER_UID_BASE
from autograder.sandbox.template import WORKER_NAME

SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")  # where anyone may write


def host_state():
    """Files in the course (the venv included), entries of the shared folders and the home
    folder, and listening TCP ports: none of it may change."""
    course = {}
    for folder, subfolders, files in os.walk(COURSE_ROOT):
        subfolders[:] = [d for d in subfolders if d not in (".git", "__pycache__")]
        for name in files:
            info = os.lstat(os.path.join(folder, name))
            course[os.path.join(folder, name)] = (info.st_size, info.st_mtime_ns)
    shared = {folder: sorted(set(os.listdir(folder)) - {SLOT_DIRECTORY.name})
              for folder in [*SHARED_FOLDERS, str(Path.home())] if os.path.isdir(folder)}
    return {"course": course, "shared": shared, "listening": listening_ports()}


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
