"""The registry of graded properties: each suite module registers its properties here.

A property is a function `(student, **inputs)` that calls the student's code through a
Submission (sandbox/remote.py) and raises AssertionError when the answer is wrong;
hypothesis draws the inputs from the strategies given to `@graded_property`.
"""
from dataclasses import dataclass, field

from ..config import PART_NAMES

REGISTERED = {part: [] for part in PART_NAMES}  # filled as the suite modules are imported


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
        REGISTERED[part].append(Property(part, name, summary, weight, tuple(uses), test, strategies))
        return test

    return register
