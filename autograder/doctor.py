"""python -m autograder doctor: which sandbox protections are active here, checked live.

The list of protections comes from sandbox/confinement.py; each active one is then
checked from inside a real worker, by a probe that runs there as a submission would.
Exit status 1 if an active protection does not hold (a misconfigured machine); a
protection this machine cannot offer is reported, not an error.
"""
import os
import tempfile
import time

from .config import COURSE_ROOT
from .sandbox.client import SandboxedSubmission
from .sandbox.confinement import protections
from .sandbox.remote import WorkerLost

PROBE = '''
import os, resource

def probe(course_file, grader_temp_file, grader_pid, grader_uid, memory_bytes):
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
        ["private process tree", grader_unreachable(), f"pid {os.getpid()}, {len([p for p in os.listdir('/proc') if p.isdigit()])} processes visible"],
        ["hidden course files", unreadable(course_file) and not os.path.exists(grader_temp_file),
         f"{course_file} {'unreadable' if unreadable(course_file) else 'READABLE'}, the grader's "
         f"{grader_temp_file} {'VISIBLE' if os.path.exists(grader_temp_file) else 'not there'}"],
    ]

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
    with SandboxedSubmission(settings) as worker:
        loaded = worker.load([{"label": "doctor probe", "source": PROBE}])
        if loaded.cell_errors:
            raise RuntimeError(f"the doctor's probe failed to load: {loaded.cell_errors}")
        with tempfile.NamedTemporaryFile(prefix="convnets-doctor-") as grader_temp_file:
            rows = worker.call("probe", str(COURSE_ROOT / "course_config.py"), grader_temp_file.name,
                               os.getpid(), os.geteuid(), settings.worker_memory_mb * 2**20).value
        started = time.monotonic()
        try:
            worker.call("hang")
            reason = "the call returned"
        except WorkerLost as lost:
            reason = str(lost)
        seconds = time.monotonic() - started
    rows.append(["time limits", "timed out" in reason and seconds < settings.call_timeout + 1,
                 f"a call that never returns: {reason} (after {seconds:.1f} s)"])
    return {name: (holds, observed) for name, holds, observed in rows}
