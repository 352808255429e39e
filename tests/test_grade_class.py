"""`grade-class` and `merge` on the sample class: the same grades as grading each
submission alone, however the class is split, stopped or run again; and whatever goes
wrong for one student costs that student alone, until a rerun grades them."""
import csv
import dataclasses
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml

from autograder.class_grading.progress import Progress
from autograder.class_grading.roster import find_submissions
from autograder.class_grading.run import grade_class
from autograder.config import COURSE_ROOT, PART_NAMES, load_settings
from autograder.grader import grade_path
from autograder.nbgrader_bridge.course import new_course, open_gradebook
from autograder.nbgrader_bridge.gradebook import recorded_part_scores
from autograder.reference import solved_module
from autograder.results import part_scores
from tests.security.host import descendants, still_running

pytestmark = pytest.mark.slow  # class runs

SAMPLE_CLASS = COURSE_ROOT / "sample_class"
STUDENTS = sorted(p.name for p in SAMPLE_CLASS.iterdir())


@pytest.fixture(autouse=True)
def few_examples(monkeypatch):
    """The orchestration is under test here, not the suites: ten examples per property."""
    monkeypatch.setenv("CONVNETS_MAX_EXAMPLES", "10")


def autograder(*args, check=True, cpus=None):
    """`python -m autograder ARGS`; cpus: the only CPUs it may run on (as taskset sets them)."""
    run = subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True, text=True,
                         preexec_fn=cpus and (lambda: os.sched_setaffinity(0, cpus)))
    assert not check or run.returncode == 0, run.stdout + run.stderr
    return run


def read_csv(folder):
    return (folder / "grades.csv").read_text()


def not_graded_in_csv(folder):
    """{student: reason} of grades.csv's rows, "" for a student graded."""
    with open(folder / "grades.csv", newline="") as stream:
        return {row["student_id"]: row["not_graded"] for row in csv.DictReader(stream)}


def results_of(folder):
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(folder.glob("*/results.json"))}


@pytest.fixture(scope="module")
def expected():
    """Each sample student graded alone by `grade`'s own function, part by part."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONVNETS_MAX_EXAMPLES", "10")
        settings = load_settings()
        return {s: {p: grade_path(SAMPLE_CLASS / s / "convnets.ipynb", settings).part_score(p) for p in PART_NAMES}
                for s in STUDENTS}


def test_a_class_run_grades_like_grading_each_alone_and_a_rerun_grades_nothing(tmp_path, expected):
    run = autograder("grade-class", SAMPLE_CLASS, "--output-dir", tmp_path, "--workers", 2)
    results = results_of(tmp_path)
    assert {s: part_scores(r) for s, r in results.items()} == expected
    lines = read_csv(tmp_path).splitlines()
    assert lines[0] == "student_id," + ",".join(PART_NAMES) + ",score,max_score,not_graded"
    assert [line.split(",")[0] for line in lines[1:]] == STUDENTS
    assert f"[{len(STUDENTS)}/{len(STUDENTS)}]" in run.stderr and "mean" in run.stdout

    before = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/results.json")}
    rerun = autograder("grade-class", SAMPLE_CLASS, "--output-dir", tmp_path)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/results.json")} == before
    assert "[" not in rerun.stderr  # nothing graded, nothing to show
    forced = autograder("grade-class", SAMPLE_CLASS, "--output-dir", tmp_path, "--force")
    assert f"[{len(STUDENTS)}/{len(STUDENTS)}]" in forced.stderr


def test_by_default_a_class_run_has_a_grader_for_each_cpu_it_may_run_on(tmp_path):
    """taskset, or a container's cpuset, leaves a run fewer CPUs than the machine has
    (os.cpu_count() would count them all): as many graders as it may use."""
    (tmp_path / "class" / "ben").mkdir(parents=True)
    shutil.copy(SAMPLE_CLASS / "ben" / "convnets.ipynb", tmp_path / "class" / "ben")
    run = autograder("grade-class", tmp_path / "class", "--output-dir", tmp_path / "out", cpus={min(os.sched_getaffinity(0))})
    assert " with 1 workers into " in run.stdout.splitlines()[0]


def test_shards_merged_give_the_grades_of_one_run(tmp_path, expected):
    for k in (1, 2, 3):
        autograder("grade-class", SAMPLE_CLASS, "--output-dir", tmp_path / f"shard-{k}", "--shard", f"{k}/3")
    shards = [results_of(tmp_path / f"shard-{k}") for k in (1, 2, 3)]
    assert sorted(s for shard in shards for s in shard) == STUDENTS  # each student in exactly one shard
    autograder("merge", *(tmp_path / f"shard-{k}" for k in (1, 2, 3)), "--output-dir", tmp_path / "merged")
    merged = results_of(tmp_path / "merged")
    assert {s: part_scores(r) for s, r in merged.items()} == expected
    assert read_csv(tmp_path / "merged").splitlines()[1:] == [
        f"{s},{','.join(f'{expected[s][p]:g}' for p in PART_NAMES)},{sum(expected[s].values()):g},130," for s in STUDENTS]


def test_a_run_killed_midway_then_rerun_has_every_grade_once(tmp_path, expected):
    output = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade-class", str(SAMPLE_CLASS), "--output-dir", str(output), "--workers", "1"]
    run = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while len(list(output.glob("*/results.json"))) < 2:
        assert run.poll() is None, "grade-class finished before it could be interrupted"
        time.sleep(0.01)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    graded_before = len(list(output.glob("*/results.json")))
    assert 2 <= graded_before < len(STUDENTS)

    rerun = autograder("grade-class", SAMPLE_CLASS, "--output-dir", output)
    progress = [line for line in rerun.stderr.splitlines() if not line.startswith("warning: COURSE_SECRET")]
    assert len(progress) == len(STUDENTS) - graded_before  # one progress line per student left
    assert {s: part_scores(r) for s, r in results_of(output).items()} == expected
    assert [line.split(",")[0] for line in read_csv(output).splitlines()[1:]] == STUDENTS


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_run_whose_own_process_is_killed_leaves_no_process_behind(tmp_path, how):
    """`kill` of grade-class's process alone, not its group (an instructor's `kill PID`, a
    job runner's SIGTERM): its graders, their sandbox templates and workers, and
    multiprocessing's helpers end with it, rather than wait forever for the next student."""
    output = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade-class", str(SAMPLE_CLASS), "--output-dir", str(output), "--workers", "2"]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not list(output.glob("*/results.json")):
        assert run.poll() is None, "grade-class finished before it could be killed"
        time.sleep(0.01)
    started = descendants(run.pid)
    assert len(started) >= 4  # multiprocessing's forkserver and resource tracker, two graders (and their templates)
    run.send_signal(how)
    run.wait()
    assert still_running(started) == []


def sample_course(root):
    """A scratch nbgrader course at `root` whose submitted/ holds the sample class."""
    course = new_course(root)
    for student in STUDENTS:
        folder = course / "submitted" / student / "convnets"
        folder.mkdir(parents=True)
        shutil.copy(SAMPLE_CLASS / student / "convnets.ipynb", folder)
    return course


def test_in_nbgrader_layout_the_gradebook_gets_the_scores(tmp_path, expected):
    course = sample_course(tmp_path / "course")
    autograder("grade-class", course / "submitted", "--output-dir", tmp_path / "out")
    with open_gradebook(course) as gradebook:
        for student in STUDENTS:
            scores = recorded_part_scores(gradebook, student)
            assert scores == expected[student]
            notebook = gradebook.find_submission_notebook("convnets", "convnets", student)
            manual = [g for g in notebook.grades if g.name.startswith("answer-")]
            assert all(g.needs_manual_grade for g in manual)


def test_bad_folders_and_shards_are_clear_errors(tmp_path):
    run = autograder("grade-class", tmp_path / "nowhere", check=False)
    assert run.returncode == 2 and "not a folder" in run.stdout
    run = autograder("grade-class", tmp_path, check=False)
    assert run.returncode == 2 and "no <student>/convnets" in run.stdout
    run = autograder("grade-class", SAMPLE_CLASS, "--shard", "4/3", check=False)
    assert run.returncode == 2 and "--shard" in run.stdout


def test_a_gradebook_that_is_no_database_stops_the_run_before_any_grading(tmp_path):
    submitted = tmp_path / "course" / "submitted" / STUDENTS[0] / "convnets"
    submitted.mkdir(parents=True)
    shutil.copy(SAMPLE_CLASS / STUDENTS[0] / "convnets.ipynb", submitted)
    (tmp_path / "course" / "gradebook.db").write_text("not a database")
    run = autograder("grade-class", tmp_path / "course" / "submitted", "--output-dir", tmp_path / "out", check=False)
    assert run.returncode == 2 and "gradebook.db cannot be read as a gradebook" in run.stdout, run.stdout + run.stderr
    assert not (tmp_path / "out").exists()
    run = autograder("merge", tmp_path / "elsewhere", "--output-dir", tmp_path / "merged", "--course", tmp_path / "course",
                     check=False)
    assert run.returncode == 2 and "cannot be read as a gradebook" in run.stdout, run.stdout + run.stderr


def test_a_merge_into_a_gradebook_keeps_when_each_was_handed_in(tmp_path):
    for student in STUDENTS[:2]:
        shutil.copytree(SAMPLE_CLASS / student, tmp_path / "class" / student)
        (tmp_path / "class" / student / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    autograder("grade-class", tmp_path / "class", "--output-dir", tmp_path / "shard", "--shard", "1/1")
    course = new_course(tmp_path / "course")
    autograder("merge", tmp_path / "shard", "--output-dir", tmp_path / "merged", "--course", course)
    with open_gradebook(course) as gradebook:
        for student in STUDENTS[:2]:
            submitted = gradebook.find_submission("convnets", student).timestamp
            assert submitted is not None and submitted.isoformat().startswith("2026-11-20T10:00:00")


# grade-class with tests/crashing_grader.py's faulty grade_one in its grader processes
FAULTY_RUN = ("import sys; from autograder.class_grading import run; from tests.crashing_grader import faulty_grade_one; "
              "run.grade_one = faulty_grade_one; from autograder.cli import main; sys.exit(main())")


def not_graded(run):
    """{student: reason} of the error lines a class run printed at its end."""
    lines = [line.removeprefix("error: ") for line in run.stdout.splitlines() if ": not graded: " in line]
    return dict(line.split(": not graded: ", 1) for line in lines)


def test_a_grader_that_crashes_raises_or_hands_back_junk_costs_only_its_student(tmp_path, expected):
    from tests.crashing_grader import FAULTS

    run = subprocess.run([sys.executable, "-c", FAULTY_RUN, "grade-class", SAMPLE_CLASS, "--output-dir", tmp_path,
                          "--workers", "2"], cwd=COURSE_ROOT, capture_output=True, text=True)
    assert run.returncode == 1, run.stdout + run.stderr
    graded = [s for s in STUDENTS if s not in FAULTS]
    assert {s: part_scores(r) for s, r in results_of(tmp_path).items()} == {s: expected[s] for s in graded}
    reasons = not_graded(run)
    assert reasons.keys() == FAULTS.keys(), run.stdout + run.stderr
    assert not_graded_in_csv(tmp_path) == {**dict.fromkeys(graded, ""), **reasons}  # every student, with the reason
    assert reasons["ben"] == "its grader process crashed while grading it"
    assert reasons["dev"] == "its grading failed (RuntimeError: the grader broke)"
    assert reasons["finn"].startswith("the results could not be recorded (TypeError: ")

    rerun = autograder("grade-class", SAMPLE_CLASS, "--output-dir", tmp_path)  # graders that work: exit status 0
    progress = [line for line in rerun.stderr.splitlines() if not line.startswith("warning: COURSE_SECRET")]
    assert len(progress) == len(FAULTS)  # exactly the students not graded before
    assert {s: part_scores(r) for s, r in results_of(tmp_path).items()} == expected


def test_bad_metadata_or_results_that_cannot_be_written_or_read_cost_only_their_student(tmp_path, expected):
    course = sample_course(tmp_path / "course")
    (course / "submitted" / "ada" / "convnets" / "timestamp.txt").write_text("handed in late\x1b[2J")
    (course / "submitted" / "ben" / "convnets" / "timestamp.txt").write_bytes(b"\xff\xfe not text")
    (course / "submitted" / "eve" / "convnets" / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    output = tmp_path / "out"
    (output / "dev").mkdir(parents=True)
    (output / "cleo").write_text("a file where cleo's folder should be")  # results that cannot be written
    (output / "dev" / "results.json").write_text('{"extra_data": 5}')  # nor read back: dev is graded again
    run = autograder("grade-class", course / "submitted", "--output-dir", output, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    reasons = not_graded(run)
    assert reasons.keys() == {"ada", "ben", "cleo"}, run.stdout + run.stderr
    assert reasons["ada"].startswith("the results could not be recorded (BadTimestamp: the timestamp.txt holds no time "
                                     "('handed in late\\x1b[2J': ")  # the student's text, escaped
    assert reasons["ben"].startswith("the results could not be recorded (UnreadableMetadata: ")
    assert reasons["ben"].endswith("ben/convnets/timestamp.txt cannot be read (UnicodeDecodeError))")
    assert reasons["cleo"].startswith("the results could not be recorded (FileExistsError: ")
    graded = ["dev", "eve", "finn"]
    assert {s: part_scores(r) for s, r in results_of(output).items()} == {s: expected[s] for s in graded}
    assert not_graded_in_csv(output) == {**dict.fromkeys(graded, ""), **reasons}
    with open_gradebook(course) as gradebook:
        assert {s: recorded_part_scores(gradebook, s) for s in graded} == {s: expected[s] for s in graded}
        assert {s.id for s in gradebook.students} == {*graded, "cleo"}  # cleo's results reached the gradebook only

    (course / "submitted" / "ada" / "convnets" / "timestamp.txt").write_text("2026-11-20 11:00:00.000000 UTC")
    (output / "cleo").unlink()
    rerun = autograder("grade-class", course / "submitted", "--output-dir", output, check=False)
    assert rerun.returncode == 1 and not_graded(rerun).keys() == {"ben"}
    progress = [line for line in rerun.stderr.splitlines() if not line.startswith("warning: COURSE_SECRET")]
    assert len(progress) == 3  # ada, ben and cleo: the others are done
    assert {s: part_scores(r) for s, r in results_of(output).items()} == {s: expected[s] for s in STUDENTS if s != "ben"}


def test_a_merge_records_every_student_it_can(tmp_path):
    course = new_course(tmp_path / "course")
    shard = tmp_path / "shard"
    students = {"ada": (PART_NAMES, "no time at all"), "amy": ([*PART_NAMES, "no-such-part"], None),
                "ben": (PART_NAMES, "2026-11-20 10:00:00.000000 UTC")}
    for student, (parts, timestamp) in students.items():
        (shard / student).mkdir(parents=True)
        results = {"score": 10.0 * len(parts), "extra_data": {"timestamp": timestamp},
                   "tests": [{"name": f"{part}: p", "tags": [part], "score": 10.0,
                              "max_score": load_settings().part_points.get(part, 10.0)} for part in parts]}
        (shard / student / "results.json").write_text(json.dumps(results))
    (shard / "cleo").mkdir()
    (shard / "cleo" / "results.json").write_text('{"tests": 5}')
    run = autograder("merge", shard, "--output-dir", tmp_path / "merged", "--course", course, check=False)
    assert run.returncode == 1 and not_graded(run).keys() == {"ada", "amy", "cleo"}, run.stdout + run.stderr
    assert results_of(tmp_path / "merged").keys() == {"ben"}
    with open_gradebook(course) as gradebook:
        assert recorded_part_scores(gradebook, "ben") == dict.fromkeys(PART_NAMES, 10.0)
        assert recorded_part_scores(gradebook, "amy") == dict.fromkeys(PART_NAMES, 0.0)  # nothing half-written


def odd_class(root):
    """A class folder as students hand it in: near-miss names, two notebooks, none."""
    files = {"ada": ["convnets.ipynb"], "ben": ["Convnets.ipynb"], "cleo": ["convnets (1).ipynb"],
             "dev": ["convnets-Copy1.ipynb"], "eve": ["homework 4.ipynb"], "finn": ["convnets.ipynb", "scratch.ipynb"],
             "gus": ["a.ipynb", "b.ipynb"], "hal": ["notes.txt"], "ivy": [], "jo": ["Convnets.py", "graph_figure.py"]}
    for student, names in files.items():
        (root / student).mkdir(parents=True)
        for name in names:
            shutil.copy(SAMPLE_CLASS / "ada" / "convnets.ipynb", root / student / name)
    (root / "jo" / "Convnets.py").write_text(solved_module())
    (root / ".ipynb_checkpoints").mkdir()  # not a student
    return root


def test_every_student_folder_is_graded_or_refused_with_the_reason(tmp_path, expected):
    output = tmp_path / "out"
    run = autograder("grade-class", odd_class(tmp_path / "class"), "--output-dir", output, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    taken = [line for line in run.stdout.splitlines() if ": took " in line]
    assert taken == ["ben: took Convnets.ipynb (expected convnets.ipynb)",
                     "cleo: took convnets (1).ipynb (expected convnets.ipynb)",
                     "dev: took convnets-Copy1.ipynb (expected convnets.ipynb)",
                     "eve: took homework 4.ipynb (expected convnets.ipynb)",
                     "finn: took convnets.ipynb (also there: scratch.ipynb)",
                     "jo: took Convnets.py (expected convnets.py)"]
    refused = {"gus": "2 notebooks (a.ipynb, b.ipynb); expected one convnets.ipynb",
               "hal": "no convnets.ipynb or convnets.py (notes.txt)",
               "ivy": "no convnets.ipynb or convnets.py (the folder is empty)"}
    assert not_graded(run) == refused
    graded = ["ada", "ben", "cleo", "dev", "eve", "finn", "jo"]
    full = {p: load_settings().part_points[p] for p in PART_NAMES}
    assert {s: part_scores(r) for s, r in results_of(output).items()} == {s: expected["ada"] for s in graded[:-1]} | {"jo": full}
    assert not_graded_in_csv(output) == {**dict.fromkeys(graded, ""), **refused}
    autograder("report", output, "--markdown", tmp_path / "summary.md")
    summary, page = (tmp_path / "summary.md").read_text(), (output / "report.html").read_text()
    for student, reason in refused.items():
        assert f"| {student} | {reason} |" in summary and f"<td>{student}</td><td>{reason}</td>" in page


def write_results(folder, student, seconds=1.0, peak=50.0, score=10.0):
    (folder / student).mkdir(parents=True, exist_ok=True)
    results = {"score": score, "execution_time": seconds, "extra_data": {"worker_peak_mb": peak, "grader_peak_mb": peak},
               "tests": [{"name": f"{part}: p", "tags": [part], "score": score / 4,
                          "max_score": load_settings().part_points[part]} for part in PART_NAMES]}
    (folder / student / "results.json").write_text(json.dumps(results))


def test_merge_refuses_a_missing_or_empty_input(tmp_path):
    write_results(tmp_path / "shard", "ada")
    (tmp_path / "empty").mkdir()
    for missing, reason in [(tmp_path / "nowhere", "is not a folder"), (tmp_path / "empty", "holds no grades.csv and no <student>/results.json")]:
        run = autograder("merge", tmp_path / "shard", missing, "--output-dir", tmp_path / "merged", check=False)
        assert run.returncode == 2 and f"error: {missing} {reason}" in run.stdout, run.stdout + run.stderr
        assert not (tmp_path / "merged").exists()


def test_merge_takes_two_runs_that_differ_only_in_timing_and_keeps_who_was_not_graded(tmp_path):
    write_results(tmp_path / "a", "ada", seconds=1.0, peak=50.0)
    write_results(tmp_path / "b", "ada", seconds=2.5, peak=61.2)
    (tmp_path / "b" / "grades.csv").write_text("student_id,score,not_graded\nada,,a grader crashed\nben,,2 notebooks\n")
    run = autograder("merge", tmp_path / "a", tmp_path / "b", "--output-dir", tmp_path / "merged", check=False)
    assert run.returncode == 1 and not_graded(run) == {"ben": "2 notebooks"}, run.stdout + run.stderr
    assert not_graded_in_csv(tmp_path / "merged") == {"ada": "", "ben": "2 notebooks"}  # ada was graded by a
    write_results(tmp_path / "c", "ada", score=5.0)
    run = autograder("merge", tmp_path / "a", tmp_path / "c", "--output-dir", tmp_path / "merged-2", check=False)
    assert run.returncode == 2 and "ada has different results in two outputs" in run.stdout


def test_the_graders_grade_with_the_settings_the_run_was_given(tmp_path, settings):
    """The run's fingerprint names its settings, so its grader processes must grade with
    them, not with course_config.py read again (here: conv-folding left out)."""
    without_conv = dataclasses.replace(settings, part_points={**settings.part_points, "conv-folding": 0.0})
    ada = [entry for entry in find_submissions(SAMPLE_CLASS).entries if entry.student == "ada"]
    grade_class(ada, tmp_path, without_conv, workers=1)
    graded = json.loads((tmp_path / "ada" / "results.json").read_text())
    assert part_scores(graded) == {part: settings.part_points[part] for part in PART_NAMES if part != "conv-folding"}


class Terminal(io.StringIO):
    """Captured output that says it is a terminal, so Progress draws its bar into it."""

    def isatty(self):
        return True


def test_a_resumed_run_counts_the_students_graded_before_to_the_end(tmp_path):
    """ada graded by an earlier run, ben now: the bar ends at 2/2 and 100%, and so do
    the lines shown where there is no terminal."""
    settings = load_settings()
    entries = [entry for entry in find_submissions(SAMPLE_CLASS).entries if entry.student in ("ada", "ben")]
    grade_class(entries[:1], tmp_path, settings, workers=1)
    for stream, done in [(Terminal(), "100%"), (io.StringIO(), "[2/2] ben ")]:
        (tmp_path / "ben" / "results.json").unlink(missing_ok=True)
        progress = Progress(len(entries), stream=stream)
        grade_class(entries, tmp_path, settings, workers=1, progress=progress)
        progress.close()
        last = stream.getvalue().replace("\r", "\n").splitlines()[-1]  # the bar as left, or the last line
        assert "2/2" in last and done in last, stream.getvalue()


GRADE_CLASS_WORKFLOW = COURSE_ROOT / "examples" / "github-actions" / "grade-class.yml"


def sudo_that_runs_as_is(folder):
    """A folder for PATH with a `sudo` for the test: this process is the privileged user already."""
    folder.mkdir()
    sudo = folder / "sudo"
    sudo.write_text('#!/bin/sh\n[ "$1" = -E ] && shift\nexec "$@"\n')
    sudo.chmod(0o755)
    return folder


@pytest.mark.slow
def test_the_class_workflow_leaves_its_shard_readable_by_the_upload_step(tmp_path):
    """The grade step runs as root; the upload step, as another user, must read every file."""
    steps = {step.get("name") or step.get("uses"): step for step in
             yaml.safe_load(GRADE_CLASS_WORKFLOW.read_text())["jobs"]["grade"]["steps"]}
    script = steps["grade one shard"]["run"].replace("${{ matrix.shard }}", "1")
    assert steps["actions/upload-artifact@v4"]["with"]["path"].replace("${{ matrix.shard }}", "1") == "shard-1"
    (tmp_path / ".venv").symlink_to(COURSE_ROOT / ".venv")
    shutil.copytree(SAMPLE_CLASS / "cleo", tmp_path / "submitted" / "cleo" / "convnets")  # cleo is in shard 1/4
    path = f"{sudo_that_runs_as_is(tmp_path / 'bin')}:{os.environ['PATH']}"
    subprocess.run(["bash", "-c", f"umask 077\n{script}"], cwd=tmp_path, check=True, capture_output=True,
                   env={**os.environ, "PATH": path, "CONVNETS_COURSE_SECRET": "test secret"})
    written = list((tmp_path / "shard-1").rglob("*"))
    assert (tmp_path / "shard-1" / "cleo" / "results.json") in written
    for item in written:
        needed = 0o005 if item.is_dir() else 0o004  # others may traverse folders and read files
        assert item.stat().st_mode & needed == needed, f"{item} is {oct(item.stat().st_mode)}"
