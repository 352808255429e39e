"""The wire between the grader and a worker: length-prefixed frames of plain data.

A message is a JSON header plus any number of numpy arrays. On the socket it is

    u32 part count | (u64 length | bytes) per part

where part 0 is the UTF-8 JSON header and the other parts are `.npy` files. Arrays
are read back with ``allow_pickle=False``, so nothing on the wire is ever unpickled.

Values inside a header are JSON, with five tagged forms for what JSON lacks:
``{"$array": i}`` (an ndarray, part i), ``{"$scalar": i}`` (a numpy scalar, stored as
a 0-d array), ``{"$tuple": [...]}``, ``{"$dict": [[key, value], ...]}`` (a dict with
string keys: a network's layers) and ``{"$handle": n, "class": name}`` (an object that
stays in the worker, decided by the sender's `keep_object`).

This module imports only the standard library and numpy: the worker uses it too.
"""
import io
import json
import math
import re
import struct

import numpy as np

MAX_MESSAGE_BYTES = 256 * 1024 * 1024  # all parts together
MAX_PARTS = 10_000

_NPY_V1 = b"\x93NUMPY\x01\x00"
_NPY_HEADER = re.compile(r"\{'descr': '(?P<descr>[<>|][biufc][0-9]{1,2})', 'fortran_order': (?P<fortran>False|True), "
                         r"'shape': \((?P<shape>(?:[0-9]+, ?)*[0-9]*)\), \} *\n")
_COUNT = struct.Struct("<I")
_LENGTH = struct.Struct("<Q")


class WireError(Exception):
    """A frame that is malformed, too large, or cut short."""


def send_message(sock, header, arrays=()):
    """Write one message (a JSON-able header and a list of arrays) to a socket."""
    sock.sendall(pack(header, arrays))


def pack(header, arrays=()):
    """One message as the bytes send_message writes."""
    parts = _parts(header, arrays)
    chunks = [_COUNT.pack(len(parts))]
    for part in parts:
        chunks += [_LENGTH.pack(len(part)), part]
    return b"".join(chunks)


def unpack_all(data):
    """Every message in `data` (pack's bytes, one after another): [(header, arrays)].
    Raises WireError if they are not whole messages."""
    reader, messages = io.BytesIO(data), []
    while reader.tell() < len(data):
        try:
            messages.append(recv_message(reader))
        except EOFError:
            raise WireError("a message cut short") from None
    return messages


def recv_message(reader):
    """Read one message from `reader`, a socket's buffered reader (`sock.makefile("rb")`:
    one system call brings a whole small message); returns (header, arrays).
    Raises EOFError if the peer closed."""
    (count,) = _COUNT.unpack(_read_exactly(reader, _COUNT.size))
    if not 1 <= count <= MAX_PARTS:
        raise WireError(f"bad part count {count}")
    parts, room = [], MAX_MESSAGE_BYTES
    for _ in range(count):
        (length,) = _LENGTH.unpack(_read_exactly(reader, _LENGTH.size))
        if length > room:
            raise WireError(f"message over the {MAX_MESSAGE_BYTES >> 20} MiB limit")
        room -= length
        parts.append(_read_exactly(reader, length))
    return _parse(parts)


def copy_message(header, arrays):
    """What the other side would read: the message serialised and parsed back."""
    return _parse(_parts(header, arrays))


def _parts(header, arrays):
    return [json.dumps(header).encode()] + [_npy_bytes(a) for a in arrays]


def _parse(parts):
    try:
        header = json.loads(parts[0])
        arrays = [_load_npy(p) for p in parts[1:]]
    except (ValueError, RecursionError, EOFError, OSError) as error:  # what json and np.load raise for junk
        raise WireError(f"undecodable message: {type(error).__name__}") from None
    if type(header) is not dict:
        raise WireError("a message header must be a JSON object")
    return header, arrays


def encode(value, arrays, keep_object):
    """Turn a value into JSON-able data, appending arrays to `arrays`.

    `keep_object(obj) -> handle id or None` decides what becomes a handle.
    """
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is np.ndarray and not value.dtype.hasobject:
        arrays.append(value)
        return {"$array": len(arrays) - 1}
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        arrays.append(np.asarray(value))
        return {"$scalar": len(arrays) - 1}
    if type(value) is list:
        return [encode(v, arrays, keep_object) for v in value]
    if type(value) is tuple:
        return {"$tuple": [encode(v, arrays, keep_object) for v in value]}
    if type(value) is dict and all(type(key) is str for key in value):
        return {"$dict": [[key, encode(v, arrays, keep_object)] for key, v in value.items()]}
    handle = keep_object(value)
    if handle is None:
        raise TypeError(f"a {type(value).__name__} cannot be sent over the wire")
    return {"$handle": handle, "class": type(value).__name__}


def encode_data(value, arrays):
    """`encode` for plain data only: TypeError for what would need a handle."""
    return encode(value, arrays, lambda value: None)


def decode_data(data, arrays):
    """`decode` for plain data only: WireError for a handle."""
    return decode(data, arrays, _refuse_handle)


def _refuse_handle(handle, class_name):
    raise WireError("a handle where only plain data may be")


def decode(data, arrays, make_handle):
    """Inverse of `encode`; `make_handle(id, class_name)` builds the local stand-in.
    Raises WireError for anything `encode` would not have produced."""
    try:
        return _decode(data, arrays, make_handle)
    except RecursionError:
        raise WireError("value nested too deeply") from None


def _decode(data, arrays, make_handle):
    if isinstance(data, list):
        return [_decode(v, arrays, make_handle) for v in data]
    if not isinstance(data, dict):
        return data
    try:
        return _decode_tagged(data, arrays, make_handle)
    except (IndexError, KeyError, TypeError, ValueError) as error:
        raise WireError(f"bad tagged value ({type(error).__name__})") from None


def _decode_tagged(data, arrays, make_handle):
    if "$array" in data:
        return arrays[_index(data["$array"], arrays)]
    if "$scalar" in data:
        return arrays[_index(data["$scalar"], arrays)][()]
    if "$tuple" in data:
        return tuple(_decode(v, arrays, make_handle) for v in data["$tuple"])
    if "$dict" in data:
        return {_key(key): _decode(v, arrays, make_handle) for key, v in data["$dict"]}
    if "$handle" in data and type(data["$handle"]) is int:
        return make_handle(data["$handle"], str(data.get("class", "?"))[:100])
    raise WireError(f"unknown tagged value {sorted(data)}")


def _key(key):
    if type(key) is not str:
        raise WireError("a dict key must be a string")
    return key


def _index(i, arrays):
    if type(i) is not int or not 0 <= i < len(arrays):
        raise WireError(f"no array part {i!r:.20}")
    return i


def _load_npy(data):
    """An array from `.npy` bytes, never unpickled. The header np.save writes for a plain
    numeric array is read by a strict pattern (np.load parses headers with `ast`, which
    costs more than the rest of a call); any other header goes to np.load."""
    if data[:8] == _NPY_V1:
        (length,) = struct.unpack_from("<H", data, 8)
        header = _NPY_HEADER.fullmatch(data[10:10 + length].decode("latin1"))
        if header:
            dtype = np.dtype(header["descr"])
            shape = tuple(int(n) for n in header["shape"].split(",") if n.strip())
            body = data[10 + length:]
            if len(body) == dtype.itemsize * math.prod(shape):
                return np.frombuffer(bytearray(body), dtype).reshape(shape, order="F" if header["fortran"] == "True" else "C")
    return np.load(io.BytesIO(data), allow_pickle=False)


def _npy_bytes(array):
    """`.npy` bytes of an array, as np.save writes them; plain numeric arrays get their
    header written here (np.save formats it through `repr` of a dict, slower than the data)."""
    array = np.asarray(array)
    if array.dtype.kind in "biufc" and not array.dtype.fields:
        header = f"{{'descr': '{array.dtype.str}', 'fortran_order': False, 'shape': {array.shape!r}, }}"
        padding = -(10 + len(header) + 1) % 64
        header = (header + " " * padding + "\n").encode("latin1")
        return _NPY_V1 + struct.pack("<H", len(header)) + header + array.tobytes(order="C")
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _read_exactly(reader, size):
    data = reader.read(size)
    if len(data) < size:
        raise EOFError("the other side closed the connection")
    return data
