"""Student text in the grader's output: whatever student code raises, warns or writes to
stderr reaches the terminal, a CI log and every report only escaped, defused and capped."""
import html
import json
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import nbformat
import pytest

from autograder.config import COURSE_ROOT
from autograder.reference import notebook_json, solved_notebook
from autograder.reports.class_report import class_report_markdown
from autograder.sandbox.client import SandboxedSubmission
from autograder.sandbox.remote import StudentError
from autograder.sandbox.student_text import student_text

from .attacks import ATTACKS

FORGED = "\nPoints 130/130\n::error::x\n  ::add-mask::y\n##[set-output name=s;]1\n\x1b[2J\x1b[31mred\r\x00]]>\ud800\u2028"
POINTS = re.compile(r"points\W*[\d.]+\s*/\s*[\d.]", re.IGNORECASE)


def forged_lines(text):
    """The lines of `text` a terminal, a CI runner or GitHub Classroom would act on: a
    control character (but the newline), a workflow command, a `Points X/Y`."""
    return [line for line in text.split("\n")
            if not line.isprintable() or line.lstrip().startswith("::") or "##[" in line or POINTS.search(line)]


@pytest.fixture(autouse=True)
def few_examples(monkeypatch):
    monkeypatch.setenv("CONVNETS_MAX_EXAMPLES", "10")


def test_student_text_escapes_defuses_and_caps():
    safe = student_text(FORGED, 1000)
    assert forged_lines(safe) == []
    assert "\\x1b[2J" in safe and "\\r" in safe and "\\x00" in safe and "\\ud800" in safe and "\\u2028" in safe
    assert "> ::error::x" in safe and "Points 130 of 130" in safe  # still readable
    assert student_text("a\tb\nc", 100) == "a\\tb\nc"
    assert student_text("x" * 5000, 100) == "x" * 100 + " [...]"
    assert len(student_text("\x00" * 5000, 100)) <= 100 + len(" [...]")  # the escapes are capped too
    honest = "ValueError: shapes (3,) and (4,) not aligned\n  File \"cell 3\", line 2, in fold_biases"
    assert student_text(honest, 1000) == honest
    assert student_text(safe, 1000) == safe


def test_error_records_from_the_worker_are_student_text():
    error = StudentError({"type": "Value\x1bError", "classes": ["Value\x1bError", FORGED], "message": FORGED,
                          "traceback": "::warning::" + "t" * 10000})
    assert forged_lines(str(error)) == []
    assert len(error.record["traceback"]) < 4100
    assert forged_lines("\n".join(error.record["classes"])) == [] and "\x1b" not in error.record["classes"][0]


def test_a_worker_killed_by_any_signal_gets_a_reason(settings):
    submission = SandboxedSubmission(settings)
    submission.process = StoppedWorker(-40)
    assert submission._death_reason(EOFError()) == "worker crashed: signal 40"
    submission.process = StoppedWorker(-11)
    assert submission._death_reason(EOFError()) == "worker crashed: segmentation fault (SIGSEGV)"


def test_a_worker_s_last_words_on_stderr_are_student_text(settings):
    submission = SandboxedSubmission(settings)
    with tempfile.TemporaryFile() as stderr:
        stderr.write(FORGED.encode(errors="surrogatepass"))
        submission.process, submission.stderr = StoppedWorker(1), stderr
        reason = submission._death_reason(EOFError())
    assert reason.startswith("worker exited with status 1: ") and forged_lines(reason) == []


def test_the_class_summary_shows_a_failure_as_written_not_as_markdown_would_render_it():
    failed = {"name": "bias-folding: threshold", "tags": ["bias-folding"], "score": 0.0, "max_score": 10.0,
              "output": "threshold\nFAILED: your code raised ValueError: Points 130|130, Points 1&#47;1 <b>x</b>"}
    summary = class_report_markdown({"ada": {"score": 0.0, "tests": [failed]}})
    rendered = html.unescape(summary).replace("\\|", "|")  # what GitHub shows of the table
    assert forged_lines(summary) == [] and forged_lines(rendered) == []
    assert "Points 130\\|130, Points 1&amp;#47;1 &lt;b&gt;x&lt;/b&gt;" in summary


class StoppedWorker:
    """A stand-in for a worker that has ended with `code`."""

    def __init__(self, code):
        self.code = code
        self.out_of_memory = False  # ended by a signal, not by its memory cgroup

    def wait(self, timeout):
        return self.code


@pytest.mark.slow
def test_grade_prints_and_writes_no_line_of_the_student_s(tmp_path, settings):
    """The red team's forged lines, and a warning shown as feedback, through every report."""
    attack = next(a for a in ATTACKS if a.name == "forged lines in error messages")
    notebook = solved_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(attack.code))
    notebook.cells.append(nbformat.v4.new_code_cell(
        f"import warnings\n_sigmoid_grad = sigmoid_grad\n"
        f"def sigmoid_grad(s):\n    warnings.warn({FORGED!r})\n    return _sigmoid_grad(s)\n"))
    (tmp_path / "convnets.ipynb").write_text(notebook_json(notebook))
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "convnets.ipynb"),
                          "--output", str(tmp_path / "results.json"), "--junit", str(tmp_path / "junit.xml"),
                          "--markdown", str(tmp_path / "summary.md")], cwd=COURSE_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    *printed, points = run.stdout.rstrip("\n").split("\n")
    assert points == f"Points {results['score']:g}/130" and results["score"] < 130
    feedback = "\n".join(t["output"] for t in results["tests"])
    assert forged_lines("\n".join(printed)) == []
    assert forged_lines(results["output"]) == [] and forged_lines(feedback) == []
    assert "note: cell" in run.stdout and "Points 130 of 130" in run.stdout  # the notes were printed, defused
    assert "emitted a warning" in feedback and "> ::error::x" in feedback
    junit = ET.parse(tmp_path / "junit.xml").getroot()  # well-formed
    assert forged_lines("\n".join(f.text + "\n" + f.get("message") for f in junit.iter("failure"))) == []
    summary = (tmp_path / "summary.md").read_text()
    assert forged_lines(summary.replace(f"\n{points}\n", "\n", 1)) == []
