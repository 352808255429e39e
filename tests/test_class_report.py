"""`python -m autograder report`: the instructor's HTML page for a graded class, checked
for its numbers and, in a real headless Chromium, for loading with every image drawn
and nothing on the console."""
import html
import json
import re
import shutil
import subprocess
import sys

import pytest

from autograder.config import COURSE_ROOT
from autograder.audit.catalogue import CATALOGUE
from autograder.release import ROSTER
from autograder.reports.class_report import common_mistakes, failure_rates, misconceptions, read_class, score_statistics

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Appended to a copy of the page: after loading, record whether each image decoded and
# every error the page raised, where --dump-dom can read them.
PROBE = """<script>
const problems = [];
window.addEventListener("error", e => problems.push(e.message || "failed to load " + (e.target.src || "").slice(0, 40)), true);
const consoleError = console.error;
console.error = (...args) => { problems.push(args.join(" ")); consoleError(...args); };
window.addEventListener("load", () => {
  document.body.dataset.images = JSON.stringify([...document.images].map(i => i.complete && i.naturalWidth > 0));
  document.body.dataset.problems = JSON.stringify(problems);
});
</script>"""


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    output = tmp_path_factory.mktemp("class-report")
    run = subprocess.run([sys.executable, "-m", "autograder", "grade-class", "sample_class", "--output-dir", str(output)],
                         cwd=COURSE_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return output


@pytest.fixture(scope="module")
def report(graded_class):
    run = subprocess.run([sys.executable, "-m", "autograder", "report", str(graded_class), "--markdown",
                          str(graded_class / "summary.md")], cwd=COURSE_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return graded_class / "report.html"


@pytest.mark.slow
def test_failure_rates_and_common_mistakes_count_students(graded_class):
    students = read_class(graded_class)
    assert len(students) == 6
    # the sample class scores 130, 0, 120, 125, 93, 130 (autograder/release.py's ROSTER)
    assert score_statistics(students)[0] == ["total", "99.7/130", "122.5", "2", "1"]
    rates = failure_rates(students)
    assert len(rates) == 21
    for name, rate in rates.items():
        lost = sum(any(t["name"] == name and t["score"] < t["max_score"] for t in r["tests"]) for r in students.values())
        assert rate == lost / 6
    count, name, failure, example = common_mistakes(students)[0]
    assert count == sum(any(t["name"] == name and failure in t["output"] for t in r["tests"]) for r in students.values())
    assert example.startswith(name.split(": ")[1].replace("-", "_") + "(")


@pytest.mark.slow
def test_report_is_one_self_contained_page(report):
    page = report.read_text()
    assert page.startswith("<!DOCTYPE html>") and "6 submissions" in page
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', page)) == 3
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing to fetch
    assert "Most common mistakes" in page and "smallest counterexample" in page


@pytest.mark.slow
def test_markdown_summary_has_the_same_tables(report, graded_class):
    summary = (graded_class / "summary.md").read_text()
    students = read_class(graded_class)
    assert summary.startswith("## convnets: 6 submissions")
    for row in score_statistics(students):
        assert "| " + " | ".join(row) + " |" in summary
    count, name, failure, _ = common_mistakes(students)[0]
    assert f"| {count} | {name} | {failure} |" in summary


def test_students_are_grouped_by_the_misconception_they_handed_in(report, graded_class):
    """The sample class: cleo, dev and eve each hand in one catalogued mistake."""
    entries = {entry.name: entry for entry in CATALOGUE}
    handed_in = {student: entries[name] for student, name in ROSTER.items() if name in entries and entries[name].is_mistake}
    rows = misconceptions(read_class(graded_class))
    told = {(student, label, part) for label, part, who in rows for student in who}
    # each under its own misconception, in its own part at least (eve's fold_biases is graded again in part 4)
    assert {(student, entry.because.label, entry.part) for student, entry in handed_in.items()} <= told
    assert {(student, label) for student, label, _ in told} == {(s, e.because.label) for s, e in handed_in.items()}
    page, summary = report.read_text(), (graded_class / "summary.md").read_text()
    assert "<h2>Misconceptions</h2>" in page and "### Misconceptions" in summary
    for label, part, who in rows:
        assert len(who) == 1
        assert f"<td>{html.escape(label)}</td><td>{part}</td><td>1</td><td>{who[0]}</td>" in page
        assert f"| {label} | {part} | 1 | {who[0]} |" in summary


def test_report_on_a_folder_without_results_says_what_to_do(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "report", str(tmp_path)], cwd=COURSE_ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 2 and "has no <student>/results.json; run grade-class" in run.stdout


def render(page, scratch):
    """Load `page` in headless Chromium: ([image decoded?], [problems on the page or console])."""
    probed = scratch / f"probed-{page.name}"
    probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          f"--user-data-dir={scratch / 'chromium-profile'}", "--enable-logging=stderr", "--v=0",
                          "--virtual-time-budget=10000", "--dump-dom", probed.as_uri()],
                         capture_output=True, text=True, timeout=120)
    images = re.search(r'data-images="([^"]*)"', run.stdout)
    problems = re.search(r'data-problems="([^"]*)"', run.stdout)
    assert images and problems, run.stdout[-2000:] + run.stderr[-2000:]
    unescape = lambda text: json.loads(text.replace("&quot;", '"'))  # noqa: E731
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return unescape(images.group(1)), unescape(problems.group(1)) + console


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium here (Debian: apt-get install chromium; .ci/run installs it)")
def test_report_renders_in_headless_chromium(report, tmp_path):
    images, problems = render(report, tmp_path)
    assert images == [True, True, True] and problems == []


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium here (Debian: apt-get install chromium; .ci/run installs it)")
def test_the_browser_check_sees_a_broken_page(tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text('<!DOCTYPE html><html><body><img src="data:image/png;base64,AAAA">'
                      '<script>console.error("boom")</script></body></html>')
    images, problems = render(broken, tmp_path)
    assert images == [False] and any("boom" in p for p in problems)
