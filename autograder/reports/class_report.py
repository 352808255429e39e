"""The instructor's report: one self-contained HTML page for a graded class.

Read from a grade-class output folder (`<student>/results.json`, Gradescope's format):
the students the run could not grade and why (its grades.csv), the score histogram,
each property's failure rate, the most common mistakes with their smallest
counterexample, the misconceptions the grader diagnosed (engine/diagnosis.py), per part,
with their students, and the grading time per submission. Plots are drawn
with matplotlib and embedded as PNG data, so the page is a single file to mail or
attach to a CI run. Its tables also come as Markdown, for a CI job summary.
"""
import base64
import html
import io
import statistics
from collections import Counter
from pathlib import Path

from ..config import ASSIGNMENT
from ..files import write_atomically
from ..results import ScoreRow, class_results, lost_points, max_score
from .grades_csv import read_not_graded
from .table import score_statistics as row_statistics

COUNTEREXAMPLE = "Smallest failing input:"


class NoResults(Exception):
    """The folder holds no <student>/results.json."""


def read_class(folder):
    """{student: results} for every <student>/results.json under `folder`."""
    found = class_results(folder)
    if not found:
        raise NoResults(f"{folder} has no <student>/results.json; run grade-class with --output-dir {folder} first")
    unreadable = [str(path) for _, path, results in found if results is None]
    if unreadable:
        raise NoResults(f"not a results file: {', '.join(unreadable)}")
    return {student: results for student, _, results in found}


def common_mistakes(students, top=10):
    """[(count, test name, what failed, smallest counterexample)], most common first.
    Shrinking is deterministic, so students with the same mistake get the same message."""
    counts = Counter()
    for results in students.values():
        for test in results["tests"]:
            if lost_points(test):
                counts[(test["name"], *_failure_and_example(test["output"]))] += 1
    return [(count, *key) for key, count in counts.most_common(top)]


def misconceptions(students):
    """[(misconception, part, [students])], the most common first: each student once per
    misconception and part, however many of its properties the misconception failed."""
    groups = {}
    for student, results in sorted(students.items()):
        for told in results.get("extra_data", {}).get("misconceptions", []):
            who = groups.setdefault((told["misconception"], told["part"]), [])
            if student not in who:
                who.append(student)
    return sorted(((label, part, who) for (label, part), who in groups.items()), key=lambda row: -len(row[2]))


MISCONCEPTIONS_HEADER = ["misconception", "part", "students", "who"]


def _misconception_rows(students):
    return [[label, part, str(len(who)), ", ".join(who)] for label, part, who in misconceptions(students)]


def failure_rates(students):
    """{test name: fraction of students who lost its points}, in grading order."""
    names = [t["name"] for t in next(iter(students.values()))["tests"]]
    lost = Counter(t["name"] for r in students.values() for t in r["tests"] if lost_points(t))
    return {name: lost[name] / len(students) for name in names}


def score_statistics(students):
    """[[part or "total", mean/max, median, how many at full marks, how many at zero]]."""
    return row_statistics([ScoreRow.of(student, results) for student, results in students.items()])


STATISTICS_HEADER = ["", "mean", "median", "full marks", "zero"]


def class_report_html(students, title=ASSIGNMENT, not_graded=None):
    """The page; not_graded: {student: reason} of the students the run could not grade."""
    scores = [r["score"] for r in students.values()]
    maximum = max(map(max_score, students.values()))
    seconds = [r.get("execution_time", 0.0) for r in students.values()]
    rates = failure_rates(students)
    sections = [
        f"<h1>{html.escape(title)}: {len(students)} submissions</h1>",
        *_not_graded_html(not_graded or {}),
        _table(STATISTICS_HEADER, score_statistics(students)),
        "<h2>Scores</h2>", _figure(_histogram(scores, "total score", range(0, int(maximum) + 6, 5)), "score histogram"),
        "<h2>Failure rate of each property</h2>", _figure(_bars(rates), "failure rate of each property"),
        "<h2>Most common mistakes</h2>",
        _table(["students", "property", "what failed", "smallest counterexample"],
               [[str(n), name, failure, example] for n, name, failure, example in common_mistakes(students)],
               preformatted=[3]),
        "<h2>Misconceptions</h2>",
        _table(MISCONCEPTIONS_HEADER, _misconception_rows(students)),
        "<h2>Grading time per submission</h2>",
        f"<p>median {statistics.median(seconds):.2f} s, slowest {max(seconds):.2f} s, "
        f"{sum(seconds):.0f} s in all (one worker's time; grade-class runs several at once).</p>",
        _figure(_histogram(seconds, "seconds", 20), "grading time histogram"),
    ]
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)} report</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(sections) + "\n</body></html>\n")


def _not_graded_html(not_graded):
    if not not_graded:
        return []
    return [f"<h2>Not graded: {len(not_graded)} students</h2>",
            _table(["student", "why"], [[student, not_graded[student]] for student in sorted(not_graded)])]


def _not_graded_markdown(not_graded):
    if not not_graded:
        return []
    return [f"### Not graded: {len(not_graded)} students", "", "| student | why |", "|---|---|",
            *(f"| {_markdown_cell(student)} | {_markdown_cell(not_graded[student])} |" for student in sorted(not_graded)),
            ""]


def class_report_markdown(students, title=ASSIGNMENT, top=5, not_graded=None):
    """The report's tables in Markdown, for a CI job summary (no plots)."""
    lines = [f"## {title}: {len(students)} submissions", "", *_not_graded_markdown(not_graded or {}),
             "| " + " | ".join(STATISTICS_HEADER) + " |",
             "|---|---:|---:|---:|---:|", *("| " + " | ".join(row) + " |" for row in score_statistics(students)),
             "", "### Most common mistakes", "", "| students | property | what failed |", "|---:|---|---|"]
    lines += [f"| {n} | {name} | {_markdown_cell(failure)} |" for n, name, failure, _ in common_mistakes(students, top)]
    lines += ["", "### Misconceptions", "", "| " + " | ".join(MISCONCEPTIONS_HEADER) + " |", "|---|---|---:|---|"]
    lines += ["| " + " | ".join(_markdown_cell(cell) for cell in row) + " |" for row in _misconception_rows(students)]
    return "\n".join(lines) + "\n"


def _markdown_cell(text):
    """Text in a Markdown table's cell, shown as it is: no HTML or entity of it rendered
    (`&#47;` would show a student's `Points 130&#47;130` as GitHub Classroom's line), its
    pipes escaped rather than changed (a '/' would do the same to `Points 130|130`)."""
    return html.escape(text, quote=False).replace("|", "\\|")


def write_class_report(folder, output=None, title=ASSIGNMENT, markdown=None):
    """Write the HTML report for the grade-class output `folder` (and the Markdown one
    to `markdown`, if given); returns where the HTML went."""
    students, not_graded = read_class(folder), read_not_graded(folder)
    output = Path(output) if output else Path(folder) / "report.html"
    write_atomically(output, class_report_html(students, title, not_graded))
    if markdown:
        write_atomically(markdown, class_report_markdown(students, title, not_graded=not_graded))
    return output


STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
         "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;"
         "text-align:left;vertical-align:top}pre{margin:0;font-size:.85em}img{max-width:100%}")


def _failure_and_example(output):
    failed = next((line[len("FAILED: "):] for line in output.splitlines() if line.startswith("FAILED: ")), output)
    example = output.split(COUNTEREXAMPLE, 1)[1].strip() if COUNTEREXAMPLE in output else ""
    return failed, example


def _table(header, rows, preformatted=()):
    """An HTML table of text cells; the columns in `preformatted` keep their line breaks."""
    def cell(column, value):
        text = html.escape(value)
        return f"<td><pre>{text}</pre></td>" if column in preformatted else f"<td>{text}</td>"

    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(cell(i, v) for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _histogram(values, label, bins):
    figure, axes = _new_figure()
    axes.hist(values, bins=bins, color="#4477aa", edgecolor="white")
    axes.set_xlabel(label)
    axes.set_ylabel("submissions")
    return figure


def _bars(rates):
    figure, axes = _new_figure(height=0.28 * len(rates) + 1)
    names = list(rates)[::-1]
    axes.barh(names, [rates[n] * 100 for n in names], color="#cc6677")
    axes.set_xlabel("% of students who lost the property's points")
    axes.set_xlim(0, 100)
    return figure


def _new_figure(height=3.0):
    import matplotlib

    matplotlib.use("Agg")  # no screen: draw to memory
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(8, height), layout="constrained")
    return figure, axes


def _figure(figure, description):
    from matplotlib import pyplot

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    pyplot.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(description)}" src="data:image/png;base64,{data}">'
