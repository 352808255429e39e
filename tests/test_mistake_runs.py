"""The catalogued mistakes' recorded runs kept on disk (engine/mistake_runs.py): a
submission that fails as a recorded mistake does is graded without hypothesis and gets
every test as plain hypothesis gives it; code that keeps state is asked nothing twice; a
correct submission reads nothing; damage costs time, never a grade; and the file is the
same bytes however its mistakes were recorded."""
import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.audit.catalogue import CATALOGUE
from autograder.config import COURSE_ROOT, PACKAGE_PARENT
from autograder.engine import mistake_runs, replay, runner
from autograder.grader import graded_properties
from autograder.reference import solved_module
from tests.test_replay_equivalence import ADAPTIVE, PART, assert_same_tests, graded

RECORDED = ("threshold-is-min", "fold-shifts-last-layer", "fold-wrong-axis", "fold-sign-error")
NOT_RECORDED = "fold-skips-next-layer"  # of the same part: a way of failing the file does not hold


def entries(names):
    """The catalogue's entries of these names, in this order."""
    return [next(entry for entry in CATALOGUE if entry.name == name) for name in names]


def overrides(names):
    return [entry.override for entry in entries(names)]


def recorded_bytes(settings, names, jobs):
    runs = mistake_runs.mistakes_runs(settings, entries(names), jobs)
    return mistake_runs.packed_file(runs, graded_properties(settings), settings)


@pytest.fixture(scope="module")
def recorded(settings):
    """The file's bytes as `make release` writes them, for the mistakes of RECORDED only."""
    return recorded_bytes(settings, RECORDED, jobs=2)


@pytest.fixture
def with_file(tmp_path, monkeypatch, recorded):
    """A new grader process whose course holds the file (or bytes written in its place);
    returns the file's path and the list of sections read from it."""
    path = tmp_path / "mistake-runs.bin"
    path.write_bytes(recorded)
    monkeypatch.setattr(mistake_runs, "mistakes_file", lambda settings: path)
    read, read_section = [], mistake_runs.read_section
    monkeypatch.setattr(mistake_runs, "read_section", lambda *args: read.append(args[1][1]) or read_section(*args))
    with replay.fresh_trees():
        yield path, read


@pytest.fixture
def hypothesis_runs(monkeypatch):
    """The properties hypothesis runs from now on, by name."""
    names, run_hypothesis = [], runner._run_hypothesis
    monkeypatch.setattr(runner, "_run_hypothesis", lambda prop, *args, **options:
                        names.append(prop.name) or run_hypothesis(prop, *args, **options))
    return names


def plain(tmp_path, settings, override):
    with replay.fresh_trees():
        return graded(tmp_path / "plain", settings, override, plain=True)


@pytest.fixture
def plain_folder(tmp_path):
    (tmp_path / "plain").mkdir()
    return tmp_path


@pytest.mark.parametrize("name", RECORDED)
def test_a_recorded_mistake_is_graded_without_hypothesis_as_plain_hypothesis_grades_it(
        settings, with_file, hypothesis_runs, plain_folder, name):
    [override] = overrides([name])
    tests = graded(plain_folder, settings, override)
    assert hypothesis_runs == [] and with_file[1]  # every failure replayed from sections it read
    assert any(t.score < t.max_score for t in tests)
    assert_same_tests(tests, plain(plain_folder, settings, override))


MOVED_GRADER = """
import dataclasses, json, sys
from pathlib import Path
import autograder
from autograder.config import load_settings
from autograder.engine import mistake_runs, runner
from autograder.grader import grade_path

submission, runs_file, part = sys.argv[1:]
mistake_runs.mistakes_file = lambda settings: Path(runs_file)
ran, run_hypothesis = [], runner._run_hypothesis
runner._run_hypothesis = lambda prop, *args, **options: ran.append(prop.name) or run_hypothesis(prop, *args, **options)
tests = grade_path(Path(submission), load_settings(), parts=[part]).tests
print(json.dumps({"package": autograder.__path__[0], "hypothesis_ran": ran, "tests": [dataclasses.asdict(t) for t in tests]}))
"""


@pytest.mark.slow
def test_runs_recorded_in_one_folder_are_walked_from_another(plain_folder, settings, recorded):
    """`make release` records the file where the course is; Gradescope grades from
    /autograder/source, CI from its checkout: the package moved, the file still spares
    hypothesis, and the grades are plain hypothesis' (the file here was recorded by this
    process, from where the tests import the package)."""
    moved = plain_folder / "elsewhere"
    shutil.copytree(PACKAGE_PARENT / "autograder", moved / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    (plain_folder / "mistake-runs.bin").write_bytes(recorded)
    [override] = overrides(["fold-sign-error"])
    (plain_folder / "convnets.py").write_text(solved_module(override))
    graded_there = subprocess.run(
        [sys.executable, "-c", MOVED_GRADER, str(plain_folder / "convnets.py"), str(plain_folder / "mistake-runs.bin"), PART],
        cwd=moved, env={**os.environ, "CONVNETS_COURSE_ROOT": str(COURSE_ROOT)}, capture_output=True, text=True, check=True)
    there = json.loads(graded_there.stdout)
    assert Path(there["package"]) == moved / "autograder"
    assert there["hypothesis_ran"] == []
    assert there["tests"] == json.loads(json.dumps([dataclasses.asdict(t) for t in plain(plain_folder, settings, override)]))


def test_a_correct_submission_reads_nothing(settings, with_file, hypothesis_runs, tmp_path):
    tests = graded(tmp_path, settings, "")
    assert all(t.score == t.max_score for t in tests)
    assert with_file[1] == [] and hypothesis_runs == []


@pytest.mark.slow
@pytest.mark.parametrize("override", [*ADAPTIVE.values(), *overrides([NOT_RECORDED])],
                         ids=[*ADAPTIVE.keys(), NOT_RECORDED])
def test_code_the_file_does_not_hold_is_graded_as_plain_hypothesis_grades_it(settings, with_file, plain_folder, override):
    """Code that keeps state between calls walks into the recorded mistakes' runs and out of
    them again: it must be asked no example twice, or its answers change."""
    assert_same_tests(graded(plain_folder, settings, override), plain(plain_folder, settings, override))


DAMAGED = "fold-last-layer"  # a property fold-shifts-last-layer fails


def flipped(data, at):
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]


def last_examples_changed(section):
    """The section with a byte changed in each run's last example (the smallest failing
    input: no other run has it), its runs line as it was."""
    runs, _, messages = section.partition(b"\n")
    at = len(runs) + 1
    for examples, _, _ in json.loads(runs):
        lengths = [length for length, _, _ in examples]
        at += sum(lengths)
        section = flipped(section, at - lengths[-1] // 2)
    return section


def damaged(data):
    """Each a way the file can be damaged where DAMAGED's section lies: a byte of the
    index, of the section's runs or of its last example changed, or the file cut short
    within the section; and each run's last example changed, with the section's and the
    index's checksums made to match."""
    checksum, index, body = data.split(b"\n", 2)
    sections = json.loads(index)
    start, length, _ = sections[f"{PART}/{DAMAGED}"]
    section_at = len(checksum) + len(index) + 2 + start
    runs_end = section_at + body[start:].index(b"\n")
    section = last_examples_changed(body[start:start + length])
    sections[f"{PART}/{DAMAGED}"][2] = mistake_runs._sha256(section)
    index = json.dumps(sections, sort_keys=True).encode()
    return {
        "index": flipped(data, len(checksum) + 5),
        "the section's runs": flipped(data, runs_end - 5),
        "an example": flipped(data, section_at + length - 10),
        "cut short": data[:section_at + length // 2],
        "examples changed, checksums matching": b"\n".join([mistake_runs._sha256(index).encode(), index,
                                                             body[:start] + section + body[start + length:]]),
    }


@pytest.mark.parametrize("damage", ["index", "the section's runs", "an example", "cut short",
                                    "examples changed, checksums matching"])
def test_a_damaged_file_changes_no_grade(settings, with_file, hypothesis_runs, plain_folder, recorded, capsys, damage):
    """Found damaged when read, not when walked: no NotExact, no warning."""
    path, _ = with_file
    path.write_bytes(damaged(recorded)[damage])
    [override] = overrides(["fold-shifts-last-layer"])
    tests = graded(plain_folder, settings, override)
    assert DAMAGED in hypothesis_runs  # what was damaged is not used: hypothesis ran
    assert capsys.readouterr().err == "" and replay.replaying()
    assert_same_tests(tests, plain(plain_folder, settings, override))


def test_offered_runs_that_disagree_with_the_tree_are_left_out(settings):
    """Offered runs join a property's tree in turn, each only if it agrees with the tree as
    it then is: here one that does (a new outcome of the first example, where it ends),
    between one whose first example is not the reference's first and one that goes on
    where the one before it ended."""
    prop = next(p for p in graded_properties(settings) if p.name == "threshold")
    key = (prop.part, prop.name, settings.course_secret, settings.max_examples)
    with replay.fresh_trees():
        reference = replay.record_reference(prop, settings.course_secret, settings.max_examples)
        inputs, digest, outcome = reference.examples[0]
        other_first = replay.Run(key, ((inputs, "0" * 16, outcome),), replay.Ending(True))
        ends = replay.Run(key, ((inputs, digest, "ValueError()"),), replay.Ending(False, ("its note",)))
        goes_on = replay.Run(key, ((inputs, digest, "ValueError()"), (inputs, digest, replay.PASSED)), replay.Ending(True))
        replay.offer_runs(key, lambda: [other_first, ends, goes_on])
        assert replay._take_offered(key) is True
        root = replay._TREES.roots[key]
        assert root.digest == digest and set(root.after) == {outcome, "ValueError()"}
        assert root.after["ValueError()"] == ends.ending
        assert replay._take_offered(key) is False  # taken once


@pytest.mark.slow
def test_the_file_is_the_same_bytes_however_the_mistakes_were_recorded(settings, recorded):
    """The mistakes in the reverse order, so that each grader process meets others first
    and records other runs: the same runs in all, each once, the same bytes."""
    assert recorded_bytes(settings, RECORDED[::-1], jobs=2) == recorded
    assert settings.course_secret.encode() not in recorded
