"""Automatic mutants of the reference solutions: one small change each, in code a student
writes (between the master notebook's BEGIN/END SOLUTION markers).

Five families, on the AST: operators (+ -, * /, ** *, and comparisons moved across or
over their boundary), constants (c + 1, c - 1), axes (axis=k to the other axis, or no
axis at all), signs (a unary minus dropped, a returned value negated) and omissions,
what a student forgets rather than mistypes (a `reversed(...)`, a `.copy()` or
`.astype(...)`, a `dtype=` or `copy=` argument, the key of `d.get(key, default)`, the
settings of `np.errstate`). A mutant the
hidden suites do not catch is either a hole in the suites or equivalent to the
reference; equivalents.py lists those a human has confirmed, with the reason.
"""
import ast
import copy
from dataclasses import dataclass

from ..notebook_source import build_master
from ..reference import SOLUTION_MARKER

OPERATOR_SWAPS = {ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Div], ast.Div: [ast.Mult], ast.Pow: [ast.Mult]}
COMPARE_SWAPS = {ast.Lt: [ast.LtE, ast.GtE], ast.LtE: [ast.Lt, ast.Gt], ast.Gt: [ast.GtE, ast.LtE],
                 ast.GtE: [ast.Gt, ast.Lt], ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq]}
SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.Lt: "<", ast.LtE: "<=",
           ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}


@dataclass(frozen=True)
class Mutant:
    id: str  # "definition | the line it changes | the change", stable while that line is
    part: str  # the graded part whose suite must catch it
    override: str  # the mutated top-level definition, as source


def reference_mutants():
    """Every mutant of every solution cell of the master notebook, in notebook order."""
    mutants, cells = [], build_master().cells
    for index, cell in enumerate(cells):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            mutants += cell_mutants(cell.source, part_graded_after(cells, index))
    return mutants


def part_graded_after(cells, index):
    """A solution cell belongs to the part whose test cell (`tests-<part>`) comes next."""
    for cell in cells[index:]:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("tests-"):
            return grade_id[len("tests-"):]
    raise ValueError("a solution cell with no test cell after it")


def cell_mutants(source, part):
    """The mutants of one cell's top-level definitions, at lines inside solution regions."""
    lines, editable = source.splitlines(), solution_lines(source)
    mutants = []
    for definition in ast.parse(source).body:
        if not isinstance(definition, (ast.FunctionDef, ast.ClassDef)):
            continue
        axes = {id(n.value) for n in ast.walk(definition) if isinstance(n, ast.keyword) and n.arg == "axis"}
        for position, node in enumerate(ast.walk(definition)):
            if getattr(node, "lineno", None) not in editable or id(node) in axes:  # axes mutate as axes
                continue
            for change, apply in mutations(node):
                mutated = copy.deepcopy(definition)
                target = list(ast.walk(mutated))[position]
                replacement = apply(target)
                if replacement is not None:
                    _replace(mutated, target, replacement)
                key = f"{definition.name} | {lines[node.lineno - 1].strip()} | col {node.col_offset}: {change}"
                mutants.append(Mutant(key, part, ast.unparse(ast.fix_missing_locations(mutated))))
    return mutants


def solution_lines(source):
    """Line numbers (from 1) strictly between a BEGIN SOLUTION and its END SOLUTION."""
    inside, lines = False, set()
    for number, line in enumerate(source.splitlines(), start=1):
        marker = SOLUTION_MARKER.match(line + "\n")
        if marker:
            inside = marker.group(1) == "BEGIN"
        elif inside:
            lines.add(number)
    return lines


def mutations(node):
    """(what changes, how to change a copy of `node`), for each mutation of `node`: the
    change is made in place, or is the node to put in its place."""
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        for new in OPERATOR_SWAPS.get(type(node.op), []):
            yield f"{SYMBOLS[type(node.op)]} -> {SYMBOLS[new]}", lambda n, new=new: setattr(n, "op", new())
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        for new in COMPARE_SWAPS.get(type(node.ops[0]), []):
            yield f"{SYMBOLS[type(node.ops[0])]} -> {SYMBOLS[new]}", lambda n, new=new: setattr(n, "ops", [new()])
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        for step in (1, -1):
            yield f"{node.value!r} -> {node.value + step!r}", lambda n, step=step: setattr(n, "value", n.value + step)
    if isinstance(node, ast.Call):
        for keyword in (k for k in node.keywords if k.arg == "axis"):
            axis = ast.literal_eval(keyword.value)
            if axis in (0, 1):
                yield f"axis={axis} -> axis={1 - axis}", lambda n: _set_axis(n, 1 - axis)
            yield f"axis={axis} -> no axis", lambda n: setattr(n, "keywords", [k for k in n.keywords if k.arg != "axis"])
    if isinstance(node, ast.Call):
        yield from omissions(node)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield "unary minus dropped", lambda n: setattr(n, "op", ast.UAdd())
    if isinstance(node, ast.Return) and node.value is not None:
        yield "returned value negated", lambda n: setattr(n, "value", ast.UnaryOp(ast.USub(), n.value))


def omissions(call):
    """Mutations of a call that leave out a part of it a student may forget."""
    function = call.func
    method = function.attr if isinstance(function, ast.Attribute) else None
    if isinstance(function, ast.Name) and function.id == "reversed" and len(call.args) == 1:
        yield "reversed(...) dropped", lambda n: n.args[0]
    if method in ("copy", "astype"):
        yield f".{method}(...) dropped", lambda n: n.func.value
    if method == "get" and len(call.args) == 2:
        yield ".get(key, default) -> default", lambda n: n.args[1]
    if method == "errstate" and call.keywords:
        yield "np.errstate(...) emptied", lambda n: setattr(n, "keywords", [])
    for keyword in (k.arg for k in call.keywords if k.arg in ("dtype", "copy")):
        yield f"{keyword}= dropped", lambda n, keyword=keyword: setattr(n, "keywords", [k for k in n.keywords if k.arg != keyword])


def _replace(tree, old, new):
    """Put `new` where `old` stands in `tree`."""
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
            elif isinstance(value, list) and any(item is old for item in value):
                value[:] = [new if item is old else item for item in value]


def _set_axis(call, axis):
    for keyword in call.keywords:
        if keyword.arg == "axis":
            keyword.value = ast.Constant(axis)
