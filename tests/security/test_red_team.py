"""The red team: every hostile submission in attacks.py, graded through the real entry
points, `python -m autograder grade` and `nbgrader autograde`, then all of them as one
class through `grade-class`.

For each attack: the attacked part scores 0 and the others keep full marks, the report
is complete, the grader finishes within the submission's time limit and in
GRADER_MEMORY_MB, it says why a worker died, and an honest submission graded right after
it gets full marks. After all of them: no process, file change or connection is left behind.

Submissions are graded two at a time (the machine's two cores): through `grade`, each
attack and then an honest submission as one item, the next item to the first free lane;
through nbgrader, one course per lane.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder.config import COURSE_ROOT, PART_NAMES, load_settings
from autograder.engine import replay
from autograder.engine.reference_runs import cache_file, start_reference_runs
from autograder.grader import property_points
from autograder.nbgrader_bridge.command import nbgrader
from autograder.nbgrader_bridge.course import new_course, open_gradebook
from autograder.nbgrader_bridge.gradebook import recorded_part_scores
from autograder.properties import properties_calling, properties_of
from autograder.reference import notebook_json, solved_notebook
from autograder.results import part_scores
from autograder.submission import RELEASED_NOTEBOOK

from .attacks import ATTACKS, HONEST
from .host import course_changes, host_state, leftover_workers
from .test_student_text import forged_lines

pytestmark = pytest.mark.slow  # every attack graded through grade, nbgrader and grade-class

LANES = 2
GRADER_MEMORY_MB = 200  # the most a grading process may need, whatever a worker replies
ALL_PROTECTIONS = {"separate process", "time limits", "resource limits", "no privilege escalation",
                   "unprivileged user", "no network", "private process tree", "hidden course files",
                   "private IPC and host name", "memory bound over the process tree"}


@dataclass
class Graded:
    part_scores: dict
    seconds: float
    feedback: str
    report: dict = None
    honest_after: dict = None
    printed: str = ""  # what `grade` printed


def student_id(attack):
    return "".join(c if c.isalnum() else "-" for c in attack.name.lower())


def hostile_notebook(attack, port, marker, released=RELEASED_NOTEBOOK):
    notebook = solved_notebook(released=released)
    code = attack.code.replace("{port}", str(port)).replace("{marker}", str(marker))
    notebook.cells.append(nbformat.v4.new_code_cell(code))
    tamper_with(notebook, attack.tamper)
    return notebook_json(notebook)


def honest_notebook(released=RELEASED_NOTEBOOK):
    notebook = solved_notebook(released=released)
    notebook.cells.append(nbformat.v4.new_code_cell(HONEST))
    return notebook_json(notebook)


def tamper_with(notebook, how):
    """A student's edits to nbgrader's own cells: the hidden test cell rewritten to print
    full marks with its points raised, or a new 'test' cell claiming 1000 points."""
    full_marks = nbformat.v4.new_output("execute_result", data={"text/plain": "1000.0"}, execution_count=1)
    if how == "rewrite test cell":
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "tests-bias-folding":
                cell.source = "1000.0"
                cell.metadata.nbgrader["points"] = 1000
                cell.outputs = [full_marks]
    elif how == "add grade cell":
        extra = nbformat.v4.new_code_cell("1000.0", outputs=[full_marks])
        extra.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 1000,
                                      "grade_id": "tests-extra", "schema_version": 3, "task": False}
        notebook.cells.append(extra)


def in_lanes(work, items):
    """Run work(item) for each item, LANES at a time (each lane takes the next item when
    it is free, so a slow attack holds up one lane only); results by item name."""
    with ThreadPoolExecutor(LANES) as pool:
        return dict(zip([item.name for item in items], pool.map(work, items)))


def grade_command(path, output):
    """`python -m autograder grade` as CI would run it; (results.json, seconds, what it printed)."""
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(path), "--output", str(output)],
                         capture_output=True, text=True, cwd=COURSE_ROOT)
    seconds = time.monotonic() - started
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(output.read_text()), seconds, run.stdout


# --- the two runs -------------------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def few_examples():
    """Ten examples per property: enough for every attack to fail (each answers wrongly on
    every input) and every honest part to pass; the audit tests the suites at full count."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONVNETS_MAX_EXAMPLES", "10")
        yield


@pytest.fixture(scope="module")
def listener():
    """A port on this machine an attack tries to reach; nothing may ever connect to it."""
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    yield server
    server.close()


@pytest.fixture(scope="module")
def marker():
    """A file in the grader's /tmp that only a successful attack would create."""
    return Path(tempfile.gettempdir()) / f"convnets-red-team-{os.getpid()}-pwned"


@pytest.fixture(scope="module")
def before(listener):
    """The host before the attacks: after the listener opened (its port is no leftover), and
    after the grader wrote the course's cache of the reference's runs for these settings
    (.grading_cache/, engine/reference_runs.py), so that grading only reads it: a change to
    its bytes during the attacks shows in test_nothing_is_left_behind (host.course_changes)."""
    settings = load_settings()
    with replay.fresh_trees():
        start_reference_runs([prop for prop, _ in property_points(settings)], settings)
    return host_state()


@pytest.fixture(scope="module")
def by_command(before, tmp_path_factory, listener, marker):
    """Every attack through `python -m autograder grade`, each followed by an honest one."""
    root = tmp_path_factory.mktemp("red-team-command")
    honest = root / "honest" / "convnets.ipynb"
    honest.parent.mkdir()
    honest.write_text(honest_notebook())

    def grade(attack):
        folder = root / student_id(attack)
        folder.mkdir()
        submission = folder / "convnets.ipynb"
        submission.write_text(hostile_notebook(attack, listener.getsockname()[1], marker))
        results, seconds, printed = grade_command(submission, folder / "results.json")
        honest_results, _, _ = grade_command(honest, folder / "honest-results.json")
        feedback = "\n".join([results["output"], *(t["output"] for t in results["tests"])])
        return Graded(part_scores(results), seconds, feedback, results, part_scores(honest_results), printed)

    return in_lanes(grade, ATTACKS)


@pytest.fixture(scope="module")
def by_nbgrader(by_command, tmp_path_factory, listener, marker):
    """Every attack as a student of a scratch nbgrader course (one course per lane), then an
    honest student autograded after the class."""

    def grade_class(lane):
        attacks, index = lane
        course = new_course(tmp_path_factory.mktemp(f"red-team-course-{index}"))
        released = course / "assignment" / "convnets" / "convnets.ipynb"
        for attack in attacks:
            submit(course, student_id(attack), hostile_notebook(attack, listener.getsockname()[1], marker, released))
        started = time.monotonic()
        nbgrader("autograde", "convnets", course_root=course, quiet=True, check=False)  # refuses "added grade cell"
        seconds = time.monotonic() - started
        submit(course, "zz-honest", honest_notebook(released))
        nbgrader("autograde", "convnets", "--student=zz-honest", course_root=course, quiet=True)
        with open_gradebook(course) as gradebook:
            honest = recorded_part_scores(gradebook, "zz-honest")
            return {a.name: Graded(recorded_part_scores(gradebook, student_id(a)), seconds,
                                   _nbgrader_feedback(course, student_id(a)), honest_after=honest) for a in attacks}

    lanes = [(ATTACKS[i::LANES], i) for i in range(LANES)]
    with ThreadPoolExecutor(LANES) as pool:
        finished = list(pool.map(grade_class, lanes))
    return {name: graded for outcomes in finished for name, graded in outcomes.items()}


@pytest.fixture(scope="module")
def by_class_run(by_nbgrader, tmp_path_factory, listener, marker):
    """Every attack and an honest student as one class through `grade-class`; (the run,
    its output folder). Whatever one student does, the others are graded."""
    folder = tmp_path_factory.mktemp("red-team-class")
    for name, text in [(student_id(a), hostile_notebook(a, listener.getsockname()[1], marker)) for a in ATTACKS]:
        (folder / name).mkdir()
        (folder / name / "convnets.ipynb").write_text(text)
    (folder / "zz-honest").mkdir()
    (folder / "zz-honest" / "convnets.ipynb").write_text(honest_notebook())
    output = tmp_path_factory.mktemp("red-team-class-results")
    run = subprocess.run([sys.executable, "-m", "autograder", "grade-class", str(folder), "--output-dir", str(output)],
                         capture_output=True, text=True, cwd=COURSE_ROOT)
    return run, output


def submit(course, student, text):
    folder = course / "submitted" / student / "convnets"
    folder.mkdir(parents=True)
    (folder / "convnets.ipynb").write_text(text)


def _nbgrader_feedback(course, student):
    autograded = course / "autograded" / student / "convnets" / "convnets.ipynb"
    if not autograded.exists():
        return ""
    cells = json.loads(autograded.read_text())["cells"]
    return "\n".join(output.get("text", "") if isinstance(output.get("text", ""), str) else "".join(output["text"])
                     for cell in cells for output in cell.get("outputs", []))


# --- the verdicts --------------------------------------------------------------------------

def expected_scores(attack, settings):
    """0 for every property of a part the attack breaks, and for every property elsewhere
    that calls a function it replaces (conv-folding grades fold_biases too); the rest full."""
    replaced = {name for part in attack.breaks for prop in properties_of(part) for name in prop.uses}
    broken = properties_calling(replaced)
    scores = dict.fromkeys(PART_NAMES, 0.0)
    for prop, points in property_points(settings):
        if prop.part not in attack.breaks and prop not in broken:
            scores[prop.part] = round(scores[prop.part] + points, 6)
    return scores


def full_marks(settings):
    return {part: settings.part_points[part] for part in PART_NAMES}


@pytest.mark.parametrize("attack", ATTACKS, ids=student_id)
def test_grade_command_withstands(attack, by_command, settings):
    graded = by_command[attack.name]
    assert graded.part_scores == expected_scores(attack, settings), graded.feedback[-3000:]
    assert [t["name"] for t in graded.report["tests"]] == [f"{p.part}: {p.name}" for p, _ in property_points(settings)]
    assert set(graded.report["extra_data"]["sandbox_protections"]) == ALL_PROTECTIONS
    assert graded.seconds < settings.submission_timeout
    assert graded.report["extra_data"]["worker_peak_mb"] <= settings.worker_memory_mb  # its children included
    assert graded.report["extra_data"]["grader_peak_mb"] < GRADER_MEMORY_MB
    assert attack.reason in graded.feedback
    assert graded.honest_after == full_marks(settings)
    *printed, points_line = graded.printed.rstrip("\n").split("\n")
    assert points_line == f"Points {graded.report['score']:g}/{sum(settings.part_points.values()):g}"
    assert forged_lines("\n".join(printed)) == [] and forged_lines(graded.feedback) == []


@pytest.mark.parametrize("attack", ATTACKS, ids=student_id)
def test_nbgrader_autograde_withstands(attack, by_nbgrader, settings):
    graded = by_nbgrader[attack.name]
    if attack.tamper == "add grade cell":  # nbgrader itself refuses the notebook: 0 in all, not autograded
        assert graded.part_scores == dict.fromkeys(PART_NAMES, 0.0) and graded.feedback == ""
    else:
        assert graded.part_scores == expected_scores(attack, settings), graded.feedback[-3000:]
        assert attack.reason in graded.feedback
    assert forged_lines(graded.feedback) == []
    assert graded.honest_after == full_marks(settings)


def test_a_class_of_attackers_is_graded_for_everyone(by_class_run, settings):
    run, output = by_class_run
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    for attack in ATTACKS:
        results = json.loads((output / student_id(attack) / "results.json").read_text())
        assert part_scores(results) == expected_scores(attack, settings), attack.name
        assert results["extra_data"]["grader_peak_mb"] < GRADER_MEMORY_MB, attack.name
    honest = json.loads((output / "zz-honest" / "results.json").read_text())
    assert part_scores(honest) == full_marks(settings)


def test_the_red_team_is_big_enough():
    families = {attack.family for attack in ATTACKS}
    assert len(ATTACKS) >= 30
    assert families >= {"fake values", "reaching into the grader", "runner control", "forged reports", "theft",
                        "damage", "resources", "unsafe deserialisation", "network"}


def test_nothing_is_left_behind(before, by_command, by_nbgrader, by_class_run, listener, marker):
    assert leftover_workers() == []
    after = host_state()
    assert course_changes(before["course"], after["course"], cache_file(load_settings())) == set()
    assert after["shared"] == before["shared"]
    assert after["listening"] == before["listening"]
    assert after["sysvipc"] == before["sysvipc"]
    assert after["cgroups"] == before["cgroups"] == []
    with pytest.raises(BlockingIOError):
        listener.accept()
    assert not marker.exists()
