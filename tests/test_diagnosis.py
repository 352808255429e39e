"""Diagnoses (engine/diagnosis.py): a failed property that a catalogued mistake explains
names its misconception, in one line of the feedback; nothing is said otherwise. The
audit grades every catalogued mistake; here one per part, the reference, a variant and
a wrong answer the catalogue does not hold."""
import dataclasses

import pytest

from autograder import grader
from autograder.answer_keys import keys_in
from autograder.audit.catalogue import CATALOGUE
from autograder.audit.run import AuditRow, diagnosis_problems
from autograder.engine import diagnosis
from autograder.reference import reference_edited, solved_module
from autograder.results import gradescope_results

LINE = "Your code behaves like a common mistake:"
ONE_PER_PART = ["chain-backward-forward-order", "sigmoid-naive-overflow", "fold-shifts-last-layer", "conv-overwrites-pad-value"]
ENTRIES = {entry.name: entry for entry in CATALOGUE}
# fold_biases that doubles every bias: wrong, and like no catalogued mistake.
UNCATALOGUED = """
def fold_biases(weights, biases, t):
    return [2.0 * b for b in biases]
"""


# Fails wherever fold-shifts-last-layer fails (a one-threshold t other than 0), with other
# values: the last layer gets -3t. Only the values tell it from the catalogued mistake.
LIKE_A_MISTAKE = reference_edited("fold_biases", "        folded.append(new_b)",
                                  "        if layer == hidden and not isinstance(t, (list, tuple)):\n"
                                  "            new_b = new_b - 3 * t\n        folded.append(new_b)")


@pytest.fixture(scope="module")
def graded(tmp_path_factory, settings):
    """graded(override, parts, settings=settings): the report of the reference with `override`."""
    def grade(override, parts, with_settings=settings):
        path = tmp_path_factory.mktemp("diagnosis") / "convnets.py"
        path.write_text(solved_module(override))
        return grader.grade_path(path, with_settings, parts=parts)
    return grade


def misconception_lines(report):
    return [line for test in report.tests for line in test.output.splitlines() if line.startswith(LINE)]


@pytest.mark.parametrize("name", ONE_PER_PART)
def test_a_catalogued_mistake_is_told_its_own_misconception_and_no_other(graded, name):
    entry = ENTRIES[name]
    report = graded(entry.override, [entry.part])
    own = f"{LINE} {entry.because.label}. {entry.because.hint}"
    lines = misconception_lines(report)
    assert lines and set(lines) == {own}
    for test in report.tests:
        if test.misconception:
            assert test.score == 0 and test.output.endswith(own) and name in test.explained_by


@pytest.mark.parametrize("override", ["", ENTRIES["fold-with-loops"].override], ids=["reference", "variant"])
def test_correct_code_is_told_nothing(graded, override):
    report = graded(override, ["bias-folding", "conv-folding"])
    assert report.score == report.max_score
    assert misconception_lines(report) == [] and gradescope_results(report)["extra_data"]["misconceptions"] == []


@pytest.mark.parametrize("override", [UNCATALOGUED, LIKE_A_MISTAKE], ids=["doubles the biases", "-3t in the last layer"])
def test_a_failure_no_catalogued_mistake_explains_is_told_nothing(graded, override):
    report = graded(override, ["bias-folding"])
    assert report.score < report.max_score
    assert misconception_lines(report) == [] and not any(test.explained_by for test in report.tests)


@pytest.mark.parametrize("override", [ENTRIES["fold-shifts-last-layer"].override, LIKE_A_MISTAKE],
                         ids=["a catalogued mistake", "-3t in the last layer"])
def test_a_failure_met_again_is_diagnosed_from_memory_as_when_nothing_was_remembered(graded, monkeypatch, override):
    """A second student failing alike meets the recorded examples again: what each mistake
    made of them comes from memory, none is observed again, and every test reads as with
    nothing remembered (the failure the mistake explains, and the near miss none does)."""
    with monkeypatch.context() as nothing_remembered:
        nothing_remembered.setattr(diagnosis, "_observed", lambda prop, entry, mistaken, inputs:
                                   diagnosis.observe(prop, mistaken, inputs))
        alone = graded(override, ["bias-folding"]).tests
    diagnosis._outcome.forget()
    first = graded(override, ["bias-folding"]).tests
    observed = []
    observe = diagnosis.observe
    monkeypatch.setattr(diagnosis, "observe", lambda *args: observed.append(args) or observe(*args))
    second = graded(override, ["bias-folding"]).tests
    assert any(test.score < test.max_score for test in alone)
    assert observed == []
    assert first == second == alone


def test_the_results_record_which_misconception_explains_which_test(graded):
    entry = ENTRIES["fold-shifts-last-layer"]
    recorded = gradescope_results(graded(entry.override, ["bias-folding"]))["extra_data"]["misconceptions"]
    assert {"test": "bias-folding: fold-deep", "part": "bias-folding", "misconception": entry.because.label,
            "explained_by": ["fold-shifts-last-layer"]} in recorded


def test_a_hidden_test_shows_no_misconception_to_the_student(graded, settings):
    entry = ENTRIES["fold-shifts-last-layer"]
    hidden = dataclasses.replace(settings, visibility={"bias-folding": "hidden"})
    report = graded(entry.override, ["bias-folding"], hidden)
    diagnosed = [test for test in report.tests if test.misconception]
    assert diagnosed and all(LINE in test.output and LINE not in test.student_feedback() for test in diagnosed)


def test_every_mistake_has_a_misconception_that_gives_no_answer_away():
    for entry in CATALOGUE:
        assert (entry.because is None) == (not entry.is_mistake), entry.name
        if entry.because:
            text = f"{entry.because.label}. {entry.because.hint}"
            assert keys_in(text) == [] and entry.because.hint.endswith((".", "?")), entry.name


def test_the_audit_fails_a_wrong_diagnosis_and_a_mistake_never_diagnosed():
    mistake, variant = ENTRIES["fold-sign-error"], ENTRIES["fold-with-loops"]
    other = ENTRIES["fold-shifts-last-layer"].because.label
    right = AuditRow(mistake, {}, ("bias-folding: fold-deep",), diagnoses=(("bias-folding: fold-deep", mistake.because.label, (mistake.name,)),))
    assert diagnosis_problems(right) == []
    wrong = AuditRow(mistake, {}, ("bias-folding: fold-deep",), diagnoses=(("bias-folding: fold-deep", other, ("fold-shifts-last-layer",)),))
    assert diagnosis_problems(wrong) == [f"fold-sign-error is diagnosed on bias-folding: fold-deep as: {other}",
                                         "fold-sign-error is never diagnosed as its own misconception"]
    told_variant = AuditRow(variant, {}, ("bias-folding: fold-deep",), diagnoses=(("bias-folding: fold-deep", other, ("fold-shifts-last-layer",)),))
    assert diagnosis_problems(told_variant) == [f"fold-with-loops is diagnosed on bias-folding: fold-deep as: {other}"]
