"""The audit, through the real `python -m autograder audit` command: every catalogued
mistake is caught in its own part only, every correct variant keeps full marks, every
automatic mutant is killed or confirmed equivalent (with its reason shown), every
clause of the student API is caught through a mistake that breaks it, and every vacuous
answer fails every property that calls it."""
import subprocess
import sys

import pytest

from autograder.audit.catalogue import CATALOGUE
from autograder.audit.equivalents import EQUIVALENT
from autograder.audit.mutation import reference_mutants
from autograder.audit.clauses import CLAUSES, Clause
from autograder.audit.run import AuditRow, VacuousRow, clause_summary, vacuous_summary
from autograder.audit.vacuous import properties_it_must_fail, vacuous_answers
from autograder.config import COURSE_ROOT, PART_NAMES

pytestmark = pytest.mark.slow  # the mutation audit


def test_catalogue_is_large_enough_and_covers_every_part():
    mistakes = [e for e in CATALOGUE if e.is_mistake]
    assert len(mistakes) >= 15 and len(CATALOGUE) - len(mistakes) >= 3
    assert {e.part for e in mistakes} == set(PART_NAMES)
    assert len({e.name for e in CATALOGUE}) == len(CATALOGUE)


@pytest.fixture(scope="module")
def audit_run():
    return subprocess.run([sys.executable, "-m", "autograder", "audit", "--jobs", "2"],
                          cwd=COURSE_ROOT, capture_output=True, text=True, timeout=900)


def test_audit_kills_every_mistake_and_spares_every_variant(audit_run):
    assert audit_run.returncode == 0, audit_run.stdout + audit_run.stderr
    mistakes = sum(e.is_mistake for e in CATALOGUE)
    assert (f"kill rate: {mistakes}/{mistakes} mistakes caught in their own part and in no part that does not "
            f"grade what they change (100%)") in audit_run.stdout
    assert not [line for line in audit_run.stdout.splitlines() if line.startswith("FAIL")]  # the verdict column


def test_audit_kills_every_non_equivalent_mutant_and_explains_the_rest(audit_run):
    mutants = len(reference_mutants()) - len(EQUIVALENT)
    assert f"mutation score: {mutants}/{mutants} non-equivalent mutants killed (100%)" in audit_run.stdout
    for mutant_id, reason in EQUIVALENT.items():
        assert f"equivalent {mutant_id}\n       | {reason}" in audit_run.stdout


def test_each_mistake_is_told_what_was_expected_on_its_smallest_input(audit_run):
    """Under each mistake the audit prints what its student reads; every one names the
    smallest failing input and says, in words, what was expected and what happened."""
    blocks = ("\n" + audit_run.stdout).split("\nok   ")[1:]
    told = {block.split()[0]: block for block in blocks}
    for entry in (e for e in CATALOGUE if e.is_mistake):
        feedback = told[entry.name]
        assert "| FAILED: " in feedback and "| Smallest failing input: " in feedback, feedback
        failure = feedback.split("| FAILED: ")[1].splitlines()[0]
        said = ("expected", "should", "emitted a warning", "modified in place", "use the output cached",
                "your code raised")  # a crash is what happened; its traceback follows, trimmed to the student's lines
        assert any(words in failure for words in said), failure
        assert "autograder" not in feedback and "hypothesis" not in feedback, feedback  # no grader internals


def test_no_property_pays_for_a_vacuous_answer(audit_run):
    answers = vacuous_answers()
    labels = {answer.id.split(" | ")[1] for answer in answers}
    assert {"returns None", "returns zeros", "returns an always-equal object", "refuses", "returns z unchanged",
            "returns biases unchanged", "forward and backward returns value unchanged"} <= labels
    assert f"vacuous answers: {len(answers)}/{len(answers)} failed every property that calls them" in audit_run.stdout


def test_a_property_that_pays_for_a_vacuous_answer_fails_the_audit():
    answer = next(a for a in vacuous_answers() if a.id == "sigmoid | returns None")
    must_fail = sorted(properties_it_must_fail(answer))
    assert "sigmoid-gradient: sigmoid-no-overflow" in must_fail
    row = VacuousRow(answer, failed_properties=tuple(p for p in must_fail if p != "sigmoid-gradient: sigmoid-no-overflow"))
    assert not row.ok
    assert "FAIL vacuous sigmoid | returns None passed: sigmoid-gradient: sigmoid-no-overflow" in vacuous_summary([row])


def test_every_clause_of_the_api_is_caught_through_a_mistake_that_breaks_it(audit_run):
    breakable, allowing = sum(bool(c.mistakes) for c in CLAUSES), sum(bool(c.variants) for c in CLAUSES)
    assert all(c.mistakes or c.variants for c in CLAUSES)
    assert (f"clauses: {breakable}/{breakable} caught through a mistake that breaks them; "
            f"{allowing}/{allowing} allowing other readings kept them at full marks") in audit_run.stdout
    assert "ok   [sigmoid-graph] Chain.backward feeds each node's input gradient to the node before it" in audit_run.stdout


def test_the_clause_table_fails_a_clause_nobody_breaks_and_a_mistake_caught_for_the_wrong_reason():
    mistake = next(e for e in CATALOGUE if e.name == "threshold-in-place")
    wrong_reason = AuditRow(mistake, {}, ("bias-folding: fold-deep",))  # caught, but not by `threshold`
    table = [Clause("bias-folding", "threshold leaves z unmodified", ("threshold",), ("threshold-in-place",))]
    summary = clause_summary([wrong_reason], table)
    assert "FAIL [bias-folding] threshold leaves z unmodified" in summary
    assert "FAIL threshold-in-place is caught only through properties of clauses it does not break: fold-deep" in summary
    right_reason = AuditRow(mistake, {}, ("bias-folding: threshold",))
    assert "FAIL" not in clause_summary([right_reason], table)
    assert "FAIL the mistake threshold-in-place breaks no clause" in clause_summary([right_reason], [])


def test_the_clause_table_fails_a_clause_whose_allowed_reading_lost_marks():
    variant = next(e for e in CATALOGUE if e.name == "fold-checks-list-only")
    full = AuditRow(variant, {"conv-folding": 30.0, "max:conv-folding": 30.0}, ())
    lost = AuditRow(variant, {"conv-folding": 25.0, "max:conv-folding": 30.0}, ("conv-folding: fold-per-neuron",))
    mistake = AuditRow(next(e for e in CATALOGUE if e.name == "per-neuron-same-layer"), {}, ("conv-folding: fold-per-neuron",))
    allows = Clause("conv-folding", "per-layer thresholds come as a list", ("fold-per-neuron",), (), ("fold-checks-list-only",))
    breaks = Clause("conv-folding", "layer l's correction is W_l @ t_(l-1)", ("fold-per-neuron",), ("per-neuron-same-layer",))
    assert "FAIL" not in clause_summary([mistake, full], [allows, breaks])
    assert "1/1 caught through a mistake that breaks them; 1/1 allowing other readings" in clause_summary([mistake, full], [allows, breaks])
    assert "FAIL [conv-folding] per-layer thresholds come as a list" in clause_summary([mistake, lost], [allows, breaks])
    assert "FAIL the clause table names fold-checks-list-only, which is no catalogued variant" in clause_summary([mistake], [allows, breaks])
