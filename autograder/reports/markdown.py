"""Markdown for people reading CI: GitHub Actions' job summary, a pull request comment.

`Points X/Y` is the line GitHub Classroom's reporter looks for; the summary starts with it.
"""
from ..config import ASSIGNMENT, PART_NAMES
from ..results import lost_points, max_score, part_scores


def points_line(results):
    """`Points 85/100`: the total score as GitHub Classroom reads it."""
    return f"Points {results['score']:g}/{max_score(results):g}"


def markdown_summary(results, title=ASSIGNMENT):
    """One submission: the points line, a table of parts, then each failed property's feedback."""
    scores, maxima = part_scores(results), part_scores(results, "max_score")
    lines = [f"## {title}: {results['score']:g}/{max_score(results):g} points", "", points_line(results), "",
             "| part | points | properties passed |", "|---|---:|---:|"]
    for part in PART_NAMES:
        tests = [t for t in results["tests"] if t["tags"][0] == part]
        passed = sum(not lost_points(t) for t in tests)
        lines.append(f"| {part} | {scores.get(part, 0):g}/{maxima.get(part, 0):g} | {passed}/{len(tests)} |")
    failed = [t for t in results["tests"] if lost_points(t)]
    if failed:
        lines += ["", "### What failed", ""]
        for test in failed:
            lines += [f"<details><summary>{test['name']} ({test['score']:g}/{test['max_score']:g})</summary>", "",
                      "```text", test["output"].replace("```", "'''"), "```", "", "</details>", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
