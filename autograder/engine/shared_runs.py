"""Recorded runs (replay.py) as bytes, so the grader processes of a class run share them.

The bytes are wire messages (sandbox/wire.py: JSON and .npy, read back with
allow_pickle=False), one per run. A run is adopted only if every example decodes to the
digest its recorder computed, so an adopted run is the run that was recorded, and the
trees it joins stay exact; bytes that are not such runs are dropped, never trusted.
"""
from ..sandbox import wire
from . import replay


def pack_runs(runs):
    """The runs as bytes; a run whose examples the wire cannot carry stays behind."""
    packed = []
    for run in runs:
        arrays = []
        try:
            examples = [[wire.encode_data(inputs, arrays), digest, outcome] for inputs, digest, outcome in run.examples]
        except TypeError:
            continue
        if len(arrays) < wire.MAX_PARTS:
            header = {"key": list(run.key), "examples": examples, "passed": run.ending.passed, "notes": list(run.ending.notes)}
            packed.append(wire.pack(header, arrays))
    return b"".join(packed)


def adopt_runs(data):
    """Add the runs in `data` (pack_runs' bytes) to this process's trees; how many were added."""
    return sum(replay.add_run(run) for run in unpack_runs(data))


def unpack_runs(data):
    """The intact runs in `data` (pack_runs' bytes), in order; none if it is not wire messages."""
    try:
        messages = wire.unpack_all(data, wire.FROM_GRADER)
    except wire.WireError:
        return []
    return [run for run in map(_run_of, messages) if run is not None]


def _run_of(message):
    """The Run in one message, or None if it is not one, digests included."""
    header, arrays = message
    try:
        examples = tuple((wire.decode_data(inputs, arrays), digest, outcome) for inputs, digest, outcome in header["examples"])
        run = replay.Run(tuple(header["key"]), examples, replay.Ending(header["passed"] is True, tuple(map(str, header["notes"]))))
    except (LookupError, TypeError, ValueError, wire.WireError):
        return None
    intact = examples and all(type(outcome) is str and digest == replay.digest_of(inputs) for inputs, digest, outcome in examples)
    return run if intact else None

