"""The wire between the grader and a worker: length-prefixed frames of plain data.

A message is a JSON header plus any number of numpy arrays. On the socket it is

    u32 part count | (u64 length | bytes) per part

where part 0 is the UTF-8 JSON header and the other parts are `.npy` files. Arrays
are read by a strict pattern of their header, never by np.load: nothing is unpickled.

Values inside a header are JSON, with five tagged forms for what JSON lacks:
``{"$array": i}`` (an ndarray, part i), ``{"$scalar": i}`` (a numpy scalar, stored as
a 0-d array), ``{"$tuple": [...]}``, ``{"$dict": [[key, value], ...]}`` (a dict with
string keys: a network's layers) and ``{"$handle": n, "class": [name, ...]}`` (an object
that stays in the worker, decided by the sender's `keep_object`; the names of its class
and of the classes it inherits from, in method resolution order, at most MAX_CLASS_NAMES).

Only arrays of plain numbers and booleans (`PLAIN_DTYPES`) of at most MAX_ARRAY_ELEMENTS
entries and MAX_ARRAY_BYTES travel as arrays; `encode` keeps any other array behind a handle.

Reading is total: whatever the bytes, a reader returns a message or raises WireError
(EOFError if the stream ends), and every size is checked against its `Limits` before
anything of that size is allocated. A worker's reply is read with FROM_WORKER's small
caps; what the grader's own processes write (requests, shared runs) with FROM_GRADER's.

This module imports only the standard library and numpy: the worker uses it too.
"""
import functools
import io
import json
import math
import re
import struct
from dataclasses import dataclass

import numpy as np

MAX_PARTS = 10_000
MAX_CLASS_NAMES = 16  # of a handle's class and the classes it inherits from
MAX_ARRAY_ELEMENTS = 2**20  # one array's entries, as many as the grader may compute with
MAX_ARRAY_BYTES = 8 * 2**20  # one array's data
PLAIN_DTYPES = frozenset(np.dtype(code).newbyteorder(order).str for order in "<>"
                         for code in ("?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"))


@dataclass(frozen=True)
class Limits:
    """The most a reader takes in one message: all its parts together, and its JSON header."""
    message_bytes: int
    header_bytes: int


FROM_WORKER = Limits(message_bytes=16 * 2**20, header_bytes=2**20)
"""A worker's reply. Its arrays are parts, so its JSON is small (a load reply: the names
defined and each cell's error, at most 6,000 characters apiece); and a byte of JSON can
cost the parser some 30 (`[],` is a list), so this cap keeps the grader's memory small."""
FROM_GRADER = Limits(message_bytes=256 * 2**20, header_bytes=256 * 2**20)
"""What the grader's processes write: requests (a notebook's cells) and shared runs."""

_NPY_V1 = b"\x93NUMPY\x01\x00"
_NPY_PREFIX = len(_NPY_V1) + 2  # the magic, then a u16 header length
_MAX_NPY_BYTES = _NPY_PREFIX + 0xFFFF + MAX_ARRAY_BYTES
_NPY_HEADER = re.compile(rb"\{'descr': '(?P<descr>[<>|][A-Za-z][0-9]{1,2})', 'fortran_order': (?P<fortran>False|True), "
                         rb"'shape': \((?P<shape>(?:[0-9]{1,19}, ?){0,31}[0-9]{0,19})\), \} *\n")
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


def unpack_all(data, limits=FROM_WORKER):
    """Every message in `data` (pack's bytes, one after another): [(header, arrays)].
    Raises WireError if they are not whole messages within `limits`."""
    reader, messages = io.BytesIO(data), []
    while reader.tell() < len(data):
        try:
            messages.append(recv_message(reader, limits))
        except EOFError:
            raise WireError("a message cut short") from None
    return messages


def recv_message(reader, limits=FROM_WORKER):
    """Read one message within `limits` from `reader`, a socket's buffered reader (one
    system call brings a whole small message); returns (header, arrays).
    Raises EOFError if the stream ends, WireError if what came is not such a message."""
    (count,) = _COUNT.unpack(_read_exactly(reader, _COUNT.size))
    _check_count(count)
    parts, room = [], limits.message_bytes
    for index in range(count):
        (length,) = _LENGTH.unpack(_read_exactly(reader, _LENGTH.size))
        room = _admit(index, length, room, limits)
        parts.append(_read_exactly(reader, length))
    return _parse(parts)


def copy_message(header, arrays, limits=FROM_WORKER):
    """What the other side would read, within `limits`: the message serialised and parsed back."""
    parts = _parts(header, arrays)
    _check_count(len(parts))
    room = limits.message_bytes
    for index, part in enumerate(parts):
        room = _admit(index, len(part), room, limits)
    return _parse(parts)


def _check_count(count):
    if not 1 <= count <= MAX_PARTS:
        raise WireError(f"bad part count {count}")


def _admit(index, length, room, limits):
    """The room left in the message after part `index` of `length` bytes; WireError if
    that part is larger than its kind may be or than the room there is."""
    if index == 0 and length > limits.header_bytes:
        raise WireError(f"a JSON header over the {limits.header_bytes >> 10} KiB limit")
    if index > 0 and length > _MAX_NPY_BYTES:
        raise WireError(f"an array part over the {MAX_ARRAY_BYTES >> 20} MiB limit")
    if length > room:
        raise WireError(f"a message over the {limits.message_bytes >> 20} MiB limit")
    return room - length


def _parts(header, arrays):
    return [json.dumps(header).encode()] + [_npy_bytes(a) for a in arrays]


def _parse(parts):
    try:
        header = json.loads(parts[0])
    except (ValueError, RecursionError) as error:  # what json raises for junk, bad UTF-8 included
        raise WireError(f"undecodable JSON header: {type(error).__name__}") from None
    if type(header) is not dict:
        raise WireError("a message header must be a JSON object")
    return header, [load_npy(p) for p in parts[1:]]


def encode(value, arrays, keep_object):
    """Turn a value into JSON-able data, appending arrays to `arrays`.

    `keep_object(obj) -> handle id or None` decides what becomes a handle.
    """
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is np.ndarray and value.dtype.str in PLAIN_DTYPES and _fits(value.shape, value.itemsize):
        arrays.append(value)
        return {"$array": len(arrays) - 1}
    if isinstance(value, np.generic) and value.dtype.str in PLAIN_DTYPES:
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
    return {"$handle": handle, "class": [cls.__name__ for cls in type(value).__mro__[:MAX_CLASS_NAMES]]}


def encode_data(value, arrays):
    """`encode` for plain data only: TypeError for what would need a handle."""
    return encode(value, arrays, lambda value: None)


def decode_data(data, arrays):
    """`decode` for plain data only: WireError for a handle."""
    return decode(data, arrays, _refuse_handle)


def _refuse_handle(handle, class_names):
    raise WireError("a handle where only plain data may be")


def decode(data, arrays, make_handle):
    """Inverse of `encode`; `make_handle(id, class_names)` builds the local stand-in
    (`class_names`: a tuple of the class's name and its bases', each cut to 100 characters).
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
        return make_handle(data["$handle"], _class_names(data["class"]))
    raise WireError(f"unknown tagged value {sorted(data)}")


def _class_names(names):
    if type(names) is not list or not 0 < len(names) <= MAX_CLASS_NAMES or not all(type(n) is str for n in names):
        raise WireError(f"a handle's class must be a list of 1 to {MAX_CLASS_NAMES} names")
    return tuple(name[:100] for name in names)


def _key(key):
    if type(key) is not str:
        raise WireError("a dict key must be a string")
    return key


def _index(i, arrays):
    if type(i) is not int or not 0 <= i < len(arrays):
        raise WireError(f"no array part {i!r:.20}")
    return i


def load_npy(data):
    """A plain array from `.npy` bytes as np.save (and `_npy_bytes`) writes them, its size
    checked before it is built; WireError for anything else. The header is read by a
    strict pattern, not np.load's `ast` (which costs more than the rest of a call)."""
    if len(data) < _NPY_PREFIX or data[:len(_NPY_V1)] != _NPY_V1:
        raise WireError("an array part that is not .npy version 1.0")
    body_start = _NPY_PREFIX + struct.unpack_from("<H", data, len(_NPY_V1))[0]
    if body_start > len(data):
        raise WireError("an array header unlike the ones the wire writes")
    dtype, shape, order, size = _npy_header_fields(data[_NPY_PREFIX:body_start])
    if len(data) - body_start != size:
        raise WireError("an array part whose data is not the size its header says")
    body = bytearray(memoryview(data)[body_start:])  # a copy: student code may modify what it is given
    return np.frombuffer(body, dtype).reshape(shape, order=order)


@functools.lru_cache(maxsize=256)
def _npy_header_fields(header):
    """(dtype, shape, order, data size in bytes) of a `.npy` header within the wire's
    limits; WireError for any other. Remembered: a property sends the same few shapes
    again and again, and only headers that pass are kept, 256 at most."""
    fields = _NPY_HEADER.fullmatch(header)
    if fields is None:
        raise WireError("an array header unlike the ones the wire writes")
    descr = fields["descr"].decode()
    if descr not in PLAIN_DTYPES:
        raise WireError(f"an array of dtype {descr}: only plain numbers and booleans are sent")
    dtype = np.dtype(descr)
    shape = tuple(int(n) for n in fields["shape"].split(b",") if n.strip())
    if not _fits(shape, dtype.itemsize):
        raise WireError(f"an array over the limit of {MAX_ARRAY_ELEMENTS} entries and {MAX_ARRAY_BYTES >> 20} MiB")
    return dtype, shape, "F" if fields["fortran"] == b"True" else "C", dtype.itemsize * math.prod(shape)


@functools.lru_cache(maxsize=256)
def _fits(shape, itemsize):
    """Whether an array of this shape and item size is within the wire's limits; a zero
    in the shape counts as one, so no shape is larger than its limits allow either.
    Remembered, as the headers are: every array sent asks it."""
    entries = math.prod(max(n, 1) for n in shape)
    return entries <= MAX_ARRAY_ELEMENTS and entries * itemsize <= MAX_ARRAY_BYTES


def _npy_bytes(array):
    """`.npy` bytes of a plain array, as np.save writes them (np.save formats the header
    through `repr` of a dict, slower than the data)."""
    array = np.asarray(array)
    return _npy_prefix(array.dtype.str, array.shape) + array.tobytes(order="C")


@functools.lru_cache(maxsize=256)
def _npy_prefix(descr, shape):
    """The magic, the header's length and the header of a C-ordered array."""
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    padding = -(_NPY_PREFIX + len(header) + 1) % 64
    header = (header + " " * padding + "\n").encode("latin1")
    return _NPY_V1 + struct.pack("<H", len(header)) + header


def _read_exactly(reader, size):
    data = reader.read(size)
    if len(data) < size:
        raise EOFError("the other side closed the connection")
    return data
