"""Grades every catalogue entry and checks the suites' verdicts: a mistake must lose
points in its own part and keep full marks in the others; a variant keeps full marks.
Under each mistake the summary shows what its student reads (the first failed property)."""
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..grader import grade_path
from ..parallel import grader_pool
from ..properties import PART_NAMES
from .catalogue import CATALOGUE
from .mutants import solved_module


@dataclass(frozen=True)
class AuditRow:
    entry: object
    part_scores: dict
    failed_properties: tuple
    first_feedback: str = ""  # what the student reads for the first property they failed

    @property
    def ok(self):
        """Killed in its own part only (a mistake), or untouched (a variant)."""
        full = self.full_marks
        if not self.entry.is_mistake:
            return all(full.values())
        return not full[self.entry.part] and all(full[p] for p in PART_NAMES if p != self.entry.part)

    @property
    def full_marks(self):
        return {part: score == self.part_scores["max:" + part] for part, score in self.part_scores.items()
                if not part.startswith("max:")}


def grade_entry(entry, settings):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "convnets.py"
        path.write_text(solved_module(entry.override))
        report = grade_path(path, settings)
    scores = {part: report.part_score(part) for part in PART_NAMES}
    scores.update({"max:" + part: settings.part_points[part] for part in PART_NAMES})
    failed = [t for t in report.tests if t.score < t.max_score]
    return AuditRow(entry, scores, tuple(f"{t.part}: {t.name}" for t in failed), failed[0].output if failed else "")


def run_audit(settings, jobs=2, entries=CATALOGUE):
    with grader_pool(jobs) as pool:
        return list(pool.map(grade_entry, entries, [settings] * len(entries)))


def audit_summary(rows):
    """The audit as text, ending with the kill rate."""
    lines = []
    for row in rows:
        kind = f"mistake in {row.entry.part}" if row.entry.is_mistake else "correct variant"
        verdict = "ok  " if row.ok else "FAIL"
        caught = ", ".join(row.failed_properties) or "full marks"
        lines.append(f"{verdict} {row.entry.name:34} ({kind}): {caught}")
        lines += [f"       | {line}" for line in row.first_feedback.splitlines()]
    mistakes = [r for r in rows if r.entry.is_mistake]
    variants = [r for r in rows if not r.entry.is_mistake]
    killed = sum(r.ok for r in mistakes)
    kept = sum(r.ok for r in variants)
    lines.append(f"kill rate: {killed}/{len(mistakes)} mistakes caught in their own part only "
                 f"({100 * killed / max(len(mistakes), 1):.0f}%); {kept}/{len(variants)} correct variants at full marks")
    return "\n".join(lines)
