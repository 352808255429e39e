"""The wire carries plain data only, and rejects what is malformed."""
import io
import socket
import struct

import numpy as np
import pytest

from autograder.sandbox import wire


def roundtrip(value):
    arrays, handles = [], []
    data = wire.encode(value, arrays, lambda obj: handles.append(obj) or len(handles))
    header, received = wire.copy_message({"value": data}, arrays)
    return wire.decode(header["value"], received, lambda h, name: (h, name))


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


def received(data):
    ours, theirs = socket.socketpair()
    theirs.sendall(data)
    return wire.recv_message(ours.makefile("rb"))


def test_oversized_and_truncated_frames_are_errors():
    with pytest.raises(wire.WireError):  # one part over the message limit
        received(struct.pack("<I", 1) + struct.pack("<Q", wire.MAX_MESSAGE_BYTES + 1))
    with pytest.raises(wire.WireError):  # small parts adding up to more than the limit
        received(struct.pack("<I", 3) + struct.pack("<Q", 2) + b"{}" + struct.pack("<Q", wire.MAX_MESSAGE_BYTES))
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
                                   {"$dict": [["a", {"$array": 9}]]}])
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
    np.array(["ab", "c"]), np.zeros(2, dtype=[("a", "<f8"), ("b", "<i4")]),
], ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_arrays_read_back_as_np_load_reads_them(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    ours, numpys = wire._load_npy(buffer.getvalue()), np.load(io.BytesIO(buffer.getvalue()), allow_pickle=False)
    assert ours.dtype == numpys.dtype and ours.shape == numpys.shape and np.array_equal(ours, numpys)
    assert ours.flags.writeable  # student code may modify what it is given


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
