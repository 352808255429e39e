"""python -m autograder: grade a submission or a whole class, merge class shards, report
on a class, audit the suites, build Gradescope's autograder.zip and grade
its upload, check the sandbox, make the release, run the demo, or run
nbgrader with the course's configuration."""
import _thread
import argparse
import signal
import sys
import threading
from pathlib import Path

from .config import ASSIGNMENT, COURSE_ROOT, CourseConfigError, load_settings
from .points import PointsMismatch

INTERRUPTED = 130  # the shell's status for a command ended by SIGINT (128 + 2)
TERMINATED = 143  # and by SIGTERM (128 + 15)
STARTS_WORKERS = ("grade", "gradescope-upload", "doctor")  # in this process, not in processes of their own


def at_least_one(text):
    """A count of processes: a whole number, 1 or more (argparse says so in one line if not)."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return count


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    parser.add_argument("--course", metavar="DIR", dest="course_root", help="the course folder, holding course_config.py (default: the "
                        "working folder if it holds one, else the folder this package is in)")
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
    klass.add_argument("--workers", type=at_least_one, default=None, help="submissions graded at once (default: the CPUs this process may run on)")
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
    audit.add_argument("--jobs", type=at_least_one, default=None,
                       help="submissions graded at once (default: the CPUs this process may run on)")

    gradescope = commands.add_parser("gradescope", help="write the autograder.zip to upload to Gradescope")
    gradescope.add_argument("--output", default="autograder.zip", help="where the zip goes (default: autograder.zip)")
    commands.add_parser("gradescope-setup", help="prepare Gradescope's machine once (what setup.sh runs): compile the "
                                                 "package, record the reference's runs for its Python")
    upload = commands.add_parser("gradescope-upload", help="grade the upload in Gradescope's folders (what run_autograder runs)")
    upload.add_argument("root", help="Gradescope's folder: submission/ in it is graded into results/results.json")

    commands.add_parser("doctor", help="show which sandbox protections are active here, checked in a live worker")
    release = commands.add_parser("release", help="regenerate the master notebook, assignment/ and sample_class/")
    release.add_argument("--force", action="store_true", help="even if the master .ipynb was edited by hand: the edit is lost")
    commands.add_parser("demo", help="grade the sample class both ways and print the scores")
    commands.add_parser("exchange-demo", help="nbgrader's course flow through its exchange: release, fetch, submit "
                                              "(one late), collect, autograde, feedback fetched back")
    passthrough = commands.add_parser("nbgrader", help=f"run nbgrader with course_config.py, e.g. nbgrader autograde {ASSIGNMENT}")
    passthrough.add_argument("arguments", nargs=argparse.REMAINDER)

    args = parser.parse_args(argv)
    if args.course_root and Path(args.course_root).resolve() != COURSE_ROOT:  # console.py sets it before config is read
        print(f"error: --course {args.course_root} came after the course was found ({COURSE_ROOT}); "
              "give it to python -m autograder or convnets-grader", file=sys.stderr)
        return 2
    if args.command in STARTS_WORKERS:
        from .sandbox.template import Template

        Template.start()  # its start (a Python, then numpy) overlaps our own imports
    try:
        settings = load_settings()  # checked as a whole before anything runs
        return COMMANDS[args.command](args, settings)
    except (CourseConfigError, PointsMismatch) as problem:
        print("\n".join(f"error: {line}" for line in str(problem).splitlines()), file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:
        terminated = isinstance(interrupt, Terminated)
        print(f"{'Terminated' if terminated else 'Interrupted'}: stopped before finishing; what was written is whole "
              "(run it again to finish).", file=sys.stderr)
        return TERMINATED if terminated else INTERRUPTED


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises KeyboardInterrupt, so that `kill PID` or a job
    runner's stop ends a command as Ctrl-C does: its grader processes and the nbgrader it
    runs stopped, nothing half written, one line."""


def raise_terminated(signum, frame):
    """The SIGTERM handler of the command's process."""
    raise Terminated


def redeliver_lost_interrupts(unraisable):
    """sys.unraisablehook of the command's process. Ctrl-C (or SIGTERM) that lands in a gc
    callback (hypothesis installs one) cannot propagate: Python would print "Exception
    ignored" and carry on. Raise it again in the main thread a moment later, from another
    thread (raised at once, it would land in this hook and be lost the same way). Anything
    else is reported as Python does."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        signum = signal.SIGTERM if isinstance(unraisable.exc_value, Terminated) else signal.SIGINT
        again = threading.Timer(0.05, _thread.interrupt_main, args=(signum,))
        again.daemon = True  # nothing to deliver once the command has ended
        again.start()
    else:
        sys.__unraisablehook__(unraisable)


def warn_if_default_secret(settings):
    """One line on stderr if COURSE_SECRET is the repository's own."""
    if settings.default_secret:
        print("warning: COURSE_SECRET is this repository's default, so students can reproduce the hidden "
              "examples; set CONVNETS_COURSE_SECRET to a secret of your own", file=sys.stderr)


def run_grade(args, settings):
    from .reports.markdown import markdown_summary, points_line
    from .files import write_atomically

    report, results = grade_into(args.submission, args.output, settings)
    if args.junit:
        from .reports.junit import junit_xml  # xml.etree: only when asked for

        write_atomically(args.junit, junit_xml(results))
    if args.markdown:
        write_atomically(args.markdown, markdown_summary(results))
    print(f"{args.submission}: {report.score:g}/{report.max_score:g} points; results in {args.output}")
    print(points_line(results))
    return 0


def grade_into(submission, output, settings, notes=()):
    """Grade `submission` into Gradescope's results at `output`, its report's notes
    after `notes`; (the report, the results)."""
    from .grader import grade_path
    from .points import disagreements, notebook_file_points
    from .results import gradescope_results, write_results
    from .sandbox.confinement import resident_peak_mb

    # A student's file decides nothing: points that differ from the course's are said, not used.
    for line in disagreements(notebook_file_points(submission), settings.part_points,
                              "the notebook's test cell", every_part=False):
        print(f"note: {line}; graded with PART_POINTS (a notebook from another release, or edited)")
    report = grade_path(submission, settings)
    report.notes[:0] = notes
    results = gradescope_results(report)
    results["extra_data"]["grader_peak_mb"] = round(resident_peak_mb(), 1)  # what a worker's replies cost it
    write_results(results, output)
    for note in report.notes:
        print(f"note: {note}")
    return report, results


def run_grade_class(args, settings):
    from .class_grading.command import UnreadableGradebook, grade_class_command
    from .class_grading.roster import RosterError

    warn_if_default_secret(settings)
    try:
        return grade_class_command(args.folder, args.output_dir, settings, args.workers, args.shard, args.force)
    except (RosterError, UnreadableGradebook) as problem:
        print(f"error: {problem}")
        return 2


def run_merge(args, settings):
    from .class_grading.command import UnreadableGradebook, merge_command
    from .class_grading.merge import MergeConflict, NotAClassOutput

    try:
        return merge_command(args.inputs, args.output_dir, settings.part_points, args.course)
    except (MergeConflict, NotAClassOutput, UnreadableGradebook) as problem:
        print(f"error: {problem}")
        return 2


def run_report(args, settings):
    from .reports.class_report import NoResults, write_class_report

    try:
        print(f"Wrote {write_class_report(args.folder, args.output, markdown=args.markdown)}")
    except NoResults as problem:
        print(f"error: {problem}")
        return 2
    return 0


def run_audit(args, settings):
    from .audit.run import (audit_summary, clause_summary, diagnosis_summary, mutation_summary, run_audit,
                            run_mutation_audit, run_sample_class_audit, run_vacuous_audit, stale_equivalents,
                            vacuous_summary)

    from .parallel import usable_cpus

    jobs = args.jobs or usable_cpus()
    rows = run_audit(settings, jobs=jobs)
    print(audit_summary(rows), flush=True)
    clauses = clause_summary(rows)
    print(clauses, flush=True)
    mutant_rows = run_mutation_audit(settings, jobs=jobs)
    print(mutation_summary(mutant_rows), flush=True)
    vacuous_rows = run_vacuous_audit(settings, jobs=jobs)
    print(vacuous_summary(vacuous_rows), flush=True)
    diagnoses = diagnosis_summary(rows, run_sample_class_audit(settings, jobs=jobs), mutant_rows)
    print(diagnoses)
    ok = all(row.ok for row in rows + mutant_rows + vacuous_rows) and not stale_equivalents(mutant_rows)
    ok = ok and not any(line.startswith("FAIL") for line in (clauses + "\n" + diagnoses).splitlines())
    return 0 if ok else 1


def run_gradescope(args, settings):
    from .gradescope import IncompleteCourse, build_zip

    warn_if_default_secret(settings)
    try:
        members = build_zip(args.output, settings)
    except IncompleteCourse as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    print(f"Wrote {args.output}: {len(members)} files; upload it as the assignment's autograder "
          "(base image: Ubuntu 24.04, for Python >= 3.11)")
    if not any(name.startswith(".grading_cache/mistake-runs-") for name in members):
        print("It holds no recorded runs of the catalogued mistakes for these settings (`make release` records them): "
              "a submission that fails as one does pays hypothesis' shrinking, several seconds.")
    return 0


def run_gradescope_setup(args, settings):
    from .gradescope import IncompleteCourse, prepare_machine

    try:
        reference_runs, mistake_runs = prepare_machine(settings)
    except IncompleteCourse as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    print(f"Compiled the package; the reference's recorded runs for this Python are in {reference_runs}")
    print(f"The catalogued mistakes' recorded runs for this Python are in {mistake_runs}" if mistake_runs else
          "The zip holds no recorded runs of the catalogued mistakes (`make release` records them).")
    return 0


def run_gradescope_upload(args, settings):
    from .class_grading.roster import NoSubmission
    from .gradescope import results_path, upload_in
    from .grader import zero_report
    from .results import gradescope_results, write_results

    warn_if_default_secret(settings)  # in the log Gradescope keeps for staff
    output = results_path(args.root)
    try:
        upload, taken = upload_in(args.root)
    except NoSubmission as reason:  # Gradescope shows the student nothing unless results.json says why
        write_results(gradescope_results(zero_report(settings, f"Not graded: {reason}")), output)
        print(f"not graded: {reason}")
        return 0
    report, _ = grade_into(upload, output, settings, notes=[taken] if taken else [])
    print(f"{upload.name}: {report.score:g}/{report.max_score:g} points; results in {output}")
    return 0


def run_doctor(args, settings):
    from .doctor import run_doctor

    warn_if_default_secret(settings)
    return run_doctor(settings)


def run_release(args, settings):
    from .notebook_source import EditedMaster
    from .release import make_release

    print("Releasing, then recording the runs of the reference and of every catalogued mistake (a minute or two)...")
    try:
        make_release(settings, force=args.force)
    except EditedMaster as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    print("Wrote solutions/convnets/convnets.ipynb, assignment/convnets/, sample_class/ and, in .grading_cache/, "
          "the recorded runs of the reference and of the catalogued mistakes.")
    return 0


def run_demo(args, settings):
    from .demo import run_demo

    warn_if_default_secret(settings)
    return run_demo(settings)


def run_exchange_demo(args, settings):
    from .config import COURSE_ROOT
    from .nbgrader_bridge.exchange import exchange_demo

    warn_if_default_secret(settings)
    return exchange_demo(COURSE_ROOT / "demo_output" / "exchange")


def run_nbgrader(args, settings):
    from .nbgrader_bridge.command import nbgrader

    return nbgrader(*args.arguments, check=False).returncode


COMMANDS = {"grade": run_grade, "grade-class": run_grade_class, "merge": run_merge, "report": run_report, "audit": run_audit,
            "gradescope": run_gradescope, "gradescope-setup": run_gradescope_setup,
            "gradescope-upload": run_gradescope_upload, "doctor": run_doctor,
            "release": run_release, "demo": run_demo, "exchange-demo": run_exchange_demo, "nbgrader": run_nbgrader}
