"""Replay (engine/replay.py) against plain hypothesis, for submissions that keep state
between calls or are slow: every test's score and message must be the same either way."""
import dataclasses

import pytest
from hypothesis.internal.conjecture import engine

from autograder import grader
from autograder.audit.catalogue import CATALOGUE
from autograder.engine import replay, runner
from autograder.properties import properties_of
from autograder.properties.lazy_hypothesis import Rejected
from autograder.reference import reference_definitions, reference_submission, solved_module

PART = "bias-folding"


def counting_fold_biases(wrong_every):
    """The reference's fold_biases, wrong on every `wrong_every`-th call."""
    return (reference_definitions()["fold_biases"]
            .replace("(weights, biases, t):", "(weights, biases, t, _calls=[0]):\n    _calls[0] += 1", 1)
            .replace("    return folded", f"    return [b + 1.0 for b in folded] if _calls[0] % {wrong_every} == 0 else folded"))


# Code that keeps state between calls: each answers some example differently the second
# time it is asked, so one extra call changes what it gets.
ADAPTIVE = {
    "wrong on first sight, right on repeat": '''
def threshold(z, t, _seen=set()):
    key = (z.tobytes(), z.shape, z.dtype.str, t)
    first_sight = key not in _seen
    _seen.add(key)
    right = np.maximum(z, z.dtype.type(t))
    return right + 1 if first_sight else right
''',
    "wrong on the 3rd call only": '''
def threshold(z, t, _calls=[0]):
    _calls[0] += 1
    right = np.maximum(z, z.dtype.type(t))
    return right + 1 if _calls[0] == 3 else right
''',
    "fold_biases wrong on every 4th call": counting_fold_biases(4),
}

# Wrong where some entry of z is above 1: hypothesis has to shrink to find the smallest.
WRONG_ABOVE_ONE = '''
def threshold(z, t):
    {pause}
    right = np.maximum(z, z.dtype.type(t))
    return np.where(z > 1, right + 1, right)
'''
FAST = WRONG_ABOVE_ONE.format(pause="pass")
# 1.2 s on each failing example (within the course's 2 s per call): hypothesis, allowed 3 s
# (see `cuts`), stops shrinking after its third failing try; the fast one shrinks in about
# 0.2 s, so a machine 15 times slower (other test runs beside this one) still does not cut it.
SLOW = WRONG_ABOVE_ONE.format(pause="__import__('time').sleep(1.2 if (z > 1).any() else 0)")


@pytest.fixture
def fresh_trees():
    """A grader process that has recorded nothing yet."""
    with replay.fresh_trees():
        yield


def graded(folder, settings, override, plain=False):
    """The tests of PART for the reference with `override`, graded in a new worker; plain:
    by hypothesis alone (replay off), as a kernel does."""
    path = folder / "convnets.py"
    path.write_text(solved_module(override))
    with pytest.MonkeyPatch.context() as patch:
        if plain:
            run_property = grader.run_property
            patch.setattr(grader, "run_property", lambda *args, **options: run_property(*args, **{**options, "replay": False}))
        return grader.grade_path(path, settings, parts=[PART]).tests


@pytest.fixture
def grade(tmp_path, settings):
    """grade(override, plain=False): see graded."""
    return lambda override, plain=False: graded(tmp_path, settings, override, plain)


@pytest.fixture(scope="module")
def catalogue_runs(tmp_path_factory, settings):
    """The runs a grader process holds after grading the part's catalogued mistakes first
    (the realistic order), the reference's included, recorded once for the tests that
    start from them."""
    folder = tmp_path_factory.mktemp("catalogue-first")
    with replay.fresh_trees():
        replay.start_sharing()
        for entry in CATALOGUE:
            if entry.part == PART:
                graded(folder, settings, entry.override)
        return replay.take_recorded()


@pytest.fixture
def after_the_catalogue(catalogue_runs):
    """A grader process that graded the part's catalogued mistakes first: its runs added
    in the order they were recorded, as a class run's graders adopt each other's."""
    with replay.fresh_trees():
        for run in catalogue_runs:
            replay.add_run(run, bounded=False)
        yield


def assert_same_tests(replayed, plain):
    """Field by field, so a failure names the test and the field that differ."""
    assert [t.name for t in replayed] == [t.name for t in plain]
    for ours, theirs in zip(replayed, plain):
        for name, value in dataclasses.asdict(ours).items():
            assert value == getattr(theirs, name), f"{ours.name}: {name} differs with replay on"


@pytest.mark.parametrize("override", ADAPTIVE.values(), ids=ADAPTIVE.keys())
def test_adaptive_code_is_graded_as_by_plain_hypothesis(grade, fresh_trees, override):
    replayed = grade(override)
    assert any(t.score == 0 for t in replayed)  # each is caught by plain hypothesis
    assert_same_tests(replayed, grade(override, plain=True))


@pytest.mark.slow
@pytest.mark.parametrize("override", ADAPTIVE.values(), ids=ADAPTIVE.keys())
def test_adaptive_code_after_other_submissions_is_graded_as_by_plain_hypothesis(grade, after_the_catalogue, override):
    assert_same_tests(grade(override), grade(override, plain=True))


@pytest.mark.slow
def test_adaptive_code_leaves_the_runs_exact_for_the_next_submission(grade, fresh_trees):
    """The runs recorded while grading adaptive code are runs plain hypothesis makes."""
    for override in ADAPTIVE.values():
        grade(override)
    for entry in CATALOGUE:
        if entry.part == PART:
            assert_same_tests(grade(entry.override), grade(entry.override, plain=True))


@pytest.fixture
def cuts(monkeypatch):
    """hypothesis stops shrinking after 3 s, not 300 s; returns the list of whether it
    cut each run from now on."""
    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", 3.0)
    seen, outcome = [], runner._hypothesis_outcome

    def noting_cuts(*args):
        failure, cut = outcome(*args)
        seen.append(cut)
        return failure, cut

    monkeypatch.setattr(runner, "_hypothesis_outcome", noting_cuts)
    return seen


def test_a_run_cut_short_by_time_is_not_recorded_nor_shared(grade, fresh_trees, cuts):
    replay.start_sharing()
    slow = grade(SLOW)
    assert cuts == [True] and slow[0].score == 0  # its threshold run was cut
    assert [run for run in replay.take_recorded() if not run.ending.passed] == []  # the reference's pass


@pytest.mark.slow
def test_a_slow_submission_does_not_change_the_next_ones_feedback(grade, fresh_trees, cuts):
    """The slow submission's counterexample is less shrunk than the fast one's, which
    fares the same on every example: the fast one must get its own, fully shrunk."""
    slow = grade(SLOW)
    assert cuts == [True]
    fast = grade(FAST)
    assert_same_tests(fast, grade(FAST, plain=True))
    assert cuts[1] is False and slow[0].output != fast[0].output


class NeverAsked:
    """A submission that must not be called: every call fails the property."""
    def call(self, *args, **options):
        raise AssertionError("asked an example it already answered")

    def forget(self):
        pass


@pytest.fixture
def walked(settings):
    """(prop, answers): threshold's answers as the reference gave them on its whole run."""
    prop = next(p for p in properties_of(PART) if p.name == "threshold")
    test, steps = replay.recording(replay.checking(prop, reference_submission()))
    runner.under_hypothesis(prop, test, settings.course_secret, settings.max_examples)()
    return prop, tuple(replay.Answer(replay.digest_of(inputs), outcome) for inputs, outcome, _ in steps)


def test_hypothesis_is_answered_from_the_walk_without_asking_again(walked, settings):
    prop, answers = walked
    assert runner.run_property(prop, NeverAsked(), settings.course_secret, settings.max_examples, replay=False).passed is False
    assert runner._run_hypothesis(prop, NeverAsked(), settings.course_secret, settings.max_examples, answers).passed


@pytest.mark.parametrize("change", ["another example", "one example more"])
def test_hypothesis_drawing_otherwise_than_the_walk_is_refused(walked, settings, change):
    prop, answers = walked
    if change == "another example":
        answers = (replay.Answer("0" * 16, answers[0].outcome), *answers[1:])
    else:
        answers = (*answers, answers[-1])
    with pytest.raises(replay.NotExact):
        runner._run_hypothesis(prop, NeverAsked(), settings.course_secret, settings.max_examples, answers)


def test_a_walk_that_met_rejections_is_answered_to_hypothesis_as_its_own(settings):
    """chain rejects some examples with assume(); walked outside hypothesis they raise the
    grader's Rejected, and a hypothesis run told of them must see its own rejections."""
    prop = next(p for p in properties_of("sigmoid-graph") if p.name == "chain")
    with replay.fresh_trees():
        run = replay.record_reference(prop, settings.course_secret, settings.max_examples)
    walked = [(digest, *replay.run_example(prop, reference_submission(), inputs)) for inputs, digest, _ in run.examples]
    assert any(isinstance(error, Rejected) for _, _, error in walked)
    answers = tuple(replay.Answer(digest, outcome, error) for digest, outcome, error in walked)
    assert runner._run_hypothesis(prop, NeverAsked(), settings.course_secret, settings.max_examples, answers).passed
