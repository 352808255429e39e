"""The wire carries plain data only, and rejects what is malformed."""
import io
import socket
import struct
import threading
import time
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st
from hypothesis.extra import numpy as hnp

from autograder.sandbox import wire
from autograder.sandbox.client import SandboxedSubmission
from autograder.sandbox.deadline import DeadlineReader
from autograder.sandbox.inprocess import InProcessSubmission
from autograder.sandbox.remote import StudentError, Submission, WorkerLost


def roundtrip(value):
    arrays, handles = [], []
    data = wire.encode(value, arrays, lambda obj: handles.append(obj) or len(handles))
    header, received = wire.copy_message({"value": data}, arrays)
    return wire.decode(header["value"], received, lambda h, names: (h, names[0]))


def test_arrays_scalars_tuples_and_lists_survive():
    value = [np.arange(6, dtype=np.float32).reshape(2, 3), np.float64(2.5), (1, "a", None), 3.0]
    back = roundtrip(value)
    assert back[0].dtype == np.float32 and np.array_equal(back[0], value[0])
    assert type(back[1]) is np.float64 and back[1] == 2.5
    assert back[2] == (1, "a", None) and back[3] == 3.0


def test_dicts_with_string_keys_survive_and_others_stay_behind_handles():
    layer = {"kind": "conv", "kernels": np.ones((2, 1, 3, 3)), "stride": 2, "nested": [{"a": (1.5,)}]}
    back = roundtrip([layer, {1: "not a string key"}])
    assert back[0].keys() == layer.keys() and back[0]["kind"] == "conv" and back[0]["stride"] == 2
    assert np.array_equal(back[0]["kernels"], layer["kernels"]) and back[0]["nested"] == [{"a": (1.5,)}]
    assert back[1] == (1, "dict")


def test_objects_object_arrays_and_array_subclasses_stay_behind_handles():
    class Thing:
        pass

    value = [Thing(), np.array([{}], dtype=object), np.arange(3.0).view(np.matrix)]
    assert roundtrip(value) == [(1, "Thing"), (2, "ndarray"), (3, "matrix")]


def test_a_handle_carries_the_names_of_its_class_and_the_classes_it_inherits_from():
    class Chain:
        pass

    class SigmoidGraph(Chain):
        pass

    arrays = []
    data = wire.encode(SigmoidGraph(), arrays, lambda obj: 1)
    assert wire.decode(data, arrays, lambda h, names: names) == ("SigmoidGraph", "Chain", "object")


def test_a_value_without_a_handle_cannot_be_sent():
    with pytest.raises(TypeError):
        wire.encode(object(), [], lambda obj: None)


def test_a_pickled_array_part_is_refused():
    buffer = io.BytesIO()
    np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
    parts = [b'{"value": {"$array": 0}}', buffer.getvalue()]
    ours, theirs = socket.socketpair()
    frame = struct.pack("<I", 2) + b"".join(struct.pack("<Q", len(p)) + p for p in parts)
    theirs.sendall(frame)
    with pytest.raises(wire.WireError):
        wire.recv_message(ours.makefile("rb"))


def frame(*parts):
    return struct.pack("<I", len(parts)) + b"".join(struct.pack("<Q", len(p)) + p for p in parts)


def received(data, limits=wire.FROM_WORKER):
    ours, theirs = socket.socketpair()
    theirs.sendall(data)
    return wire.recv_message(ours.makefile("rb"), limits)


def test_oversized_and_truncated_frames_are_errors():
    limit = wire.FROM_GRADER.message_bytes
    with pytest.raises(wire.WireError):  # one part over the message limit
        received(struct.pack("<I", 1) + struct.pack("<Q", limit + 1), wire.FROM_GRADER)
    with pytest.raises(wire.WireError):  # small parts adding up to more than the limit
        received(struct.pack("<I", 3) + struct.pack("<Q", 2) + b"{}" + struct.pack("<Q", limit), wire.FROM_GRADER)
    ours, theirs = socket.socketpair()
    theirs.sendall(struct.pack("<I", 1) + struct.pack("<Q", 10) + b"abc")
    theirs.close()
    with pytest.raises(EOFError):
        wire.recv_message(ours.makefile("rb"))


@pytest.mark.parametrize("header", [b"[1, 2]", b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe", b'"text"'])
def test_a_header_that_is_not_a_json_object_is_refused(header):
    with pytest.raises(wire.WireError):
        received(frame(header))


@pytest.mark.parametrize("value", [{"$array": 5}, {"$array": "0"}, {"$scalar": -1}, {"$handle": "x"}, {"$what": 1},
                                   [[[[[[{"$tuple": 3}]]]]]], {"$dict": 3}, {"$dict": [[1, 2]]}, {"$dict": [["a"]]},
                                   {"$dict": [["a", {"$array": 9}]]}, {"$handle": 1}, {"$handle": 1, "class": "Chain"},
                                   {"$handle": 1, "class": []}, {"$handle": 1, "class": [1]},
                                   {"$handle": 1, "class": ["Chain"] * (wire.MAX_CLASS_NAMES + 1)}])
def test_tagged_values_that_encode_never_makes_are_refused(value):
    with pytest.raises(wire.WireError):
        wire.decode(value, [np.zeros(1)], lambda handle, name: (handle, name))


def test_values_nested_too_deeply_are_refused():
    deep = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(wire.WireError):
        wire.decode(deep, [], lambda handle, name: None)


@pytest.mark.parametrize("array", [
    np.linspace(-3, 3, 7), np.ones((2, 3), np.float32), np.arange(6).reshape(2, 3).T, np.array(3.0),
    np.zeros((0, 4)), np.array([True, False]), np.arange(5, dtype=">i4"), np.ones((3, 1, 2), np.complex128),
    np.asfortranarray(np.ones((2, 3), np.int8)),
], ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_arrays_read_back_as_np_load_reads_them(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    ours, numpys = wire.load_npy(buffer.getvalue()), np.load(io.BytesIO(buffer.getvalue()), allow_pickle=False)
    assert ours.dtype == numpys.dtype and ours.shape == numpys.shape and np.array_equal(ours, numpys)
    assert ours.flags.writeable  # student code may modify what it is given


@pytest.mark.parametrize("array", [
    np.array(["ab", "c"]), np.zeros(2, dtype=[("a", "<f8"), ("b", "<i4")]), np.zeros(3, "<U0"), np.zeros(2, "V0"),
    np.zeros(2, "M8[s]"), np.zeros(2, np.longdouble), np.zeros(2, "S3"),
], ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_arrays_of_anything_but_plain_numbers_are_refused_and_not_sent(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    with pytest.raises(wire.WireError):
        wire.load_npy(buffer.getvalue())
    assert roundtrip([array]) == [(1, "ndarray")]


def test_a_remembered_array_header_is_checked_and_copied_as_a_new_one_is():
    part = wire._npy_bytes(np.arange(6.0))
    first, second = wire.load_npy(part), wire.load_npy(part)
    first[0] = 99.0
    assert second[0] == 0.0  # each reading its own copy
    with pytest.raises(wire.WireError, match="not the size its header says"):
        wire.load_npy(part[:-8])  # the same header, now remembered: the data is still measured
    refused = part.replace(b"'<f8'", b"'<U8'")
    for _ in range(2):  # a refused header is not remembered as a good one
        with pytest.raises(wire.WireError, match="dtype <U8"):
            wire.load_npy(refused)


def test_a_header_promising_more_data_than_there_is_is_refused():
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(3))
    data = buffer.getvalue().replace(b"(3,)", b"(9,)")
    with pytest.raises(wire.WireError):
        received(frame(b'{"value": {"$array": 0}}', data))


@pytest.mark.parametrize("array", [np.linspace(-3, 3, 7), np.ones((2, 3), np.float32), np.array(3.0), np.zeros((0, 4)),
                                   np.array([True, False]), np.arange(5, dtype=">i4"), np.arange(6).reshape(2, 3).T],
                         ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_arrays_are_written_as_np_save_writes_them(array):
    buffer = io.BytesIO()
    np.save(buffer, np.array(array, order="C"), allow_pickle=False)
    assert wire._npy_bytes(array) == buffer.getvalue()


# --- totality: every input is a message or a WireError -----------------------------------

def parsed_or_refused(data, limits=wire.FROM_WORKER):
    """unpack_all(data), whose only error may be WireError; the messages it returns hold
    arrays within the wire's limits, and decode to values or a WireError too."""
    try:
        messages = wire.unpack_all(data, limits)
    except wire.WireError:
        return None
    for header, arrays in messages:
        assert type(header) is dict
        assert all(a.size <= wire.MAX_ARRAY_ELEMENTS and a.nbytes <= wire.MAX_ARRAY_BYTES for a in arrays)
        assert all(a.dtype.str in wire.PLAIN_DTYPES for a in arrays)
        try:
            wire.decode(header, arrays, lambda handle, name: (handle, name))
        except wire.WireError:
            pass
    return messages


def npy_part(descr, shape, body=b"", fortran=False):
    header = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {tuple(shape)!r}, }}".encode()
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header) + 1) + header + b"\n" + body


REPLY = b'{"ok": true, "value": {"$array": 0}, "warnings": [], "id": 1}'
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["$array", "$scalar", "$tuple", "$dict", "$handle", "class", "ok", "id"]) | st.text(max_size=3),
                        inner, max_size=3), max_leaves=20)
PLAIN_ARRAYS = hnp.arrays(st.sampled_from(sorted(wire.PLAIN_DTYPES)), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
DESCRS = st.sampled_from(["<f8", "<f3", "<U0", "|V0", "<U2", "|b1", "<c16", "<M8", "|O", ">i4", "<f16", "|S0"])
SHAPES = st.lists(st.integers(0, 2**40) | st.integers(0, 4), max_size=4)


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_a_message_or_a_wire_error(data):
    parsed_or_refused(data)


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.sampled_from([REPLY, b"{}"]) | st.binary(max_size=40),
       st.lists(st.binary(max_size=40) | st.builds(npy_part, DESCRS, SHAPES, st.binary(max_size=40)), max_size=3),
       st.integers(0, 3))
def test_any_parts_are_a_message_or_a_wire_error(header, array_parts, extra_count):
    parts = [header, *array_parts]
    parsed_or_refused(frame(*parts))
    parsed_or_refused(struct.pack("<I", len(parts) + extra_count) + frame(*parts)[4:])


@hypothesis_settings(max_examples=300, deadline=None)
@given(JSON, st.lists(PLAIN_ARRAYS, max_size=3),
       st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert", "delete"]), st.integers(0, 10**6), st.integers(0, 255)),
                min_size=1, max_size=3))
@pytest.mark.slow
def test_mutated_frames_are_a_message_or_a_wire_error(value, arrays, mutations):
    data = bytearray(wire.pack({"value": value}, arrays))
    for how, position, byte in mutations:
        position %= len(data) + 1
        if how == "flip" and position < len(data):
            data[position] ^= byte or 1
        elif how == "cut":
            del data[position:]
        elif how == "insert":
            data[position:position] = bytes([byte])
        elif how == "delete":
            del data[position:position + 1]
    parsed_or_refused(bytes(data))


@hypothesis_settings(max_examples=300, deadline=None)
@given(DESCRS, SHAPES, st.booleans(), st.binary(max_size=64))
def test_any_array_header_is_an_array_within_limits_or_a_wire_error(descr, shape, fortran, body):
    parsed_or_refused(frame(b'{"value": {"$array": 0}}', npy_part(descr, shape, body, fortran)))


@pytest.mark.slow
@hypothesis_settings(max_examples=300, deadline=None)
@given(JSON, st.lists(PLAIN_ARRAYS, max_size=2))
def test_any_json_header_is_a_message_or_a_wire_error(value, arrays):
    messages = parsed_or_refused(wire.pack({"value": value, "id": 1}, arrays))
    assert messages is not None  # pack writes whole messages: only their values may be refused


@hypothesis_settings(max_examples=100, deadline=None)
@given(PLAIN_ARRAYS)
def test_plain_arrays_survive_exactly(array):
    (header, arrays), = wire.unpack_all(wire.pack({}, [array]))
    assert arrays[0].dtype == array.dtype and arrays[0].shape == array.shape
    assert arrays[0].tobytes() == array.tobytes()


# --- the hostile frames the red team sent, and the memory they cost -----------------------

def refused_cheaply(data, limits=wire.FROM_WORKER):
    """WireError for `data` sent over a socket, with under 8 MB allocated on the way (a
    reader that waited for more bytes than came would time out instead)."""
    ours, theirs = socket.socketpair()
    ours.settimeout(2)
    send_in_background(theirs, data)  # more than a socket buffer holds
    tracemalloc.start()
    try:
        with pytest.raises(wire.WireError):
            wire.recv_message(ours.makefile("rb"), limits)
        assert tracemalloc.get_traced_memory()[1] < 8 * 2**20
    finally:
        tracemalloc.stop()
        ours.close()
        theirs.close()


def send_in_background(sock, data):
    """sendall in a thread, so a reader can take more than the socket's buffer holds;
    the reader may hang up early."""
    def send():
        try:
            sock.sendall(data)
        except OSError:
            pass
    threading.Thread(target=send, daemon=True).start()


@pytest.mark.parametrize("part", [
    npy_part("<f3", (1,), b"abc"),  # a dtype numpy has not: TypeError in np.dtype
    b"\x93NUMPY", b"\x93NUMPY\x01\x00\x10", b"\x93NUMPY\x02\x00" + b"\x00" * 8,  # cut short, or another version
    npy_part("<f8", (2**37,)),  # 1 TiB of float64 with no body: np.load would allocate it
    npy_part("<U0", (2**32,)),  # zero-itemsize: no bytes at all, 4 billion entries
    npy_part("|V0", (2**40,)), npy_part("<f8", (0, 2**40, 2**40)), npy_part("|b1", (wire.MAX_ARRAY_ELEMENTS + 1,)),
    npy_part("<f8", (2,), b"\x00" * 8), npy_part("<f8", (1,), b"\x00" * 16),  # data not the size the header says
], ids=["f3", "magic-only", "cut-header", "version-2", "1-TiB", "U0", "V0", "huge-with-zero", "over-entries",
        "short-body", "long-body"])
def test_hostile_array_parts_are_refused_cheaply(part):
    refused_cheaply(frame(REPLY, part))


def test_a_huge_json_header_is_refused_before_it_is_read():
    refused_cheaply(struct.pack("<I", 1) + struct.pack("<Q", 255 * 2**20) + b"[")


def test_a_json_header_that_would_explode_when_parsed_is_refused_unparsed():
    bomb = b'{"ok": true, "value": [' + b"[]," * 2**20 + b'[]], "warnings": [], "id": 1}'  # 3 MiB: 1M lists, 80 MB
    refused_cheaply(frame(bomb))


def test_requests_from_the_grader_may_carry_big_notebooks():
    cells = [{"label": f"cell {i}", "source": "x = 1\n" * 100_000} for i in range(5)]  # 3 MB of source
    (header, _), = wire.unpack_all(wire.pack({"op": "load", "cells": cells}), wire.FROM_GRADER)
    assert header["cells"] == cells
    with pytest.raises(wire.WireError):
        wire.unpack_all(wire.pack({"op": "load", "cells": cells}), wire.FROM_WORKER)


def test_arrays_over_the_limits_stay_behind_handles():
    value = [np.zeros(wire.MAX_ARRAY_ELEMENTS + 1, bool), np.zeros(wire.MAX_ARRAY_BYTES // 8 + 1),
             np.zeros(wire.MAX_ARRAY_ELEMENTS, np.float32)]
    back = roundtrip(value)
    assert back[:2] == [(1, "ndarray"), (2, "ndarray")] and back[2].shape == (wire.MAX_ARRAY_ELEMENTS,)


# --- the deadline: a reply must come whole in time ----------------------------------------

def trickle(sock, data, pause):
    for byte in data:
        try:
            sock.send(bytes([byte]))
        except OSError:
            return
        time.sleep(pause)


def test_a_trickled_reply_times_out_at_the_deadline_not_byte_by_byte():
    ours, theirs = socket.socketpair()
    clock = DeadlineReader(ours)
    reader = io.BufferedReader(clock)
    threading.Thread(target=trickle, args=(theirs, wire.pack({"id": 1}), 0.05), daemon=True).start()
    started = time.monotonic()
    clock.deadline = started + 0.5
    with pytest.raises(TimeoutError):
        wire.recv_message(reader)
    assert time.monotonic() - started < 0.8
    theirs.close()


def test_a_reply_in_time_is_read_whole():
    ours, theirs = socket.socketpair()
    clock = DeadlineReader(ours)
    clock.deadline = time.monotonic() + 5
    send_in_background(theirs, wire.pack({"id": 1}, [np.arange(100_000.0)]))
    header, arrays = wire.recv_message(io.BufferedReader(clock))
    assert header == {"id": 1} and np.array_equal(arrays[0], np.arange(100_000.0))


TRICKLING_WORKER = """
import sys, time
_wire = sys.modules["autograder.sandbox.wire"]

def slowly(sock, header, arrays=()):
    for byte in _wire.pack(header, arrays):
        sock.send(bytes([byte]))
        time.sleep(0.05)

def f():
    _wire.send_message = slowly
"""


def test_a_worker_trickling_its_reply_loses_the_call_in_its_time_limit(settings):
    with SandboxedSubmission(settings) as student:
        student.load([{"label": "cell", "source": TRICKLING_WORKER}])
        started = time.monotonic()
        with pytest.raises(WorkerLost, match="timed out"):
            student.call("f")
        assert time.monotonic() - started < settings.call_timeout + 1


def test_a_trickled_reply_ends_with_the_submissions_time(settings):
    with SandboxedSubmission(settings) as student:
        student.load([{"label": "cell", "source": TRICKLING_WORKER}])
        student.deadline = time.monotonic() + 0.5
        started = time.monotonic()
        with pytest.raises(WorkerLost, match="timed out"):
            student.call("f")
        assert time.monotonic() - started < 1.2


class ErrorReplying(Submission):
    """A worker that answers every call with an error record whose "classes" is `classes`
    (left out if MISSING)."""
    MISSING = object()

    def __init__(self, classes):
        self.classes = classes

    def _exchange(self, header, arrays):
        record = {"type": "PaddingError", "message": "padding", "traceback": ""}
        if self.classes is not self.MISSING:
            record["classes"] = self.classes
        return {"ok": False, "error": record}, []


@pytest.mark.parametrize("classes", [ErrorReplying.MISSING, None, "ValueError", [], [1], ("ValueError",), ["Exception"] * 33])
def test_error_classes_that_are_not_a_list_of_names_are_a_malformed_reply(classes):
    with pytest.raises(WorkerLost, match="malformed reply"):
        ErrorReplying(classes).call("f")


def test_an_error_of_a_subclass_is_one_of_its_base_class():
    submission = InProcessSubmission({})
    submission.load([{"label": "cell", "source": "class PaddingError(ValueError):\n    pass\n\n\n"
                                                  "def f():\n    raise PaddingError('padding')\n"}])
    with pytest.raises(StudentError) as raised:
        submission.call("f")
    assert raised.value.record["type"] == "PaddingError"
    assert raised.value.is_a("ValueError") and raised.value.is_a("PaddingError") and not raised.value.is_a("TypeError")
