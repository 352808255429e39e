"""Text that came from the student's side, made safe to print and to put in any report.

An exception's message, a traceback, a warning, a cell's label, a worker's last words
on stderr: the grader shows them to the student, in a terminal, a CI log, Gradescope,
JUnit XML, Markdown and HTML. Every such text passes through `student_text` where it
enters the grader, so that none of them can
- clear or rewrite a terminal, or break an XML file: every control character but the
  newline (ESC, CR, NUL, ...) is shown as its escape, `\\x1b`, `\\r`, `\\x00`;
- give orders to a CI runner: no line begins with `::` (GitHub's workflow commands,
  `::error::`, `::add-mask::`, ...) and none holds `##[` or `##vso[` (their older form);
- claim a score: no `Points X/Y`, the line GitHub Classroom reads the score from (only
  the grader writes it, see reports/markdown.py);
- flood a report: the text is cut to a given length.
"""
import re

CUT = " [...]"
_WORKFLOW_COMMAND = re.compile(r"^(\s*)::", re.MULTILINE)
_OLD_WORKFLOW_COMMAND = re.compile(r"##(?=\[|vso\[)")
_POINTS = re.compile(r"(points\W*[\d.]+)\s*/\s*(?=[\d.])", re.IGNORECASE)


def student_text(text, limit):
    """`text` (any object: its str) cut to about `limit` characters, its control
    characters escaped and whatever a CI runner or GitHub Classroom would obey defused."""
    text = str(text)
    safe = _escape_control_characters(text[:limit])
    if len(text) > limit or len(safe) > limit:
        safe = safe[:limit] + CUT
    safe = _WORKFLOW_COMMAND.sub(r"\1> ::", safe)
    safe = _OLD_WORKFLOW_COMMAND.sub("# #", safe)
    return _POINTS.sub(r"\1 of ", safe)


def _escape_control_characters(text):
    """Every character that does not print, but the newline, as Python writes it in a
    string literal (`\\x1b`, `\\r`, `\\u2028`): a line break is a line break, nothing else."""
    if all(line.isprintable() for line in text.split("\n")):
        return text
    return "".join(c if c.isprintable() or c == "\n" else repr(c)[1:-1] for c in text)
