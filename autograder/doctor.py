"""python -m autograder doctor: which sandbox protections are active here, checked live.

The list of protections comes from sandbox/confinement.py; each active one is then
checked from inside a real worker, by a probe that runs there as a submission would.
Exit status 1 if an active protection does not hold (a misconfigured machine); a
protection this machine cannot offer is reported, not an error.
"""
import ctypes
import os
import tempfile
import time
from contextlib import contextmanager

from .config import COURSE_ROOT
from .sandbox.client import SandboxedSubmission
from .sandbox.confinement import PACKAGE_FOLDER, protections
from .sandbox.remote import WorkerLost

PROBE = '''
import ctypes, os, resource, time

def probe(course_files, grader_temp_file, grader_pid, grader_uid, memory_bytes, segment_key, grader_namespaces):
    """[protection, holds, what was seen] as seen from inside the worker."""
    def unreadable(path):
        try:
            open(path, "rb").close()
            return False
        except OSError:
            return True

    def grader_unreachable():
        try:
            os.kill(grader_pid, 0)
            return os.getpid() == 1  # in a PID namespace that pid is someone else, if anyone
        except OSError:
            return True

    def library_whole():
        import importlib
        try:
            for name in ("fractions", "statistics", "numpy.random"):  # not imported by the worker itself
                importlib.import_module(name)
            return True
        except ImportError:
            return False

    def segment_invisible():
        return ctypes.CDLL(None).shmget(segment_key, 0, 0) == -1

    namespaces = {kind: os.readlink(f"/proc/self/ns/{kind}") for kind in grader_namespaces}
    interfaces = [line.split(":")[0].strip() for line in open("/proc/net/dev").read().splitlines()[2:]]
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
    memory = resource.getrlimit(resource.RLIMIT_AS)[1]
    return [
        ["separate process", library_whole() and "CONVNETS_COURSE_SECRET" not in os.environ,
         "environment: " + ", ".join(sorted(os.environ)) + "; Python's library importable"],
        ["resource limits", memory == memory_bytes, f"address space limit {memory >> 20} MiB"],
        ["no privilege escalation", status["NoNewPrivs"].strip() == "1", "NoNewPrivs " + status["NoNewPrivs"].strip()],
        ["unprivileged user", os.getuid() not in (0, grader_uid), f"runs as uid {os.getuid()}"],
        ["no network", interfaces in ([], ["lo"]), "network interfaces: " + (", ".join(interfaces) or "none")],
        ["private process tree", grader_unreachable(),
         f"pid {os.getpid()}, {len([p for p in os.listdir('/proc') if p.isdigit()])} processes visible"],
        ["hidden course files", all(map(unreadable, course_files)) and not os.path.exists(grader_temp_file),
         "".join(f"{path} {'unreadable' if unreadable(path) else 'READABLE'}, " for path in course_files) + "the grader's "
         f"{grader_temp_file} {'VISIBLE' if os.path.exists(grader_temp_file) else 'not there'}"],
        ["private IPC and host name", segment_invisible() and all(namespaces[k] != grader_namespaces[k] for k in namespaces),
         f"the grader's System V segment {'invisible' if segment_invisible() else 'VISIBLE'}; namespaces "
         + ", ".join(f"{namespaces[k]} (the grader's {grader_namespaces[k]})" for k in namespaces)],
    ]

def tree_memory(limit_bytes, children=3, share=0.4):
    """Fork `children` that each touch `share` of the limit at once, more than it in all:
    [forked, ended by SIGKILL]; forking refused counts as none forked."""
    pids = []
    for _ in range(children):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                held = b"\\1" * int(limit_bytes * share)
                time.sleep(0.5)
            finally:
                os._exit(0)
        pids.append(pid)
    return [len(pids), sum(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == -9 for pid in pids)]

def hang():
    while True:
        pass
'''


def run_doctor(settings):
    """Print every protection, whether it is active and what the live probe saw; 0 if all hold."""
    seen = _probe_worker(settings)
    holding = True
    print(f"Sandbox protections (grader running as uid {os.geteuid()}):")
    for protection in protections(settings.worker_memory_mb, settings.submission_timeout):
        if not protection.active:
            print(f"  {'off':<5}{protection.name}: {protection.detail}")
            continue
        holds, observed = seen[protection.name]
        holding &= holds
        print(f"  {'on' if holds else 'FAIL':<5}{protection.name}: {protection.detail}")
        print(f"       checked in a worker: {observed}")
    if not holding:
        print("An active protection does not hold: do not grade on this machine until it is fixed.")
    return 0 if holding else 1


def _probe_worker(settings):
    memory_bytes = settings.worker_memory_mb * 2**20
    tree_cell = f"TREE_MEMORY = tree_memory({memory_bytes})\ndef tree_memory_seen():\n    return TREE_MEMORY\n"
    with SandboxedSubmission(settings) as worker:  # the tree's memory at load: it may take longer than a call
        loaded = worker.load([{"label": "doctor probe", "source": PROBE}, {"label": "tree memory", "source": tree_cell}])
        if loaded.cell_errors:
            raise RuntimeError(f"the doctor's probe failed to load: {loaded.cell_errors}")
        grader_namespaces = {kind: os.readlink(f"/proc/self/ns/{kind}") for kind in ("ipc", "uts")}
        with tempfile.NamedTemporaryFile(prefix="convnets-doctor-") as grader_temp_file, _system_v_segment() as key:
            course_files = [str(COURSE_ROOT / "course_config.py"), str(PACKAGE_FOLDER / "properties" / "registry.py")]
            rows = worker.call("probe", course_files, grader_temp_file.name,
                               os.getpid(), os.geteuid(), memory_bytes, key, grader_namespaces).value
        forked, killed = worker.call("tree_memory_seen").value
        started = time.monotonic()
        try:
            worker.call("hang")
            reason = "the call returned"
        except WorkerLost as lost:
            reason = str(lost)
        seconds = time.monotonic() - started
    rows.append(["time limits", "timed out" in reason and seconds < settings.call_timeout + 1,
                 f"a call that never returns: {reason} (after {seconds:.1f} s)"])
    rows.append(["memory bound over the process tree", forked == 0 or killed > 0,
                 f"3 children touching {0.4 * settings.worker_memory_mb:.0f} MiB each at once: "
                 + (f"{killed} of {forked} killed by the bound" if forked else "it may not fork")])
    return {name: (holds, observed) for name, holds, observed in rows}


@contextmanager
def _system_v_segment():
    """A System V shared-memory segment of the grader's that anyone could attach (mode
    0666), removed on leaving; yields its key."""
    libc = ctypes.CDLL(None, use_errno=True)
    key = 0x636F6E00 ^ os.getpid()
    segment = libc.shmget(key, 4096, 0o1000 | 0o2000 | 0o666)  # IPC_CREAT | IPC_EXCL
    if segment == -1:
        raise OSError(ctypes.get_errno(), "shmget: the doctor could not make its System V segment")
    try:
        yield key
    finally:
        libc.shmctl(segment, 0, None)  # IPC_RMID
