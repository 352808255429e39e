"""The results record: a student's results.json, in Gradescope's format (top-level score,
one test per property, tagged with its part).

Written and read here only. Gradescope reads it as it is; class runs resume from it
(its "graded" stamp: which submission, graded which way), `merge` copies it, the
gradebook and grades.csv take its scores (ScoreRow), and every report (reports/) is
rendered from it.
"""
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .files import write_atomically

RESULTS_FILE = "results.json"  # a class output holds <student>/results.json
FINGERPRINTED = ("properties", "engine", "sandbox", "grader.py", "submission.py")  # what decides a score


def gradescope_results(report):
    """The results as Gradescope's autograder specification lays them out."""
    return {
        "score": report.score,
        "execution_time": report.seconds,
        "output": "\n".join(report.notes) if report.notes else "All parts were graded.",
        "extra_data": {"sandbox_protections": report.protections, "worker_peak_mb": round(report.worker_peak_mb, 1),
                       "misconceptions": misconceptions(report)},
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


def misconceptions(report):
    """[{"test", "part", "misconception", "explained_by"}]: each failed test a catalogued
    mistake explains, its misconception and the catalogue entries that have it."""
    return [{"test": f"{test.part}: {test.name}", "part": test.part, "misconception": test.misconception,
             "explained_by": list(test.explained_by)}
            for test in report.tests if test.misconception]


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


@dataclass(frozen=True)
class ScoreRow:
    """What a class run keeps of a student's results: a few numbers, not the feedback."""
    student: str
    parts: dict
    parts_max: dict
    score: float
    max_score: float

    @classmethod
    def of(cls, student, results):
        return cls(student, part_scores(results), part_scores(results, key="max_score"), results["score"], max_score(results))


def write_results(results, path):
    write_atomically(path, json.dumps(results, indent=2) + "\n")


def read_results(path):
    """The results in `path`, or None if it is missing or not JSON."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def student_results_path(folder, student):
    """Where the class output `folder` keeps `student`'s results."""
    return Path(folder) / student / RESULTS_FILE


def class_results(folder):
    """[(student, path, results or None)] for every <student>/results.json in `folder`."""
    return [(path.parent.name, path, read_results(path)) for path in sorted(Path(folder).glob(f"*/{RESULTS_FILE}"))]


def stamp_graded(results, digest, fingerprint):
    """Mark `results` as the grading of the submission whose submission_digest is `digest`,
    by the grading whose grading_fingerprint is `fingerprint` (what graded_before looks for)."""
    results["extra_data"]["graded"] = [digest, fingerprint]


def graded_before(path, student, digest, fingerprint):
    """The ScoreRow of the results in `path` if they graded this very submission the
    same way, else None: missing, unreadable or malformed results mean grading again."""
    previous = read_results(path)
    try:
        if previous["extra_data"]["graded"] == [digest, fingerprint]:
            return ScoreRow.of(student, previous)
    except (LookupError, TypeError, ValueError, AttributeError):
        pass
    return None


def submission_digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def grading_fingerprint(settings):
    """Changes whenever a score could: the suites, the sandbox, the grader or a setting
    (the course secret enters only as its own digest)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for name in FINGERPRINTED:
        for source in sorted((package / name).rglob("*.py")) if (package / name).is_dir() else [package / name]:
            digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    visible = dict(asdict(settings), course_secret=hashlib.sha256(settings.course_secret.encode()).hexdigest())
    digest.update(json.dumps(visible, sort_keys=True).encode())
    return digest.hexdigest()[:16]
