"""What naming the misconception costs: `grade` with the diagnosis against without it.

    .venv/bin/python benchmarks/diagnosis.py [--rounds 3]

Grades the same submissions both ways, alternating which goes first: the sample class and
one notebook per catalogued mistake (each fails in its own part, so each pays for a
diagnosis). Every grading is its own process, with the reference's recorded runs warm on
disk, as `grade` runs in a course; the time is the grading's own (`GradeReport.seconds`:
the worker, the submission's cells, every property), not the interpreter's start.
"Without" is the grader with the diagnosis taken out: no example is recorded for it
(`observing`) and no failure is compared with the catalogue (`diagnose`). Both ways must
give every submission the same score; the ratio of the summed times is printed, and the
submissions whose own ratio is largest.
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.audit.catalogue import CATALOGUE  # noqa: E402
from autograder.config import SAMPLE_CLASS, load_settings  # noqa: E402
from autograder.reference import notebook_json, solved_notebook  # noqa: E402

WAYS = ("with", "without")


def submissions(folder):
    """{name: path}: the sample class's notebooks and one per catalogued mistake."""
    paths = {f"sample:{path.parent.name}": path for path in sorted(Path(SAMPLE_CLASS).glob("*/*.ipynb"))}
    for entry in CATALOGUE:
        if entry.is_mistake:
            path = Path(folder) / f"{entry.name}.ipynb"
            path.write_text(notebook_json(solved_notebook(entry.override)))
            paths[entry.name] = path
    return paths


def grade_once(way, path):
    """(seconds, score) of one grading of `path` in a new process, `way` "with" or "without"."""
    out = subprocess.run([sys.executable, __file__, "--child", way, str(path)], capture_output=True, text=True, check=True)
    seconds, score = json.loads(out.stdout)
    return seconds, score


def child(way, path):
    """Grade `path` in this process and print [seconds, score]."""
    from autograder.engine import runner
    from autograder.grader import grade_path
    if way == "without":
        runner.observing = lambda prop, student, tried: prop
        runner.diagnose = lambda prop, tried: None
    report = grade_path(path, load_settings())
    print(json.dumps([report.seconds, sum(test.score for test in report.tests)]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="gradings of each submission each way (default 3)")
    parser.add_argument("--child", nargs=2, metavar=("WAY", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    with tempfile.TemporaryDirectory(prefix="diagnosis-benchmark-") as folder:
        paths = submissions(folder)
        times = {name: {way: [] for way in WAYS} for name in paths}
        scores = {name: {way: set() for way in WAYS} for name in paths}
        for round_number in range(args.rounds):
            for i, (name, path) in enumerate(paths.items()):
                order = WAYS if (round_number + i) % 2 == 0 else WAYS[::-1]
                for way in order:
                    seconds, score = grade_once(way, path)
                    times[name][way].append(seconds)
                    scores[name][way].add(score)
            print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)
    differing = [name for name in paths if scores[name]["with"] != scores[name]["without"] or len(scores[name]["with"]) != 1]
    if differing:
        sys.exit(f"scores differ with and without the diagnosis: {', '.join(differing)}")
    median = {name: {way: statistics.median(times[name][way]) for way in WAYS} for name in paths}
    total = {way: sum(median[name][way] for name in paths) for way in WAYS}
    print(f"{len(paths)} submissions, {args.rounds} rounds each way, medians summed:")
    print(f"  without the diagnosis {total['without']:.2f} s, with it {total['with']:.2f} s: "
          f"ratio {total['with'] / total['without']:.3f}")
    ratios = sorted(((median[name]["with"] / median[name]["without"], name) for name in paths), reverse=True)
    print("  largest ratios: " + ", ".join(f"{name} {ratio:.2f}" for ratio, name in ratios[:5]))


if __name__ == "__main__":
    main()
