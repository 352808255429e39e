"""Assertions on values that came back from student code.

Each check raises AssertionError with a message a student can act on. Type, shape,
dtype and finiteness are checked before any comparison of values.
"""
import contextlib

import numpy as np

from ..sandbox.remote import RemoteObject
from ..sandbox.student_text import student_text


# While a property's example is observed (engine/diagnosis.py): where expect_close appends
# what it compared, so that another answer can be held to the same tolerances.
_COMPARISONS = []


@contextlib.contextmanager
def comparisons():
    """A list that gets (what, actual as float64, rtol, atol, held) for every expect_close
    inside the `with`, in order."""
    found = []
    _COMPARISONS.append(found)
    try:
        yield found
    finally:
        _COMPARISONS.pop()


def expect_array(value, *, shape, dtype, what):
    """`value` must be exactly a numpy ndarray (no subclass, no list) of this shape and dtype."""
    if type(value) is not np.ndarray:
        raise AssertionError(f"{what} should be a numpy array, but it is {_describe(value)}")
    if value.shape != tuple(shape):
        raise AssertionError(f"{what} should have shape {tuple(shape)}, but its shape is {value.shape}")
    if value.dtype != np.dtype(dtype):
        raise AssertionError(f"{what} should have dtype {np.dtype(dtype)}, but its dtype is {value.dtype}")


def expect_finite(value, *, what):
    bad = ~np.isfinite(value)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(f"{what} has a non-finite entry {value[index]!r} at index {index}")


class ComparisonFailed(AssertionError):
    """expect_close's failure. `explain`'s lines join its message when it is first read
    (str, repr): hypothesis raises a failure again at every step it shrinks, and a
    diagnosis at every example it compares, but reads the message of the last one only."""

    def __init__(self, message, explain=None):
        super().__init__(message)
        self._explain = explain

    def __str__(self):
        if self._explain is not None:
            explain, self._explain = self._explain, None
            self.args = (f"{self.args[0]}\n{explain()}",)
        return super().__str__()

    def __repr__(self):
        str(self)
        return super().__repr__()


def expect_close(actual, expected, *, rtol, atol, what, explain=None):
    """|actual - expected| <= atol + rtol * |expected|, entry by entry. explain: a function
    giving more lines for the message, called when the message is read (ComparisonFailed)."""
    actual64, expected64 = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    error = np.abs(actual64 - expected64)
    allowed = atol + rtol * np.abs(expected64)
    held = bool((error <= allowed).all())
    if _COMPARISONS:
        _COMPARISONS[-1].append((what, actual64, rtol, atol, held))
    if not held:
        index = np.unravel_index(np.argmax(error - allowed), error.shape)
        where = f" at index {tuple(int(i) for i in index)}" if error.ndim else ""
        raise ComparisonFailed(
            f"{what} is wrong{where}: expected {float(expected64[index])!r}, got {float(actual64[index])!r}", explain
        )


def expect_no_warnings(result, *, what):
    if result.warnings:
        raise AssertionError(f"{what} emitted a warning: {result.warnings[0]}")


def expect_unchanged(before, after, *, what):
    """An argument the student's code must not modify in place."""
    if not np.array_equal(before, after, equal_nan=True):
        raise AssertionError(f"{what} was modified in place; work on a copy instead")


def expect_object(value, *, class_name=None, what):
    """`value` must be a student object (kept in the worker), of `class_name` or a class
    inheriting from it if given."""
    if not isinstance(value, RemoteObject) or (class_name is not None and class_name not in value.class_names):
        kind = f"a {class_name}" if class_name else "a node object"
        raise AssertionError(f"{what} should give {kind}, but it gave {shown(value, 200)}")


def expect_list(value, *, length, what):
    if type(value) is not list:
        raise AssertionError(f"{what} should be a list, but it is {_describe(value)}")
    if len(value) != length:
        raise AssertionError(f"{what} should have {length} entries, but it has {len(value)}")


def shown(value, limit):
    """A value that came from student code, as a message shows it: its repr, made safe
    and cut to `limit` characters (a string it returned is student text too)."""
    return student_text(repr(value), limit)


def one_line(array, precision=None):
    """An array as numpy prints it, on one line."""
    return np.array2string(np.asarray(array), separator=", ", threshold=40, precision=precision).replace("\n", "")


def _describe(value):
    if isinstance(value, RemoteObject):
        return f"a {value.class_name} object"
    if isinstance(value, np.generic):
        return f"a numpy scalar ({type(value).__name__})"
    if value is None:
        return "None (did you forget a return?)"
    return f"a {type(value).__name__}"
