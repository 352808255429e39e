"""The automatic mutants: made only where students write code, one change each, in the
five families; and the audit reports a hole when a suite is weakened on purpose."""
import ast

import pytest

from autograder import properties
from autograder.audit import run
from autograder.audit.equivalents import EQUIVALENT
from autograder.audit.mutation import Mutant, cell_mutants, reference_mutants
from autograder.config import PART_NAMES
from autograder.reference import solved_module


@pytest.fixture(scope="module")
def mutants():
    return reference_mutants()


def test_every_part_gets_mutants_of_every_family(mutants):
    assert {m.part for m in mutants} == set(PART_NAMES)
    assert len({m.id for m in mutants}) == len(mutants)
    changes = " ".join(m.id.rsplit(": ", 1)[1] for m in mutants)
    for family in ("+ -> -", "* -> /", ">= -> >", "1.0 -> 2.0", "axis=1 -> axis=0", "axis=1 -> no axis",
                   "unary minus dropped", "returned value negated", "reversed(...) dropped", "dtype= dropped",
                   ".get(key, default) -> default"):
        assert family in changes


def test_omissions_leave_out_what_a_student_forgets():
    source = """def f(nodes, d, x, z, t):
    ### BEGIN SOLUTION
    for node in reversed(nodes):
        x = node(x).copy()
    with np.errstate(over="ignore"):
        y = np.asarray(t, dtype=z.dtype) + d.get("pad_value", 0.0) + x.astype(np.float32)
    return np.array(y, copy=True)
    ### END SOLUTION
"""
    made = {m.id.rsplit(": ", 1)[1]: ast.unparse(ast.parse(m.override)) for m in cell_mutants(source, "part")}
    assert "for node in nodes:" in made["reversed(...) dropped"]
    assert "x = node(x)\n" in made[".copy(...) dropped"] + "\n"
    assert "0.0) + x\n" in made[".astype(...) dropped"] + "\n" and "astype" not in made[".astype(...) dropped"]
    assert "np.asarray(t) +" in made["dtype= dropped"]
    assert "+ 0.0 +" in made[".get(key, default) -> default"]
    assert "with np.errstate():" in made["np.errstate(...) emptied"]
    assert "return np.array(y)" in made["copy= dropped"]


@pytest.mark.slow
def test_each_mutant_changes_the_reference_once_and_only_inside_a_solution(mutants):
    reference = ast.dump(ast.parse(solved_module()))
    for mutant in mutants:
        module = solved_module(mutant.override)
        assert ast.dump(ast.parse(module)) != reference, mutant.id
    given = [m for m in mutants if "self.c = c" in m.id or "self.nodes = list(nodes)" in m.id]
    assert not given  # AddConstant.__init__ and Chain.__init__ are given code, not the student's


def test_a_weakened_suite_lets_mutants_survive_and_the_audit_says_so(settings, mutants):
    """Keep only bias-folding's threshold property, and no conv-folding property of
    fold_biases: a mutant of the hidden-layer logic must then survive, and be reported as
    a hole; one that breaks threshold is still killed."""
    threshold_only = [p for p in properties.properties_of("bias-folding") if p.name == "threshold"]
    no_fold_biases = [p for p in properties.properties_of("conv-folding") if "fold_biases" not in p.uses]
    negated = next(m for m in mutants if m.id == "threshold | return np.maximum(z, np.asarray(t, dtype=z.dtype)) | col 4: returned value negated")
    hidden_layer = next(m for m in mutants if m.id == "fold_biases | new_b = new_b - thresholds[layer] | col 20: - -> +")
    with properties.suite_replaced("bias-folding", threshold_only), properties.suite_replaced("conv-folding", no_fold_biases):
        rows = [run.grade_mutant(negated, settings), run.grade_mutant(hidden_layer, settings)]
    assert [row.killed for row in rows] == [True, False]
    assert "FAIL survived: fold_biases | new_b = new_b - thresholds[layer] | col 20: - -> +" in run.mutation_summary(rows)


def test_an_equivalent_that_gets_killed_fails_the_audit():
    """A mutant confirmed equivalent is correct code: a suite that kills it is unfair."""
    equivalent_id = next(iter(EQUIVALENT))
    row = run.MutantRow(Mutant(equivalent_id, "sigmoid-gradient", ""), failed_properties=("sigmoid-values",))
    assert not row.ok and "FAIL killed but listed as equivalent" in run.mutation_summary([row])
