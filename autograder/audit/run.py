"""The audit of the hidden suites, in two halves.

The catalogue: a mistake must lose points in its own part and keep full marks in the
parts that do not grade a function it changes; a variant keeps full marks. Under each mistake the summary shows what its
student reads (the first failed property).
The mutants (mutation.py): each must lose points in a part that grades the definition
it changes, unless equivalents.py records it as equivalent to the reference, and then
it must keep full marks.
The clause table (clauses.py): every clause of the student API is caught through some
mistake that breaks it, and every mistake is caught through a clause it breaks.
The vacuous answers (vacuous.py): each must fail every property that calls what it
replaces, so no property pays for a value it did not check.
The diagnoses (engine/diagnosis.py): a mistake is diagnosed as its own misconception
(unless catalogue.UNDIAGNOSABLE says why it cannot be), and never as another; a variant
never. How many failed properties get a diagnosis, and how many a wrong one, is counted
over the catalogue, the sample class and the mutants.
"""
import ast
import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..config import NOTEBOOK, PART_NAMES, SAMPLE_CLASS
from ..engine.diagnosis import Diagnosis
from ..grader import grade_path, graded_parts
from ..parallel import grader_pool
from ..properties import properties_calling
from ..reference import solved_module
from .catalogue import CATALOGUE, UNDIAGNOSABLE
from .clauses import CLAUSES
from .equivalents import EQUIVALENT
from .mutation import reference_mutants
from .vacuous import properties_it_must_fail, vacuous_answers


@dataclass(frozen=True)
class AuditRow:
    entry: object
    part_scores: dict
    failed_properties: tuple
    first_feedback: str = ""  # what the student reads for the first property they failed
    diagnoses: tuple = ()  # (property, misconception or None, entries explaining it) of each failed property

    @property
    def ok(self):
        """Killed in its own part, and in no part that does not grade a function it changes
        (a mistake); untouched everywhere (a variant)."""
        full = self.full_marks
        if not self.entry.is_mistake:
            return all(full.values())
        spared = [p for p in full if p != self.entry.part and p not in parts_grading(self.entry.override)]
        return not full[self.entry.part] and all(full[p] for p in spared)

    @property
    def full_marks(self):
        return {part: score == self.part_scores["max:" + part] for part, score in self.part_scores.items()
                if not part.startswith("max:")}


@dataclass(frozen=True)
class MutantRow:
    mutant: object
    failed_properties: tuple
    diagnoses: tuple = ()  # (property, misconception or None, entries explaining it) of each failed property

    @property
    def killed(self):
        return bool(self.failed_properties)

    @property
    def equivalent_because(self):
        return EQUIVALENT.get(self.mutant.id)

    @property
    def ok(self):
        """Killed, or confirmed equivalent and spared: a killed equivalent would mean a
        suite that fails correct code."""
        return self.killed != bool(self.equivalent_because)


@dataclass(frozen=True)
class VacuousRow:
    answer: object
    failed_properties: tuple

    @property
    def passed_properties(self):
        """The properties that paid for this answer: each one a hole."""
        return sorted(properties_it_must_fail(self.answer) - set(self.failed_properties))

    @property
    def ok(self):
        return not self.passed_properties


@dataclass(frozen=True)
class SampleRow:
    """A student of the sample class: the catalogue entry they handed in (release.ROSTER:
    also "reference" or "blank") and the diagnoses of their failed properties."""
    student: str
    handed_in: str
    diagnoses: tuple


def parts_grading(override):
    """The parts with a property that calls a function `override` defines: part
    conv-folding grades fold_biases again, so a mistake there may cost in both."""
    names = {node.name for node in ast.parse(override).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    return {prop.part for prop in properties_calling(names)}


def grade_override(override, settings, parts=PART_NAMES):
    """The reference with `override`'s definitions swapped in, graded as a student's module."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "convnets.py"
        path.write_text(solved_module(override))
        return grade_path(path, settings, parts)


def grade_entry(entry, settings):
    report = grade_override(entry.override, settings)
    scores = {part: report.part_score(part) for part in graded_parts(settings)}
    scores.update({"max:" + part: settings.part_points[part] for part in graded_parts(settings)})
    failed = [t for t in report.tests if t.score < t.max_score]
    return AuditRow(entry, scores, tuple(f"{t.part}: {t.name}" for t in failed), failed[0].output if failed else "",
                    diagnoses_of(failed))


def diagnoses_of(failed):
    """(property as "part: name", misconception or None, entries explaining it) of each failed test."""
    return tuple((f"{t.part}: {t.name}", t.misconception, t.explained_by) for t in failed)


def grade_mutant(mutant, settings):
    """Graded in every part that calls the mutated definition (fold_biases: parts 3 and 4)."""
    failed = failed_tests(mutant, settings)
    return MutantRow(mutant, tuple(t.name for t in failed), diagnoses_of(failed))


def grade_sample_student(student, settings):
    """A sample class notebook, graded as handed in."""
    from ..release import ROSTER

    report = grade_path(SAMPLE_CLASS / student / NOTEBOOK, settings)
    return SampleRow(student, ROSTER[student], diagnoses_of([t for t in report.tests if t.score < t.max_score]))


def grade_vacuous(answer, settings):
    """Graded like a mutant, in every part that calls what it replaces."""
    return VacuousRow(answer, tuple(f"{t.part}: {t.name}" for t in failed_tests(answer, settings)))


def failed_tests(mutant, settings):
    """The tests a Mutant fails, graded in every part that calls what it changes."""
    parts = [p for p in graded_parts(settings) if p == mutant.part or p in parts_grading(mutant.override)]
    verdict_only = dataclasses.replace(settings, find_smallest=False)  # killed or not is all it needs
    report = grade_override(mutant.override, verdict_only, parts=parts)
    return [t for t in report.tests if t.score < t.max_score]


def run_audit(settings, jobs=2, entries=CATALOGUE):
    entries = [e for e in entries if e.part is None or e.part in graded_parts(settings)]
    with grader_pool(jobs) as pool:
        return list(pool.map(grade_entry, entries, [settings] * len(entries)))


def run_mutation_audit(settings, jobs=2, mutants=None):
    mutants = [m for m in (reference_mutants() if mutants is None else mutants) if m.part in graded_parts(settings)]
    with grader_pool(jobs) as pool:
        return list(pool.map(grade_mutant, mutants, [settings] * len(mutants)))


def run_vacuous_audit(settings, jobs=2):
    answers = [a for a in vacuous_answers() if a.part in graded_parts(settings)]
    with grader_pool(jobs) as pool:
        return list(pool.map(grade_vacuous, answers, [settings] * len(answers)))


def run_sample_class_audit(settings, jobs=2):
    from ..release import ROSTER

    students = sorted(ROSTER)
    with grader_pool(jobs) as pool:
        return list(pool.map(grade_sample_student, students, [settings] * len(students)))


def stale_equivalents(rows):
    """Entries of equivalents.py that name no mutant any more (the reference changed)."""
    return sorted(set(EQUIVALENT) - {row.mutant.id for row in rows})


def mutation_summary(rows):
    """Per part: mutants made, killed, confirmed equivalent; then every row not ok."""
    lines = []
    for part in PART_NAMES:
        mine = [r for r in rows if r.mutant.part == part]
        killed = sum(r.killed for r in mine)
        equivalent = sum(r.ok and not r.killed for r in mine)
        lines.append(f"mutants of {part}: {len(mine)} made, {killed} killed, {equivalent} confirmed equivalent, "
                     f"{len(mine) - killed - equivalent} survived")
    for row in rows:
        if row.ok and not row.killed:
            lines.append(f"equivalent {row.mutant.id}\n       | {row.equivalent_because}")
        elif not row.ok and row.killed:
            lines.append(f"FAIL killed but listed as equivalent: {row.mutant.id} ({', '.join(row.failed_properties)})")
        elif not row.ok:
            lines.append(f"FAIL survived: {row.mutant.id}")
    lines += [f"FAIL equivalents.py names no mutant: {key}" for key in stale_equivalents(rows)]
    non_equivalent = [r for r in rows if not r.equivalent_because]
    killed = sum(r.killed for r in non_equivalent)
    lines.append(f"mutation score: {killed}/{len(non_equivalent)} non-equivalent mutants killed "
                 f"({100 * killed / max(len(non_equivalent), 1):.0f}%)")
    return "\n".join(lines)


def vacuous_summary(rows):
    """Every vacuous answer that some property paid for, then the count."""
    lines = [f"FAIL vacuous {row.answer.id} passed: {', '.join(row.passed_properties)}" for row in rows if not row.ok]
    lines.append(f"vacuous answers: {sum(row.ok for row in rows)}/{len(rows)} failed every property that calls them")
    return "\n".join(lines)


def clause_summary(rows, clauses=CLAUSES):
    """The clause table of the parts graded in `rows` (the catalogue's): each clause with
    the properties that check it, the mistakes that break it, the caught ones marked *, and
    the variants taking a reading it allows, those at full marks marked *.
    FAIL for a clause no mistake is caught through (one that only allows: a variant of it
    not at full marks, or none), a mistake caught only through clauses it does not break,
    and a name that is no catalogued mistake or variant."""
    caught = {row.entry.name: {p.split(": ", 1)[1] for p in row.failed_properties}
              for row in rows if row.entry.is_mistake}
    kept = {row.entry.name: row.ok for row in rows if not row.entry.is_mistake}
    parts = {row.entry.part for row in rows if row.entry.is_mistake}
    clauses = [c for c in clauses if c.part in parts]
    lines, killed, allowed = [], 0, 0
    for c in clauses:
        killers = {m for m in c.mistakes if caught.get(m, set()) & set(c.properties)}
        readings_kept = all(kept.get(v, False) for v in c.variants)
        killed += bool(killers)
        allowed += bool(c.variants) and readings_kept
        ok = (bool(killers) or not c.mistakes and bool(c.variants)) and readings_kept
        broken_by = ", ".join(m + "*" * (m in killers) for m in c.mistakes) or "nothing"
        allows = f"; allows {', '.join(v + '*' * kept.get(v, False) for v in c.variants)}" if c.variants else ""
        lines.append(f"{'ok  ' if ok else 'FAIL'} [{c.part}] {c.text}\n"
                     f"       | checked by {', '.join(c.properties)}; broken by {broken_by}{allows}")
    for name, failed in caught.items():
        own = {p for c in clauses if name in c.mistakes for p in c.properties}
        if failed and not failed & own:
            lines.append(f"FAIL {name} is caught only through properties of clauses it does not break: {', '.join(sorted(failed))}")
    named = {m for c in clauses for m in c.mistakes}
    lines += [f"FAIL the clause table names {m}, which is no catalogued mistake" for m in sorted(named - set(caught))]
    lines += [f"FAIL the clause table names {v}, which is no catalogued variant"
              for v in sorted({v for c in clauses for v in c.variants} - set(kept))]
    lines += [f"FAIL the mistake {m} breaks no clause of the table" for m in sorted(set(caught) - named)]
    breakable = sum(bool(c.mistakes) for c in clauses)
    lines.append(f"clauses: {killed}/{breakable} caught through a mistake that breaks them; "
                 f"{allowed}/{sum(bool(c.variants) for c in clauses)} allowing other readings kept them at full marks")
    return "\n".join(lines)


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
    lines.append(f"kill rate: {killed}/{len(mistakes)} mistakes caught in their own part and in no part "
                 f"that does not grade what they change "
                 f"({100 * killed / max(len(mistakes), 1):.0f}%); {kept}/{len(variants)} correct variants at full marks")
    return "\n".join(lines)


def diagnosis_problems(row):
    """What is wrong with a catalogue row's diagnoses: a variant diagnosed at all; a
    mistake diagnosed as another misconception, or never as its own with itself among
    the entries explaining it. (A failure that mistakes of different misconceptions
    explain alike is told nothing, which is not wrong.)"""
    entry, own = row.entry, label_of(row.entry)
    problems = [f"{entry.name} is diagnosed on {prop} as: {misconception}"
                for prop, misconception, _ in row.diagnoses if misconception and misconception != own]
    diagnosed = any(entry.name in explained_by for _, _, explained_by in row.diagnoses)
    if entry.is_mistake and not diagnosed and entry.name not in UNDIAGNOSABLE:
        problems.append(f"{entry.name} is never diagnosed as its own misconception")
    if diagnosed and entry.name in UNDIAGNOSABLE:
        problems.append(f"{entry.name} is diagnosed, but catalogue.UNDIAGNOSABLE says it cannot be")
    return problems


def label_of(entry):
    """The misconception a catalogue entry has (None: a correct variant, or no entry)."""
    return entry.because.label if entry and entry.because else None


def wrong_diagnoses(own, diagnoses):
    """Diagnoses naming a misconception other than `own` (None: the code has none)."""
    return sum(1 for _, misconception, _ in diagnoses if misconception and misconception != own)


def diagnosed_share(name, diagnoses, wrong=None):
    """One line of the measure: how many failed properties got a diagnosis, and how many
    a wrong one (None: the code has no label to check it against)."""
    told = sum(1 for _, misconception, _ in diagnoses if misconception)
    line = f"diagnoses, {name}: {told}/{len(diagnoses)} failed properties diagnosed ({100 * told / max(len(diagnoses), 1):.0f}%)"
    return line + (", wrong ones not countable (no labels)" if wrong is None else f", {wrong} wrong")


def diagnosis_summary(rows, sample_rows, mutant_rows):
    """Under each mistake the line its student reads when diagnosed; a FAIL line for every
    diagnosis problem (diagnosis_problems); then the measure over the catalogue, the
    sample class and the mutants."""
    lines = []
    for row in rows:
        problems = diagnosis_problems(row)
        if row.entry.is_mistake:
            told = sum(1 for _, misconception, _ in row.diagnoses if misconception)
            lines.append(f"{'FAIL' if problems else 'told'} {row.entry.name:34} diagnosed on {told}/{len(row.diagnoses)} failed properties")
            lines.append(f"       | {Diagnosis(row.entry.because, ()).line}")
            if row.entry.name in UNDIAGNOSABLE:
                lines.append(f"       | undiagnosable: {UNDIAGNOSABLE[row.entry.name]}")
        lines += [f"FAIL {problem}" for problem in problems]
    catalogue = [d for row in rows for d in row.diagnoses]
    lines.append(diagnosed_share("catalogue", catalogue, sum(wrong_diagnoses(label_of(row.entry), row.diagnoses) for row in rows)))
    entries = {entry.name: entry for entry in CATALOGUE}
    sample = [d for row in sample_rows for d in row.diagnoses]
    lines.append(diagnosed_share("sample class", sample,
                                 sum(wrong_diagnoses(label_of(entries.get(row.handed_in)), row.diagnoses) for row in sample_rows)))
    lines.append(diagnosed_share("mutants", [d for row in mutant_rows for d in row.diagnoses]))
    return "\n".join(lines)
