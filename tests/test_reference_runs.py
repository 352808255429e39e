"""The reference's recorded runs kept on disk (engine/reference_runs.py): the file holds
exactly the runs a fresh recording makes, a damaged file is recorded again and never
trusted, and a warm cache changes no student's results."""
import dataclasses
import subprocess
import sys

import pytest

from autograder.config import COURSE_ROOT
from autograder.engine import reference_runs, replay
from autograder.engine.shared_runs import pack_runs, unpack_runs
from autograder.grader import build_reference_cache, grade_path, graded_properties
from autograder.results import gradescope_results


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder of the course's."""
    monkeypatch.setattr(reference_runs, "CACHE_FOLDER", tmp_path / ".grading_cache")
    return tmp_path / ".grading_cache"


@pytest.fixture
def recordings(monkeypatch):
    """The properties whose reference run is recorded from now on, in order."""
    recorded, record = [], replay.record_reference
    monkeypatch.setattr(replay, "record_reference", lambda prop, *args: recorded.append(prop.name) or record(prop, *args))
    return recorded


def fresh_recording(settings):
    """The reference's runs, recorded now in a process that had none."""
    with replay.fresh_trees():
        return [replay.record_reference(prop, settings.course_secret, settings.max_examples)
                for prop in graded_properties(settings)]


def freshly_recorded_file(settings, path):
    """The bytes of a cache file written at `path` from a fresh recording."""
    reference_runs.write_reference_runs(path, fresh_recording(settings))
    return path.read_bytes()


def start_in_a_new_process(settings):
    """What a new grader process does before its first submission; the runs it then has."""
    with replay.fresh_trees():
        replay.start_sharing()
        reference_runs.start_reference_runs(graded_properties(settings), settings)
        return replay.take_recorded()


def test_the_file_holds_exactly_the_runs_a_fresh_recording_makes(settings, cache, recordings):
    fresh = fresh_recording(settings)
    start_in_a_new_process(settings)  # no file yet: records and writes it
    [written] = cache.iterdir()
    recordings.clear()
    read = start_in_a_new_process(settings)
    assert recordings == []  # read from the file, not recorded
    assert pack_runs(read) == pack_runs(fresh)
    assert settings.course_secret.encode() not in written.read_bytes()


def test_building_the_cache_writes_what_a_fresh_recording_makes_in_a_process_that_has_the_runs(settings, cache, tmp_path):
    with replay.fresh_trees():
        reference_runs.start_reference_runs(graded_properties(settings), settings)  # this process has them
        for path in cache.iterdir():
            path.unlink()
        built = build_reference_cache(settings)  # `make release`, the Gradescope zip
    assert built.parent == cache
    assert built.read_bytes() == freshly_recorded_file(settings, tmp_path / "fresh.bin")


def corrupted(data, body):
    """Each a way the file can be damaged: its checksum, then its runs, made not to hold."""
    checksum, _, packed = data.partition(b"\n")
    failing = pack_runs([replay.Run(run.key, run.examples, replay.Ending(True)) if index else
                         replay.Run(run.key, (*run.examples[:-1], (*run.examples[-1][:2], "ValueError()")), run.ending)
                         for index, run in enumerate(unpack_runs(packed))])
    return {
        "truncated": data[:len(data) // 2],
        "a byte changed": data[:-10] + bytes([data[-10] ^ 1]) + data[-9:],
        "empty": b"",
        "a run missing, checksum matching": body(pack_runs(unpack_runs(packed)[1:])),
        "a failed example, checksum matching": body(failing),
    }


@pytest.mark.parametrize("damage", ["truncated", "a byte changed", "empty", "a run missing, checksum matching",
                                    "a failed example, checksum matching"])
def test_a_damaged_file_is_recorded_again_never_trusted(settings, cache, recordings, damage):
    start_in_a_new_process(settings)
    [path] = cache.iterdir()
    intact = path.read_bytes()
    path.write_bytes(corrupted(intact, lambda packed: reference_runs._checksum(packed) + b"\n" + packed)[damage])
    recordings.clear()
    start_in_a_new_process(settings)
    assert recordings == [prop.name for prop in graded_properties(settings)]
    assert path.read_bytes() == intact  # written again


def results_without_timing(path, settings):
    """results.json as a student gets it, without what the machine's speed decides, graded
    as by a new grader process."""
    with replay.fresh_trees():
        return results_without_timing_in_this_process(path, settings)


def results_without_timing_in_this_process(path, settings):
    results = gradescope_results(grade_path(path, settings))
    del results["execution_time"], results["extra_data"]["worker_peak_mb"]
    return results


@pytest.mark.parametrize("student", ["ada", "eve"])  # a correct submission, a wrong one
def test_a_warm_cache_changes_no_results(settings, cache, recordings, student):
    submission = COURSE_ROOT / "sample_class" / student / "convnets.ipynb"
    cold = results_without_timing(submission, settings)
    assert len(recordings) == len(graded_properties(settings)) and any(cache.iterdir())
    recordings.clear()
    warm = results_without_timing(submission, settings)
    assert recordings == []
    assert warm == cold


def test_runs_this_process_would_not_draw_are_dropped_with_one_warning_and_the_grades_stay_right(settings, cache, capsys):
    """A file whose runs are whole and intact but drawn otherwise (here: under another secret,
    stored where this one's go) passes every check of the file; a correct submission walks
    its examples and passes, a wrong one leaves them and hypothesis draws its own (NotExact).
    The grader then grades again by plain hypothesis, and so every later submission, and
    removes the file: the next grader records the runs again."""
    wrong = [COURSE_ROOT / "sample_class" / student / "convnets.ipynb" for student in ("eve", "dev")]
    right = [results_without_timing(path, settings) for path in wrong]
    other_secret = dataclasses.replace(settings, course_secret=settings.course_secret + "-another")
    reference_runs.write_reference_runs(reference_runs.cache_file(settings), fresh_recording(other_secret))
    capsys.readouterr()
    with replay.fresh_trees():
        graded = [results_without_timing_in_this_process(path, settings) for path in wrong]
        assert not replay.replaying()
    assert graded == right
    [warning] = capsys.readouterr().err.splitlines()
    assert warning.startswith("warning: hypothesis drew another example than the recorded run") and ".grading_cache/" in warning
    assert not reference_runs.cache_file(settings).exists()
    start_in_a_new_process(settings)
    assert reference_runs.cache_file(settings).read_bytes() == freshly_recorded_file(settings, cache.parent / "fresh.bin")


def test_a_correct_submission_replayed_from_the_file_is_graded_without_importing_hypothesis(settings, tmp_path):
    """hypothesis is imported only when a property runs under it (properties/lazy_hypothesis.py):
    `grade` of a correct submission, the reference's runs read from the file, never does."""
    build_reference_cache(settings)  # the file, as `make release` leaves it
    script = ("import sys; from autograder.console import main; status = main(sys.argv[1:]); "
              "print('hypothesis imported:', 'hypothesis' in sys.modules); sys.exit(status)")
    graded = subprocess.run([sys.executable, "-c", script, "grade", str(COURSE_ROOT / "sample_class" / "ada" / "convnets.ipynb"),
                             "--output", str(tmp_path / "results.json")], cwd=COURSE_ROOT, capture_output=True, text=True)
    assert graded.returncode == 0, graded.stderr
    assert graded.stdout.splitlines()[-2:] == ["Points 130/130", "hypothesis imported: False"]
