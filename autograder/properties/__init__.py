"""The hidden property suites: one module per graded part (sigmoid_graph, sigmoid_gradient,
bias_folding, conv_folding), with the oracles, checks and strategies they share.

The suites say *what* is checked; the engine (autograder/engine/) runs them under
hypothesis. Importing this package imports every suite, which registers its properties.
"""
from contextlib import contextmanager

from ..config import PART_NAMES
from . import bias_folding, conv_folding, sigmoid_gradient, sigmoid_graph  # noqa: F401  (they register)
from .registry import REGISTERED


def properties_of(part):
    """The properties of one part, in the order they were written."""
    return list(REGISTERED[part])


def properties_calling(names):
    """Every property, of any part, that calls one of the student's `names`."""
    return [prop for part in PART_NAMES for prop in properties_of(part) if set(prop.uses) & set(names)]


@contextmanager
def suite_replaced(part, properties):
    """Within the block, `part` is graded by `properties` instead of its own (for tests of
    a weakened suite); its own are back after it."""
    kept, REGISTERED[part] = REGISTERED[part], list(properties)
    try:
        yield
    finally:
        REGISTERED[part] = kept
