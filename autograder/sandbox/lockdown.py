"""The worker's side of confinement: applied once, after the worker's own imports and
before any student code runs.

The grader decides what to apply (confinement.py) and passes it as a plan:

    {"namespaces": bool,          # the worker was started in new mount/PID/net namespaces
     "hide": [dir, ...],          # replaced by an empty read-only folder (mount namespace only)
     "scratch": [dir, ...],       # replaced by a fresh private writable folder (idem)
     "keep": [dir, ...],          # inside a hidden folder, but bound back read-only (the venv)
     "workdir": dir,              # the worker's working folder; created if missing
     "limits": {"CPU": s, "AS": bytes, ...},   # resource.RLIMIT_<name>, soft = hard
     "uid": int | None}           # the unprivileged user to become; None: stay who we are

Order matters: mounts need root, limits are lowered while we may still raise them, and
the user is dropped last, so student code cannot undo any of it. With namespaces, the
worker is PID 1 of a PID namespace of its own in a mount namespace of its own: it first
makes its mounts private and mounts a /proc that shows its namespace only.

This module imports only the standard library: it runs in the worker.
"""
import ctypes
import os
import resource
import signal

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38

_libc = ctypes.CDLL(None, use_errno=True)


def apply(plan):
    """Confine this process as `plan` says; raises OSError if any step fails."""
    if plan["namespaces"]:
        _mount(None, "/", None, MS_REC | MS_PRIVATE, None)  # nothing here reaches the host
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
        _remount(plan["hide"], plan["scratch"], plan["keep"])
    os.makedirs(plan["workdir"], mode=0o700, exist_ok=True)
    for name, value in plan["limits"].items():
        resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (value, value))
    check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    if plan["uid"] is not None:
        os.chown(plan["workdir"], plan["uid"], plan["uid"])
        os.setgroups([])
        os.setgid(plan["uid"])
        os.setuid(plan["uid"])
    die_with_parent()  # the worker's keeper (template.py); again after setuid, which clears it
    os.chdir(plan["workdir"])
    os.umask(0o077)


def _remount(hide, scratch, keep):
    """Empty read-only folders over `hide`, fresh tmpfs over `scratch`, `keep` bound back."""
    held = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in keep}
    covers = sorted([(p, False) for p in hide] + [(p, True) for p in scratch], key=lambda c: c[0].count("/"))
    for path, writable in covers:  # outermost first: an inner folder is then already gone
        if not os.path.isdir(path):
            continue
        mode = "1777" if writable else "0755"
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size=64m,mode={mode}")
        for kept, fd in held.items():
            if kept.startswith(path.rstrip("/") + "/"):
                os.makedirs(kept, exist_ok=True)
                _mount(f"/proc/self/fd/{fd}", kept, None, MS_BIND | MS_REC, None)
                _mount(None, kept, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
        if not writable:
            _mount(None, path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
    for fd in held.values():
        os.close(fd)


def die_with_parent():
    """Be SIGKILLed when the parent process ends (a change of user clears this)."""
    check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")


def _mount(source, target, fstype, flags, data):
    encode = lambda s: None if s is None else s.encode()  # noqa: E731
    result = _libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data))
    check(result, f"mount {target}")


def check(result, what):
    """Raise OSError for a failed libc call (its result not 0), naming `what` it was."""
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")
