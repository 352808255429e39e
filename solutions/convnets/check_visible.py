"""Run your notebook's quick checks, the way your repository's GitHub workflow does:

    python check_visible.py convnets.ipynb [--markdown SUMMARY.md] [--check check-graph]

It runs the notebook's code cells in order, as "Restart and run all" would, and says
which quick-check cells passed (with --check, only that one: the workflow runs one
check per part). These are only the checks you can see: the graded tests
are hidden and try many more inputs. The last line, "Points X/Y", counts passed quick
checks; it is what GitHub Classroom shows, not your grade.
"""
import argparse
import ast
import json
import os
import sys
from pathlib import Path

CHECK_PREFIX = "check-"  # the grade ids of the notebook's quick-check cells


def run_notebook(path):
    """[(check cell id, None if it passed else why it failed)] after running every code cell."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    sys.path.insert(0, str(Path(path).resolve().parent))  # graph_figure.py sits beside it
    os.environ.setdefault("MPLBACKEND", "Agg")  # figures are drawn off screen
    namespace, checks = {"__name__": "__main__"}, []
    for number, cell in enumerate(notebook["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", f"cell {number}")
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        try:
            exec(compile(source, f"<{grade_id}>", "exec"), namespace)
            error = None
        except Exception as raised:  # a failed check, or code the checks need that does not run yet
            error = why_it_failed(raised, grade_id, source)
        if grade_id.startswith(CHECK_PREFIX):
            checks.append((grade_id, error))
    return checks


def why_it_failed(raised, grade_id, source):
    """A failed cell in words: a stub not written yet, a check's assertion, or another
    error, each with the cell's line where it stopped."""
    where = failing_statement(raised, grade_id, source)
    if isinstance(raised, NotImplementedError):
        return f"not written yet: {raising_function(raised)} raised NotImplementedError{where}"
    if isinstance(raised, AssertionError):
        return f"assertion failed{where}" + (f": {raised}" if str(raised) else "")
    return f"{type(raised).__name__}: {raised}{where}"


def raising_function(raised):
    """The name of the function the exception came from, e.g. "Negate.forward"."""
    frame = last_frame(raised)
    return getattr(frame.f_code, "co_qualname", frame.f_code.co_name)


def last_frame(raised):
    traceback = raised.__traceback__
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback.tb_frame


def failing_statement(raised, grade_id, source):
    """' at line N: <statement>', the cell's statement that was running (on one line), or
    '' if the cell did not run (a syntax error)."""
    line = cell_line(raised, grade_id)
    if line is None:
        return ""
    around = [node for node in ast.walk(ast.parse(source))
              if isinstance(node, ast.stmt) and node.lineno <= line <= node.end_lineno]
    innermost = min(around, key=lambda node: node.end_lineno - node.lineno)
    return f" at line {line}: {' '.join(ast.get_source_segment(source, innermost).split())}"


def cell_line(raised, grade_id):
    """The cell's line that was running when `raised` was raised, or None."""
    traceback, line = raised.__traceback__, None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == f"<{grade_id}>":
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def markdown(checks):
    rows = [f"| {name} | {'passed' if error is None else 'failed: ' + error.replace('|', '/')} |" for name, error in checks]
    return "\n".join(["## Quick checks", "", points(checks), "", "| check | result |", "|---|---|", *rows]) + "\n"


def points(checks):
    return f"Points {sum(error is None for _, error in checks)}/{len(checks)}"


def main():
    parser = argparse.ArgumentParser(description="Run the notebook's quick checks.")
    parser.add_argument("notebook", nargs="?", default="convnets.ipynb")
    parser.add_argument("--markdown", help='also write a Markdown summary here, e.g. "$GITHUB_STEP_SUMMARY"')
    parser.add_argument("--check", help="report only this check, e.g. check-graph; the exit status is its result")
    args = parser.parse_args()
    checks = run_notebook(args.notebook)
    if args.check:
        chosen = [check for check in checks if check[0] == args.check]
        if not chosen:
            parser.error(f"the notebook has no check {args.check}; its checks: {', '.join(name for name, _ in checks)}")
        checks = chosen
    for name, error in checks:
        print(f"passed: {name}" if error is None else f"FAILED: {name}: {error}")
    if args.markdown:
        Path(args.markdown).write_text(markdown(checks), encoding="utf-8")
    print(points(checks))
    return 0 if all(error is None for _, error in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
