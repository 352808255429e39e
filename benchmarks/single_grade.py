"""`python -m autograder grade` of one submission, as Gradescope, GitHub Classroom and CI
run it (a process per submission): this code, cold and warm, against another revision.

    .venv/bin/python benchmarks/single_grade.py [--rounds 5] [--baseline REVISION]

Makes two scratch course folders (course_config.py, solutions/, assignment/), one for
this code and one for --baseline's, and copies of the package: this code's (the working
tree's) compiled, as an install compiles it (pip, Gradescope's setup.sh), and again not
compiled; the baseline's (`git archive`) compiled. Every process runs with
PYTHONDONTWRITEBYTECODE=1, so none of them changes what is compiled. Then, in each round,
it grades the same notebooks in turn, the order rotated from round to round, each a
process of its own, timed from start to exit (wall):

- ada (correct), this code, cold: the course's reference runs cache removed first;
- ada and eve (a catalogued mistake, shrinks its counterexamples), this code, warm;
- eve, this code, warm, in a third course whose .grading_cache/ also holds the catalogued
  mistakes' recorded runs, as `make release` leaves it (engine/mistake_runs.py), recorded
  by a copy of the package in another folder, as the Gradescope zip's are (released in the
  course's folder, graded from /autograder/source); and so with the baseline's code;
- ada, this code not compiled, warm: what each submission's process pays where the
  package's bytecode is not kept (a fresh container, a read-only or bytecode-less install);
- ada and eve, the baseline's code, warm;
- this code's imports alone (`python -c "import autograder.cli, autograder.grader"`): the
  floor under any `grade` process, which imports them before it looks at the notebook.

It prints each variant's best and median and the ratios between them, all from this one
run: the machine's load changes absolute times between runs (see benchmarks/README.md),
much less their ratios. Every run must give the notebook its known score.
"""
import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CLASS = ROOT / "sample_class"
SCORES = {"ada": "Points 130/130", "eve": "Points 93/130"}  # the last line `grade` prints
COURSE_FILES = ("course_config.py", "solutions", "assignment")
NO_BYTECODE_WRITTEN = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}


def scratch_course(folder):
    """A course folder of its own: the course's files, no cache yet."""
    for name in COURSE_FILES:
        source, target = ROOT / name, folder / name
        shutil.copytree(source, target) if source.is_dir() else shutil.copy(source, target)
    return folder


def with_mistake_runs(code, course):
    """`course` with the catalogued mistakes' runs recorded into its cache by `code`."""
    record = "from autograder.config import load_settings; from autograder.engine.mistake_runs import record_mistake_runs; " \
             "record_mistake_runs(load_settings())"
    subprocess.run([sys.executable, "-c", record], cwd=code, check=True, env={**NO_BYTECODE_WRITTEN, "CONVNETS_COURSE_ROOT": str(course)})
    return course


def exported_package(revision, folder):
    """`revision`'s autograder package, unpacked into `folder` (run from there, it is the
    one `python -m autograder` imports) and compiled."""
    archive = subprocess.run(["git", "archive", revision, "autograder"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return compiled(folder)


def working_tree_package(folder):
    """This code's autograder package, as it is in the working tree, copied into `folder`
    without its bytecode."""
    shutil.copytree(ROOT / "autograder", folder / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def compiled(folder):
    """`folder` with its autograder package compiled, as pip and Gradescope's setup.sh leave it."""
    if not compileall.compile_dir(folder / "autograder", quiet=1):
        raise SystemExit(f"{folder}: the package does not compile")
    return folder


def fork_point():
    """The commit this branch started from on main (main itself on main)."""
    return subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()[:10]


def timed_grade(code, course, student, output):
    """Seconds of one `grade` process run from `code`'s folder on `student`'s notebook."""
    command = [sys.executable, "-m", "autograder", "--course", str(course), "grade",
               str(SAMPLE_CLASS / student / "convnets.ipynb"), "--output", str(output)]
    started = time.perf_counter()
    run = subprocess.run(command, cwd=code, capture_output=True, text=True, env=NO_BYTECODE_WRITTEN)
    seconds = time.perf_counter() - started
    lines = run.stdout.strip().splitlines()
    if run.returncode != 0 or not lines or lines[-1] != SCORES[student]:
        raise SystemExit(f"{student} from {code}: unexpected result\n{run.stdout}\n{run.stderr}")
    return seconds


def timed_imports(code, course):
    """Seconds of a process of `code`'s folder that imports what `grade` imports, and exits."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import autograder.cli, autograder.grader"], cwd=code, check=True,
                   env={**NO_BYTECODE_WRITTEN, "CONVNETS_COURSE_ROOT": str(course)})
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", help="the revision compared with (default: where this branch left main)")
    args = parser.parse_args()
    args.baseline = args.baseline or fork_point()
    scratch = Path(tempfile.mkdtemp(prefix="single-grade-", dir=ROOT / "benchmarks"))
    try:
        for folder in ("course", "mistakes-course", "baseline-course", "baseline-mistakes-course", "baseline",
                       "baseline-recorder", "code", "source"):
            (scratch / folder).mkdir()
        course = scratch_course(scratch / "course")
        ours = (compiled(working_tree_package(scratch / "code")), course)  # (the code's folder, its course)
        ours_not_compiled = (working_tree_package(scratch / "source"), course)
        theirs = (exported_package(args.baseline, scratch / "baseline"), scratch_course(scratch / "baseline-course"))
        recorded = (ours[0], with_mistake_runs(ours_not_compiled[0], scratch_course(scratch / "mistakes-course")))
        theirs_recorded = (theirs[0], with_mistake_runs(exported_package(args.baseline, scratch / "baseline-recorder"),
                                                        scratch_course(scratch / "baseline-mistakes-course")))
        output = scratch / "results.json"
        variants = {  # name: (code and course, student, cold)
            "ada, cold": (ours, "ada", True),
            "ada, warm": (ours, "ada", False),
            "eve, warm": (ours, "eve", False),
            "eve, warm, mistakes' runs": (recorded, "eve", False),
            "ada, warm, not compiled": (ours_not_compiled, "ada", False),
            f"ada, warm, {args.baseline}": (theirs, "ada", False),
            f"eve, warm, {args.baseline}": (theirs, "eve", False),
            f"eve, warm, mistakes' runs, {args.baseline}": (theirs_recorded, "eve", False),
            "imports only": (ours, None, False),
        }
        for (code, course), student, _ in variants.values():  # each course's cache file, before any timing
            if student:
                timed_grade(code, course, student, output)
        times = {name: [] for name in variants}
        names = list(variants)
        for round_ in range(args.rounds):
            for name in names[round_ % len(names):] + names[:round_ % len(names)]:
                (code, course), student, cold = variants[name]
                if cold:
                    shutil.rmtree(course / ".grading_cache")
                times[name].append(timed_grade(code, course, student, output) if student else timed_imports(code, course))
                if cold:  # the warm runs after it find the cache again
                    timed_grade(code, course, student, output)
        report(times, args.baseline, os.getloadavg())
    finally:
        shutil.rmtree(scratch)


def report(times, baseline, load):
    """Each variant's best and median, then the ratios the issue asks for."""
    print(f"{len(next(iter(times.values())))} rounds; load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for name, seconds in times.items():
        print(f"  {name:<36} best {min(seconds):.3f} s  median {statistics.median(seconds):.3f} s")
    median = {name: statistics.median(seconds) for name, seconds in times.items()}
    print(f"ada cold / warm (this code):              {median['ada, cold'] / median['ada, warm']:.2f}x")
    print(f"ada warm, not compiled / compiled:        {median['ada, warm, not compiled'] / median['ada, warm']:.2f}x")
    for student in ("ada", "eve"):
        print(f"{student} warm, {baseline} / this code:{' ' * max(1, 18 - len(baseline))}"
              f"{median[f'{student}, warm, {baseline}'] / median[f'{student}, warm']:.2f}x")
    recorded, theirs = median["eve, warm, mistakes' runs"], median[f"eve, warm, mistakes' runs, {baseline}"]
    print(f"eve warm, without / with the mistakes' runs: {median['eve, warm'] / recorded:.2f}x")
    print(f"eve warm with the mistakes' runs, {baseline} / this code: {theirs / recorded:.2f}x")
    print(f"goals: ada warm < 0.3 s: {median['ada, warm']:.3f} s; eve warm < 1 s: {median['eve, warm']:.3f} s, "
          f"with the mistakes' runs {recorded:.3f} s (medians)")
    print(f"imports alone / ada warm:                 {median['imports only'] / median['ada, warm']:.2f}")


if __name__ == "__main__":
    main()
