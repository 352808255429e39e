"""Runs student code and answers call requests: the untrusted side's logic.

The worker process wraps an Executor around a socket; the in-kernel path (a hidden test
cell run inside Jupyter) wraps one around the notebook's own namespace. Either way the
same requests get the same answers, so both paths grade alike.

Requests and replies are wire headers (see wire.py):
  {"op": "load", "cells": [{"label", "source"}]}  ->  {"ok", "cell_errors", "defined"}
  {"op": "call", "target": {"name"} | {"handle"}, "method", "args",
   "report_args", "count_calls"}  ->  {"ok", "value", "args_after", "warnings", "call_counts"}
                                 or {"ok": false, "error": {"type", "classes", "message", "traceback"}}
  (count_calls: [[module, attribute], ...], the functions whose calls to count during
  the call; call_counts: a count for each, in order; see call_counter.py)
  {"op": "forget"}  ->  {"ok"}   (drop every object handle)
"""
import contextlib
import io
import linecache
import traceback
import warnings

import numpy as np

from . import wire
from .call_counter import CallCounter

OUTPUT_CAP = 64 * 1024
MRO_CAP = 32  # class names in an error record; remote.py reads no more


class Executor:
    """Holds one submission's namespace and the objects handed out as handles."""

    def __init__(self, namespace=None):
        self.namespace = namespace if namespace is not None else {"__name__": "convnets"}
        self.objects = {}
        self.filenames = set()

    def handle(self, header, arrays):
        """Answer one request; returns (reply header, reply arrays)."""
        op = header.get("op")
        if op == "load":
            return self._load(header["cells"]), []
        if op == "call":
            return self._call(header, arrays)
        if op == "forget":
            self.objects.clear()
            return {"ok": True}, []
        return {"ok": False, "error": _error_record(ValueError(f"unknown op {op!r}"), ())}, []

    def _load(self, cells):
        """Run each cell in order, like a notebook: an error stops that cell, not the rest."""
        cell_errors = []
        for cell in cells:
            filename = f"<{cell['label']}>"
            self.filenames.add(filename)
            linecache.cache[filename] = (len(cell["source"]), None, cell["source"].splitlines(True), filename)
            try:
                with _quiet():
                    exec(compile(cell["source"], filename, "exec"), self.namespace)
            except BaseException as error:  # a student's SystemExit must not end the worker
                cell_errors.append({"label": cell["label"], "error": _error_record(error, self.filenames)})
        defined = sorted(k for k, v in self.namespace.items() if callable(v) and not k.startswith("_"))
        return {"ok": True, "cell_errors": cell_errors, "defined": defined}

    def _call(self, header, arrays):
        keep = self._keep
        try:
            target = self._resolve(header["target"], header.get("method"))
            args = wire.decode(header.get("args", []), arrays, self._lookup)
        except (LookupError, NameError, AttributeError, wire.WireError) as error:
            return self._refused(error)
        try:
            counter = CallCounter(header.get("count_calls", []), self.namespace)
        except (LookupError, AttributeError, ValueError) as error:
            return self._refused(error)
        reply, out = {"warnings": []}, []
        with warnings.catch_warnings(record=True) as caught, counter:
            warnings.simplefilter("always")
            try:
                with _quiet(), np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
                    value = target(*args)
                reply["ok"] = True
                reply["value"] = wire.encode(value, out, keep)
                if header.get("report_args"):
                    reply["args_after"] = wire.encode(args, out, keep)
            except BaseException as error:
                reply = {"ok": False, "error": _error_record(error, self.filenames)}
        reply["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught]
        if counter.counts:
            reply["call_counts"] = counter.counts
        return reply, out

    def _refused(self, error):
        """The reply to a call request that names what is not there."""
        return {"ok": False, "error": _error_record(error, self.filenames), "warnings": []}, []

    def _resolve(self, target, method):
        if "handle" in target:
            obj = self.objects[target["handle"]]
        else:
            name = target["name"]
            if name not in self.namespace:
                raise NameError(f"name '{name}' is not defined")
            obj = self.namespace[name]
        return getattr(obj, method) if method else obj

    def _keep(self, obj):
        handle = len(self.objects) + 1
        self.objects[handle] = obj
        return handle

    def _lookup(self, handle, _class_names):
        return self.objects[handle]


@contextlib.contextmanager
def _quiet():
    """Send the student's prints to a capped buffer that nobody reads."""
    sink = _CappedText()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield


class _CappedText(io.StringIO):
    def write(self, text):
        room = OUTPUT_CAP - self.tell()
        return super().write(text[:max(room, 0)]) if room > 0 else len(text)


def _error_record(error, own_files):
    """The error's type, the names of its class and every base class (its MRO: a subclass
    of ValueError is a ValueError), message and the traceback trimmed to the student's own
    frames."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename in own_files]
    lines = traceback.format_list(frames)
    if isinstance(error, SyntaxError):
        lines += traceback.format_exception_only(error)[:-1]
    return {
        "type": type(error).__name__,
        "classes": [cls.__name__ for cls in type(error).__mro__][:MRO_CAP],
        "message": str(error)[:2000],
        "traceback": "".join(lines)[-4000:],
    }
