"""Counting the calls a student's code makes to named functions during one call.

A call request may name functions as (module, attribute) pairs: public attributes of
modules already loaded where the code runs (numpy's `exp` is ("numpy", "exp")), or, with
the module SUBMISSION, a public top-level name of the submission itself (its `sigmoid` is
(SUBMISSION, "sigmoid"); a name it does not bind to a callable has no calls to count).
For the length of the call, each function, and every top-level name of the submission
bound to the same object, is replaced by a wrapper that counts its calls; then the
originals are put back. Nothing is imported and nothing is evaluated: a request names only what is
there, and the names are checked before anything is looked up.

What a count is worth: the wrapper lives in the worker, whose memory the student's code
controls. Calls through the module's attribute, or through a top-level name bound to it
when the call starts, are counted exactly; calls through any other reference (an
attribute of a class, a closure, another alias of the same function such as
`numpy.core.umath.exp`) are not, and code written to hide its calls can make the count,
or the reply carrying it, anything. So a count may decide how
a value was computed only where the value itself is checked too.

This module imports only the standard library: the worker uses it too.
"""
import sys

MAX_FUNCTIONS = 8
MAX_NAME = 100
SUBMISSION = "<submission>"  # the module name that stands for the submission's own top-level names


def counted_functions(spec):
    """`spec` as a tuple of distinct (module, attribute) pairs; ValueError unless it is a
    list of at most MAX_FUNCTIONS pairs of a dotted module name (or SUBMISSION) and a public
    attribute name."""
    if type(spec) not in (list, tuple) or len(spec) > MAX_FUNCTIONS:
        raise ValueError(f"count_calls must be a list of at most {MAX_FUNCTIONS} (module, attribute) pairs")
    functions = tuple(_function(item) for item in spec)
    if len(set(functions)) != len(functions):
        raise ValueError("count_calls names a function twice")
    return functions


def _function(item):
    if type(item) not in (list, tuple) or len(item) != 2 or not all(type(name) is str for name in item):
        raise ValueError("a function to count is a (module, attribute) pair of names")
    module, attribute = item
    if module != SUBMISSION and (len(module) > MAX_NAME or not all(part.isidentifier() for part in module.split("."))):
        raise ValueError(f"not a module name: {module[:MAX_NAME]!r}")
    if len(attribute) > MAX_NAME or not attribute.isidentifier() or attribute.startswith("_"):
        raise ValueError(f"not a public attribute name: {attribute[:MAX_NAME]!r}")
    return module, attribute


class CallCounter:
    """A context manager counting, in `counts`, the calls to each function `spec` names
    (in its order) made through the modules or the top-level names of `namespace`, the
    submission's.
    Raises ValueError for a malformed spec, LookupError or AttributeError for a module
    not loaded or an attribute it lacks."""

    def __init__(self, spec, namespace):
        self.namespace = namespace
        self.originals = [_original(module, attribute, namespace) for module, attribute in counted_functions(spec)]
        self.counts = [0] * len(self.originals)
        self._restore = []

    def __enter__(self):
        for index, (module, attribute, original) in enumerate(self.originals):
            wrapper = self._counting(index, original)
            names = [name for name, value in self.namespace.items() if value is original] if callable(original) else []
            self._restore.append((module, attribute, original, names))
            if module is not None:
                setattr(module, attribute, wrapper)
            self.namespace.update(dict.fromkeys(names, wrapper))
        return self

    def __exit__(self, *exc):
        for module, attribute, original, names in reversed(self._restore):
            if module is not None:
                setattr(module, attribute, original)
            self.namespace.update(dict.fromkeys(names, original))
        return False

    def _counting(self, index, original):
        def counted(*args, **kwargs):
            self.counts[index] += 1
            return original(*args, **kwargs)
        return counted


def _original(module_name, attribute, namespace):
    """(module, attribute, the attribute's value) of a module already loaded; for
    SUBMISSION, (None, attribute, what the submission binds to it, or None)."""
    if module_name == SUBMISSION:
        return None, attribute, namespace.get(attribute)
    module = sys.modules.get(module_name)
    if module is None:
        raise LookupError(f"module {module_name!r} is not loaded")
    return module, attribute, getattr(module, attribute)
