"""The hidden property suites: one module per graded part.

A property is a function `(student, **inputs)` that calls the student's code through a
Submission (sandbox/remote.py) and raises AssertionError when the answer is wrong;
hypothesis draws the inputs from the strategies given to `@graded_property`.
"""
from contextlib import contextmanager
from dataclasses import dataclass, field

PART_NAMES = ("sigmoid-graph", "sigmoid-gradient", "bias-folding", "conv-folding")
_REGISTRY = {part: [] for part in PART_NAMES}


@dataclass(frozen=True)
class Property:
    part: str
    name: str
    summary: str
    weight: int
    uses: tuple
    test: object = field(repr=False)
    strategies: dict = field(repr=False)


def graded_property(part, name, summary, *, uses, weight=1, **strategies):
    """Register `test(student, **inputs)` as a property of `part`; inputs from `strategies`."""

    def register(test):
        _REGISTRY[part].append(Property(part, name, summary, weight, tuple(uses), test, strategies))
        return test

    return register


def properties_of(part):
    """The properties of one part, in the order they were written."""
    _load_suites()
    return list(_REGISTRY[part])


@contextmanager
def suite_replaced(part, properties):
    """Within the block, `part` is graded by `properties` instead of its own (for tests of
    a weakened suite); its own are back after it."""
    _load_suites()
    kept, _REGISTRY[part] = _REGISTRY[part], list(properties)
    try:
        yield
    finally:
        _REGISTRY[part] = kept


def properties_calling(names):
    """Every property, of any part, that calls one of the student's `names`."""
    return [prop for part in PART_NAMES for prop in properties_of(part) if set(prop.uses) & set(names)]


def _load_suites():
    from . import bias_folding, conv_folding, sigmoid_gradient, sigmoid_graph  # noqa: F401  (they register)
