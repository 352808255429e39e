"""Stock `nbgrader autograde` against `grade-class`, on the same generated classes.

    .venv/bin/python benchmarks/class_grading.py --submissions 72 123 --big 1000

Makes a scratch nbgrader course, releases the assignment and generates a class: in
turn the reference, a blank notebook, every catalogued mistake (each loses points in
one part) and the correct variants, each signed by its student (no two files alike).
For each size N of --submissions, in one run:

1. stock nbgrader: `nbgrader autograde` with nbgrader's own Execute step, which runs each
   notebook in a Jupyter kernel, hidden test cells included (they run the same property
   suites in the kernel, through `run_hidden_suite`);
2. `python -m autograder grade-class` on the same N notebooks (nbgrader's layout, so the
   gradebook is written too).

`grade-class` grades in a scratch copy of the course whose `.grading_cache/` holds the
reference's recorded runs but not the catalogued mistakes' (engine/mistake_runs.py): the
class is made of catalogue entries, so with those runs no failure would be new. With
--mistake-runs it grades the same N (and M) again in a copy that holds them too, as `make release`
leaves a course, to show what they spare when a class's mistakes are catalogued ones.

It prints seconds per submission for each and their ratio, and checks both gave every
student the same code score. The default first size, KINDS (72 today: the reference, a blank
and the 70 catalogue entries), is each kind of notebook once: every flawed one fails in
its own way, the case where grade-class gains least (nothing recorded can be replayed);
N = 123 repeats most kinds once, as ways of failing recur in a class. With
--big M it then grades M submissions with grade-class alone, end to end, and prints the
wall time and the peak memory of the sandboxed workers, the grader processes and the
grade-class process (which must not grow with M).
"""
import argparse
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.audit.catalogue import CATALOGUE  # noqa: E402
from autograder.nbgrader_bridge.course import new_course, open_gradebook  # noqa: E402
from autograder.notebook import UNSAFE_OPT_IN  # noqa: E402
from autograder.reference import notebook_json, solved_notebook  # noqa: E402
from autograder.results import class_results  # noqa: E402

KINDS = 2 + len(CATALOGUE)  # the reference, a blank notebook, each catalogue entry

STOCK_CONFIG = '''
c = get_config()
c.CourseDirectory.course_id = "convnets-course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignment"
'''


def mixed_class(released, count):
    """count notebooks: the reference, a blank, each catalogue entry; in turn. No two are
    the same file: each student's first answer cell starts with their own comment (the
    grader keys nothing on a file's text; its replay keys on how code behaves)."""
    blank = nbformat.read(released, as_version=4)
    kinds = [solved_notebook("", released), blank, *(solved_notebook(entry.override, released) for entry in CATALOGUE)]
    for i in range(count):  # one at a time: a thousand notebooks need not sit in memory
        yield signed(kinds[i % len(kinds)], f"student{i:04d}")


def signed(notebook, student):
    notebook = copy.deepcopy(notebook)
    first = next(cell for cell in notebook.cells if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"))
    first.source = f"# {student}'s submission\n" + first.source
    return notebook_json(notebook)


def make_course(folder, notebooks):
    course = new_course(folder)
    for number, text in enumerate(notebooks):
        submitted = course / "submitted" / f"student{number:04d}" / "convnets"
        submitted.mkdir(parents=True)
        (submitted / "convnets.ipynb").write_text(text)
    return course


def code_scores(course):
    with open_gradebook(course) as gradebook:
        return {s.student.id: s.code_score for s in gradebook.assignment_submissions("convnets")}


def timed(command, **options):
    started = time.monotonic()
    subprocess.run(command, check=True, **options)
    return time.monotonic() - started


def stock_nbgrader(course):
    config = course / "stock_config.py"
    config.write_text(STOCK_CONFIG)
    command = [sys.executable, "-m", "nbgrader", "autograde", "convnets", f"--JupyterApp.config_file={config.with_suffix('')}",
               f"--CourseDirectory.root={course}", "--log-level=ERROR"]
    scripts = str(Path(sys.executable).parent)
    environment = {**os.environ, "PATH": scripts + os.pathsep + os.environ["PATH"], "PYTHONWARNINGS": "ignore",
                   UNSAFE_OPT_IN: "1"}  # the hidden cells grade in the kernel: stock nbgrader is what is timed
    (course / "nbgrader_config.py").unlink()  # nbgrader loads it from the course folder, too
    return timed(command, cwd=course, env=environment, stderr=subprocess.DEVNULL)  # kernels warn about TCP


def grading_course(folder, mistake_runs=False):
    """A copy of the course's files to grade in, the reference's runs recorded in its
    .grading_cache/ (a grader of `grade` records them), and the catalogued mistakes' if asked."""
    folder.mkdir(parents=True)
    for name in ("course_config.py", "solutions", "assignment"):
        source, target = ROOT / name, folder / name
        shutil.copytree(source, target) if source.is_dir() else shutil.copy(source, target)
    ada = ROOT / "sample_class" / "ada" / "convnets.ipynb"
    subprocess.run([sys.executable, "-m", "autograder", "--course", str(folder), "grade", str(ada), "--output", os.devnull],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    if mistake_runs:
        record = "from autograder.config import load_settings; from autograder.engine.mistake_runs import " \
                 "record_mistake_runs; record_mistake_runs(load_settings())"
        subprocess.run([sys.executable, "-c", record], cwd=ROOT, check=True, env={**os.environ, "CONVNETS_COURSE_ROOT": str(folder)})
    return folder


def grade_class(course, submitted, output, stdout=subprocess.DEVNULL):
    """`grade-class` of `submitted` with `course`'s settings into `output`; its seconds."""
    command = [sys.executable, "-m", "autograder", "--course", str(course), "grade-class", str(submitted),
               "--output-dir", str(output)]
    return timed(command, cwd=ROOT, stdout=stdout, stderr=subprocess.DEVNULL)


def peak_mb(output, which):
    """The largest `which` ("worker_peak_mb", "grader_peak_mb") in a class's results."""
    return max(results["extra_data"][which] for _, _, results in class_results(output))


def side_by_side(scratch, released, n, courses):
    """Stock nbgrader and grade-class (in each of `courses`, {name: grading course}) on the
    same n submissions; prints the comparison."""
    notebooks = list(mixed_class(released, n))
    stock_course = make_course(scratch / f"stock-{n}", notebooks)
    stock_seconds = stock_nbgrader(stock_course)
    print(f"{n} submissions, the same for all")
    print(f"  stock nbgrader autograde (kernel): {stock_seconds:7.1f} s  {stock_seconds / n:6.3f} s/submission")
    for name, course in courses.items():
        ours_course = make_course(scratch / f"ours-{n}-{name}", notebooks)
        results = scratch / f"ours-{n}-{name}-results"
        ours_seconds = grade_class(course, ours_course / "submitted", results)
        same = code_scores(stock_course) == code_scores(ours_course)
        print(f"  grade-class, {name}: {ours_seconds:7.1f} s  {ours_seconds / n:6.3f} s/submission")
        print(f"    ratio: grade-class is {stock_seconds / ours_seconds:.1f}x faster; same code scores: {'yes' if same else 'NO'}")
        print(f"    peak memory: sandboxed worker {peak_mb(results, 'worker_peak_mb'):.0f} MB, "
              f"grader process {peak_mb(results, 'grader_peak_mb'):.0f} MB", flush=True)
    return stock_seconds / n


def big_class(scratch, released, m, stock_rate, courses):
    """grade-class alone on m submissions, end to end, in each of `courses` ({name:
    grading course}); prints time and memory."""
    big_course = make_course(scratch / "big", mixed_class(released, m))
    print(f"{m} submissions with grade-class alone (stock was not run on all {m})")
    for name, course in courses.items():
        output, log = scratch / f"big-{name}-results", scratch / f"big-{name}.log"
        with open(log, "w") as stream:
            seconds = grade_class(course, big_course / "submitted", output, stdout=stream)
        graded, rows = len(code_scores(big_course)), len((output / "grades.csv").read_text().splitlines()) - 1
        print(f"  grade-class, {name}: {seconds:.1f} s end to end ({seconds / m:.3f} s/submission); "
              f"gradebook {graded} students, grades.csv {rows} rows")
        print(f"    per submission: {stock_rate / (seconds / m):.1f}x faster than stock nbgrader's rate on the "
              "largest class above")
        print(f"    peak memory: sandboxed worker {peak_mb(output, 'worker_peak_mb'):.0f} MB, "
              f"grader process {peak_mb(output, 'grader_peak_mb'):.0f} MB")
        print("    " + next(line for line in log.read_text().splitlines() if "peak memory" in line), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, nargs="+", default=[KINDS, 123],
                        help=f"class sizes for the side-by-side runs (default: {KINDS} 123)")
    parser.add_argument("--big", type=int, default=0, help="then grade this many with grade-class alone")
    parser.add_argument("--mistake-runs", action="store_true",
                        help="also grade each class (--big too) with the catalogued mistakes' runs recorded")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="convnets-benchmark-") as scratch:
        scratch = Path(scratch)
        released = new_course(scratch / "release") / "assignment" / "convnets" / "convnets.ipynb"
        courses = {"every failure new": grading_course(scratch / "course")}
        if args.mistake_runs:
            courses["the catalogued mistakes' runs recorded"] = grading_course(scratch / "course-recorded", mistake_runs=True)
        stock_rate = None
        for n in args.submissions:
            stock_rate = side_by_side(scratch, released, n, courses)
        if args.big:
            big_class(scratch, released, args.big, stock_rate, courses)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
