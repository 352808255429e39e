"""The results record: a student's results.json, in Gradescope's format (top-level score,
one test per property, tagged with its part).

Written and read here only. Gradescope reads it as it is; class runs resume from it,
`merge` copies it, the gradebook and grades.csv take its scores, and every report
(reports/) is rendered from it.
"""
import json
from pathlib import Path

from .files import write_atomically


def gradescope_results(report):
    """The results as Gradescope's autograder specification lays them out."""
    return {
        "score": report.score,
        "execution_time": report.seconds,
        "output": "\n".join(report.notes) if report.notes else "All parts were graded.",
        "extra_data": {"sandbox_protections": report.protections, "worker_peak_mb": round(report.worker_peak_mb, 1)},
        "tests": [
            {
                "name": f"{test.part}: {test.name}",
                "score": test.score,
                "max_score": test.max_score,
                "tags": [test.part],
                "status": "passed" if test.score == test.max_score else "failed",
                "output": test.output,
                "visibility": test.visibility,
            }
            for test in report.tests
        ],
    }


def part_scores(results, key="score"):
    """{part: points} from a results dict, each test counted in the part of its tag;
    key="max_score" gives each part's maximum."""
    scores = {}
    for test in results["tests"]:
        scores[test["tags"][0]] = round(scores.get(test["tags"][0], 0.0) + test[key], 6)
    return scores


def lost_points(test):
    return test["score"] < test["max_score"]


def max_score(results):
    return round(sum(t["max_score"] for t in results["tests"]), 6)


def write_results(results, path):
    write_atomically(path, json.dumps(results, indent=2) + "\n")


def read_results(path):
    """The results in `path`, or None if it is missing or not JSON."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def class_results(folder):
    """[(student, path, results or None)] for every <student>/results.json in `folder`."""
    return [(path.parent.name, path, read_results(path)) for path in sorted(Path(folder).glob("*/results.json"))]
