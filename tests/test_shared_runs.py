"""Recorded runs passed between grader processes (engine/shared_runs.py): adopted,
they replay exactly; bytes that are not such runs are dropped."""
import contextlib

import pytest

from autograder.config import COURSE_ROOT
from autograder.grader import grade_path
from autograder.engine import replay, runner
from autograder.engine.shared_runs import adopt_runs, pack_runs
from autograder.sandbox import wire

pytestmark = pytest.mark.slow  # each test first grades the class in a fresh process

STUDENTS = ["cleo", "dev", "eve", "finn"]  # every part failed by someone, and a full mark


def grade_students(settings):
    return {s: grade_path(COURSE_ROOT / "sample_class" / s / "convnets.ipynb", settings).tests for s in STUDENTS}


@pytest.fixture
def fresh_trees():
    """A process that has recorded nothing yet; yields a function that starts another."""
    with contextlib.ExitStack() as processes:
        def fresh():
            processes.enter_context(replay.fresh_trees())
        fresh()
        yield fresh


@pytest.fixture
def recorded_elsewhere(settings, fresh_trees):
    """(tests, bytes): the class graded by one process, and the runs it recorded, packed."""
    replay.start_sharing()
    tests = grade_students(settings)
    packed = pack_runs(replay.take_recorded())
    fresh_trees()
    return tests, packed


def hypothesis_runs(monkeypatch):
    runs = []
    real = runner.under_hypothesis
    monkeypatch.setattr(runner, "under_hypothesis", lambda prop, *args: runs.append(prop.name) or real(prop, *args))
    return runs


def test_adopted_runs_replay_exactly_and_hypothesis_does_not_run_again(settings, recorded_elsewhere, monkeypatch):
    tests, packed = recorded_elsewhere
    adopted = adopt_runs(packed)
    assert adopted >= 21 and replay.recorded_steps() > 0  # the reference's runs and the failing ones
    runs = hypothesis_runs(monkeypatch)
    assert grade_students(settings) == tests
    assert runs == []  # every submission followed an adopted run to its end


def test_a_process_without_them_runs_hypothesis_and_agrees(settings, recorded_elsewhere, monkeypatch):
    tests, _ = recorded_elsewhere
    runs = hypothesis_runs(monkeypatch)
    assert grade_students(settings) == tests
    assert runs  # so the test above shows runs that were adopted, not recorded again


def test_bytes_that_are_not_whole_runs_are_dropped(recorded_elsewhere, fresh_trees):
    _, packed = recorded_elsewhere
    for broken in (b"not a run", packed[:len(packed) // 2], packed[:-1], packed + b"\0"):
        fresh_trees()
        assert adopt_runs(broken) == 0 and replay.recorded_steps() == 0


def test_a_run_whose_examples_were_changed_is_dropped(recorded_elsewhere, fresh_trees):
    """Each example must decode to the digest its recorder computed: an array changed on
    the way (here the last byte of the first example's first array) fails that check."""
    _, packed = recorded_elsewhere
    first_array = packed.index(b"\x93NUMPY")
    last_byte = first_array + int.from_bytes(packed[first_array - 8:first_array], "little") - 1
    changed = packed[:last_byte] + bytes([packed[last_byte] ^ 1]) + packed[last_byte + 1:]
    assert len(wire.unpack_all(changed)) == len(wire.unpack_all(packed))  # still well-formed messages
    runs = adopt_runs(packed)
    fresh_trees()
    assert adopt_runs(changed) == runs - 1
