"""The grader's view of a submission: call its functions and objects, get plain data back.

A `Submission` turns calls into wire requests and replies into values or errors. Where
the requests go is up to a subclass: a sandboxed worker process (sandbox/client.py) or,
inside a notebook kernel, an Executor in the same process (sandbox/inprocess.py).
"""
from dataclasses import dataclass, field

from . import wire
from .call_counter import counted_functions
from .executor import MRO_CAP
from .student_text import student_text


class StudentError(Exception):
    """The student's code raised; carries the error's type, message and trimmed traceback."""

    def __init__(self, record):
        self.record = _error_record(record)
        super().__init__(f"{self.record['type']}: {self.record['message']}")

    def is_a(self, class_name):
        """Whether the error is a `class_name` or of a subclass of one (by the names of its
        classes), as isinstance would say: a subclass of ValueError is a ValueError."""
        return class_name in self.record["classes"]

    def __str__(self):
        text = f"your code raised {self.record['type']}: {self.record['message']}"
        trace = self.record.get("traceback", "").rstrip()
        return f"{text}\n{trace}" if trace else text


class WorkerLost(BaseException):
    """The worker timed out or died. A BaseException, so that hypothesis stops at once
    instead of shrinking by crashing the worker again and again."""


@dataclass
class CallResult:
    value: object
    warnings: list = field(default_factory=list)
    args_after: list = None
    call_counts: tuple = None  # with count_calls: the calls to each function, in its order


@dataclass(frozen=True)
class LoadResult:
    cell_errors: list
    defined: frozenset

    @classmethod
    def from_reply(cls, reply):
        """Raises WireError if the reply is not what a worker sends."""
        try:
            errors = [{"label": student_text(e["label"], 100), "error": _error_record(e["error"])} for e in reply["cell_errors"]]
            return cls(errors, frozenset(str(name) for name in reply["defined"]))
        except (LookupError, TypeError) as error:
            raise wire.WireError(f"malformed load reply ({type(error).__name__})") from None


class RemoteObject:
    """A student object that stays on the other side; its methods are called by name."""

    def __init__(self, submission, handle, class_names):
        """`class_names`: its class's name, then the names of the classes it inherits from."""
        self.submission, self.handle, self.class_names = submission, handle, class_names
        self.class_name = class_names[0]

    def call(self, method, *args, **options):
        return self.submission._request({"handle": self.handle}, method, args, **options)

    def __repr__(self):
        return f"<{self.class_name} object>"


class Submission:
    """Base class: subclasses implement `_exchange(header, arrays) -> (header, arrays)`."""

    def load(self, cells):
        """Run the submission's code cells; returns a LoadResult."""
        reply, _ = self._exchange({"op": "load", "cells": cells}, [])
        return LoadResult.from_reply(reply)

    def call(self, name, *args, **options):
        """Call the submission's top-level `name` with `args`; returns a CallResult.

        options: report_args=True also returns the arguments as they are after the
        call (to catch mutation); count_calls=[(module, attribute), ...] counts the calls
        to those functions during it (see call_counter.py for what a count is worth).
        """
        return self._request({"name": name}, None, args, **options)

    def forget(self):
        """Drop every object the other side keeps for us."""
        self._exchange({"op": "forget"}, [])

    def _request(self, target, method, args, report_args=False, count_calls=()):
        arrays = []
        counted = counted_functions(count_calls)
        header = {
            "op": "call", "target": target, "method": method,
            "args": wire.encode(list(args), arrays, _handle_of),
            "report_args": report_args, "count_calls": counted,
        }
        reply, reply_arrays = self._exchange(header, arrays)
        try:
            return self._call_result(reply, reply_arrays, report_args, len(counted))
        except (LookupError, TypeError, wire.WireError) as error:
            raise self._malformed(f"the worker sent a malformed reply ({type(error).__name__})") from None

    def _call_result(self, reply, reply_arrays, report_args, counted):
        if reply["ok"] is not True:
            raise StudentError(reply["error"])
        make = lambda handle, names: RemoteObject(self, handle, tuple(student_text(name, 100) for name in names))  # noqa: E731
        return CallResult(
            value=wire.decode(reply["value"], reply_arrays, make),
            warnings=[student_text(w, 500) for w in reply["warnings"]],
            args_after=wire.decode(reply["args_after"], reply_arrays, make) if report_args else None,
            call_counts=_call_counts(reply["call_counts"], counted) if counted else None,
        )

    def _malformed(self, reason):
        """What to raise for a reply no honest worker sends; subclasses also end the worker."""
        return WorkerLost(reason)

    def _exchange(self, header, arrays):
        raise NotImplementedError


def _error_record(record):
    """A worker's error record as safe strings of bounded length (student_text), its
    "classes" a tuple of them; TypeError if not one."""
    if type(record) is not dict:
        raise TypeError("an error record must be a dict")
    texts = {key: student_text(record.get(key, ""), limit) for key, limit in (("type", 100), ("message", 2000), ("traceback", 4000))}
    return dict(texts, classes=_class_names(record.get("classes")))


def _class_names(names):
    """An error's class names, most derived first, as student text; TypeError unless a
    list of 1 to MRO_CAP strings."""
    if type(names) is not list or not 1 <= len(names) <= MRO_CAP or not all(type(name) is str for name in names):
        raise TypeError(f"an error's classes must be a list of 1 to {MRO_CAP} names")
    return tuple(student_text(name, 100) for name in names)


def _call_counts(counts, expected):
    """A worker's call counts as a tuple of `expected` counts; TypeError if not that."""
    if type(counts) is not list or len(counts) != expected or not all(type(n) is int and n >= 0 for n in counts):
        raise TypeError(f"call counts must be a list of {expected} counts")
    return tuple(counts)


def _handle_of(obj):
    return obj.handle if isinstance(obj, RemoteObject) else None
