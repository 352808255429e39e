"""python -m autograder: grade a submission or a whole class, merge class shards, report
on a class, audit the suites, check the sandbox, make the release, run the demo, or run
nbgrader with the course's configuration."""
import argparse

from .config import load_settings


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser("grade", help="grade one convnets.ipynb or convnets.py")
    grade.add_argument("submission", help="the student's convnets.ipynb or convnets.py")
    grade.add_argument("--output", default="results.json", help="Gradescope results file (default: results.json)")
    grade.add_argument("--junit", metavar="PATH", help="also write JUnit XML, one testcase per property")
    grade.add_argument("--markdown", metavar="PATH", help='also write a Markdown summary, e.g. "$GITHUB_STEP_SUMMARY"')

    klass = commands.add_parser("grade-class", help="grade every student's submission in a folder, in parallel")
    klass.add_argument("folder", nargs="?", default="submitted",
                       help="nbgrader's submitted/ folder (default), or a folder of <student>/convnets.ipynb or .py")
    klass.add_argument("--output-dir", default="class_results", help="where results go (default: class_results)")
    klass.add_argument("--workers", type=int, default=None, help="submissions graded at once (default: the number of cores)")
    klass.add_argument("--shard", help="K/N: grade only the K-th of N slices of the class")
    klass.add_argument("--force", action="store_true", help="grade again even what is already graded")

    merge = commands.add_parser("merge", help="combine grade-class outputs (shards) into one folder and grades.csv")
    merge.add_argument("inputs", nargs="+", help="grade-class output folders")
    merge.add_argument("--output-dir", required=True, help="where the merged results and grades.csv go")
    merge.add_argument("--course", help="an nbgrader course folder whose gradebook.db receives the scores")

    report = commands.add_parser("report", help="an HTML report of a graded class: scores, failures, common mistakes, time")
    report.add_argument("folder", nargs="?", default="class_results", help="a grade-class output folder (default: class_results)")
    report.add_argument("--output", help="where the page goes (default: FOLDER/report.html)")
    report.add_argument("--markdown", metavar="PATH", help='also write its tables as Markdown, e.g. "$GITHUB_STEP_SUMMARY"')

    audit = commands.add_parser("audit", help="grade the mistake catalogue, automatic mutants and vacuous answers; print kill rates")
    audit.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default: 2)")

    commands.add_parser("doctor", help="show which sandbox protections are active here, checked in a live worker")
    commands.add_parser("release", help="regenerate the master notebook, assignment/ and sample_class/")
    commands.add_parser("demo", help="grade the sample class both ways and print the scores")
    passthrough = commands.add_parser("nbgrader", help="run nbgrader with course_config.py, e.g. nbgrader autograde convnets")
    passthrough.add_argument("arguments", nargs=argparse.REMAINDER)

    args = parser.parse_args(argv)
    return COMMANDS[args.command](args)


def run_grade(args):
    from .grader import grade_path
    from .reports.files import write_atomically
    from .reports.gradescope import gradescope_results, write_results
    from .reports.junit import junit_xml
    from .reports.markdown import markdown_summary, points_line

    report = grade_path(args.submission, load_settings())
    results = gradescope_results(report)
    write_results(results, args.output)
    if args.junit:
        write_atomically(args.junit, junit_xml(results))
    if args.markdown:
        write_atomically(args.markdown, markdown_summary(results))
    for note in report.notes:
        print(f"note: {note}")
    print(f"{args.submission}: {report.score:g}/{report.max_score:g} points; results in {args.output}")
    print(points_line(results))
    return 0


def run_grade_class(args):
    from .class_grading.command import UnreadableGradebook, grade_class_command
    from .class_grading.roster import RosterError

    try:
        return grade_class_command(args.folder, args.output_dir, load_settings(), args.workers, args.shard, args.force)
    except (RosterError, UnreadableGradebook) as problem:
        print(f"error: {problem}")
        return 2


def run_merge(args):
    from .class_grading.command import UnreadableGradebook, merge_command
    from .class_grading.merge import MergeConflict, NotAClassOutput

    try:
        return merge_command(args.inputs, args.output_dir, args.course)
    except (MergeConflict, NotAClassOutput, UnreadableGradebook) as problem:
        print(f"error: {problem}")
        return 2


def run_report(args):
    from .reports.class_report import NoResults, write_class_report

    try:
        print(f"Wrote {write_class_report(args.folder, args.output, markdown=args.markdown)}")
    except NoResults as problem:
        print(f"error: {problem}")
        return 2
    return 0


def run_audit(args):
    from .audit.run import (audit_summary, clause_summary, mutation_summary, run_audit, run_mutation_audit,
                            run_vacuous_audit, stale_equivalents, vacuous_summary)

    settings = load_settings()
    rows = run_audit(settings, jobs=args.jobs)
    print(audit_summary(rows), flush=True)
    clauses = clause_summary(rows)
    print(clauses, flush=True)
    mutant_rows = run_mutation_audit(settings, jobs=args.jobs)
    print(mutation_summary(mutant_rows), flush=True)
    vacuous_rows = run_vacuous_audit(settings, jobs=args.jobs)
    print(vacuous_summary(vacuous_rows))
    ok = all(row.ok for row in rows + mutant_rows + vacuous_rows) and not stale_equivalents(mutant_rows)
    ok = ok and not any(line.startswith("FAIL") for line in clauses.splitlines())
    return 0 if ok else 1


def run_doctor(args):
    from .doctor import run_doctor

    return run_doctor(load_settings())


def run_release(args):
    from .release import make_release

    make_release()
    print("Wrote solutions/convnets/convnets.ipynb, assignment/convnets/ and sample_class/.")
    return 0


def run_demo(args):
    from .demo import run_demo

    return run_demo(load_settings())


def run_nbgrader(args):
    from .nbgrader_bridge.command import nbgrader

    return nbgrader(*args.arguments, check=False).returncode


COMMANDS = {"grade": run_grade, "grade-class": run_grade_class, "merge": run_merge, "report": run_report, "audit": run_audit, "doctor": run_doctor, "release": run_release, "demo": run_demo, "nbgrader": run_nbgrader}
