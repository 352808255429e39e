"""Vacuous answers: code that computes nothing, graded to show that no property pays for it.

For every function and class the suites call, a few answers that do no work: return
None, return an argument unchanged, return zeros shaped like the first argument, return
an object that claims to equal anything, or refuse with a ValueError about the padding
(the refusal part conv-folding accepts where it is fair). Each must fail *every*
property that calls what it replaces: a property that passed would be awarding points
for a value it never checked.
"""
import ast

from ..config import PART_NAMES
from ..properties import properties_calling, properties_of
from ..reference import reference_definitions
from .mutation import Mutant

# What a vacuous body returns, from the arguments it was given (None: this answer needs one).
ANSWERS = {
    "returns None": lambda args: "return None",
    "returns zeros": lambda args: f"return np.zeros_like({args[0]})" if args else "return 0.0",
    "returns an always-equal object": lambda args: ('return type("AlwaysEqual", (), '
                                                    '{"__eq__": lambda self, other: True, "__ne__": lambda self, other: False})()'),
    "refuses": lambda args: 'raise ValueError("padding is not supported")',
}


def vacuous_answers():
    """A Mutant per vacuous answer of every function and class a property calls; its part
    is the first part that calls it."""
    answers = []
    for name, part in called_names().items():
        node = ast.parse(reference_definitions()[name]).body[0]
        for label, body in _answers_of(node):
            answers.append(Mutant(f"{name} | {label}", part, body))
    return answers


def called_names():
    """{name: the first part calling it} for every name some property calls."""
    names = {}
    for part in PART_NAMES:
        for prop in properties_of(part):
            for name in prop.uses:
                names.setdefault(name, part)
    return names


def properties_it_must_fail(answer):
    """The names ("part: property") of every property calling the definition it replaces."""
    return {f"{p.part}: {p.name}" for p in properties_calling([answer.id.split(" | ")[0]])}


def _answers_of(node):
    """(label, source) of each vacuous version of a function or a Node class."""
    if isinstance(node, ast.FunctionDef):
        args = [a.arg for a in node.args.args]
        for label, body in _bodies(args):
            yield label, f"def {node.name}({', '.join(args)}):\n    {body}\n"
    else:  # a Node: both methods do no work, and the constructor takes what it is given
        for label, body in _bodies(["value"]):
            yield f"forward and backward {label}", (
                f"class {node.name}(Node):\n"
                f"    def __init__(self, *args):\n        self.nodes = list(args[0]) if args and isinstance(args[0], list) else []\n"
                f"    def forward(self, value):\n        {body}\n"
                f"    def backward(self, value):\n        {body}\n")


def _bodies(args):
    """(label, one-line body) of each vacuous answer, given the argument names."""
    yield from ((label, make(args)) for label, make in ANSWERS.items())
    for arg in args:
        yield f"returns {arg} unchanged", f"return {arg}"
