"""Which submissions a class run grades: nbgrader's layout or a plain folder, and shards.

Every student folder is accounted for: its submission is taken, or it is refused with the
reason. `convnets.ipynb` is taken as it is; otherwise a folder's only notebook, whatever
its name (`Convnets.ipynb`, `convnets (1).ipynb`, `convnets-Copy1.ipynb`), or, without a
notebook, its only `convnets.py` under such a near-miss name, and the run says which file
it took. Two notebooks, or none, are refused: which one to grade is a person's call.
"""
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ASSIGNMENT, COURSE_ROOT

DEFAULT_FOLDER = COURSE_ROOT / "submitted"
RELEASED_HELPERS = {"graph_figure.py", "check_visible.py"}  # released with the notebook: never a submission
COPY_SUFFIX = re.compile(r"(\s*\(\d+\)|-copy\d*)+$")  # what a download or Jupyter's "Make a Copy" adds


@dataclass(frozen=True)
class Entry:
    student: str
    path: Path
    taken: str = ""  # why this file was taken, when it is not the expected name

    @property
    def timestamp(self):
        """When it was handed in, from the timestamp.txt `nbgrader collect` leaves, if any;
        UnreadableMetadata if it is there but cannot be read as text."""
        stamp = self.path.parent / "timestamp.txt"
        try:
            return stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else None
        except (OSError, UnicodeDecodeError) as error:
            raise UnreadableMetadata(f"{stamp} cannot be read ({type(error).__name__})") from None


class UnreadableMetadata(Exception):
    """A file that comes with a submission (its timestamp.txt) cannot be read."""


class RosterError(Exception):
    """The folder holds no submissions in a layout the grader knows, or a shard is malformed."""


@dataclass(frozen=True)
class Refused:
    student: str
    reason: str


@dataclass
class Roster:
    entries: list = field(default_factory=list)  # [Entry], sorted by student
    refused: list = field(default_factory=list)  # [Refused], sorted by student


def find_submissions(folder):
    """The Roster of `folder`: one Entry or Refused per student folder (hidden folders
    aside), from `<student>/convnets/` (nbgrader's submitted/ layout) or `<student>/`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RosterError(f"{folder} is not a folder of student submissions")
    roster = Roster()
    for student in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            roster.entries.append(Entry(student.name, *submission_in(student / ASSIGNMENT if (student / ASSIGNMENT).is_dir()
                                                                     else student)))
        except NoSubmission as reason:
            roster.refused.append(Refused(student.name, str(reason)))
    if not roster.entries:
        raise RosterError(f"no <student>/{ASSIGNMENT}/{ASSIGNMENT}.ipynb, <student>/{ASSIGNMENT}.ipynb "
                          f"or <student>/{ASSIGNMENT}.py under {folder}"
                          + "".join(f"\n  {r.student}: {r.reason}" for r in roster.refused))
    return roster


class NoSubmission(Exception):
    """A student's folder holds no submission the grader can tell apart (the reason)."""


def submission_in(place):
    """(the submission file in a student's folder `place`, what to say about the choice);
    NoSubmission if there is none, or more than one it could be."""
    files = sorted(p for p in place.iterdir() if p.is_file() and not p.name.startswith("."))
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    expected = place / f"{ASSIGNMENT}.ipynb"
    if expected in notebooks:
        others = [p.name for p in notebooks if p != expected]
        return expected, f"took {expected.name} (also there: {', '.join(others)})" if others else ""
    if len(notebooks) == 1:
        return notebooks[0], f"took {notebooks[0].name} (expected {expected.name})"
    if notebooks:
        raise NoSubmission(f"{len(notebooks)} notebooks ({', '.join(p.name for p in notebooks)}); expected one {expected.name}")
    scripts = [p for p in files if p.suffix == ".py" and p.name not in RELEASED_HELPERS and _near_miss(p.stem)]
    if len(scripts) == 1:
        return scripts[0], "" if scripts[0].stem == ASSIGNMENT else f"took {scripts[0].name} (expected {ASSIGNMENT}.py)"
    if scripts:
        raise NoSubmission(f"{len(scripts)} modules ({', '.join(p.name for p in scripts)}); expected one {ASSIGNMENT}.py")
    raise NoSubmission(f"no {ASSIGNMENT}.ipynb or {ASSIGNMENT}.py ({', '.join(p.name for p in files) or 'the folder is empty'})")


def _near_miss(stem):
    """`convnets`, or it under another case or with a copy's suffix."""
    return COPY_SUFFIX.sub("", stem.lower()) == ASSIGNMENT


def is_nbgrader_layout(entries):
    return all(e.path.parent.name == ASSIGNMENT and e.path.parent.parent.name == e.student for e in entries)


def parse_shard(text):
    """'K/N' -> (K, N) with 1 <= K <= N."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise RosterError(f"--shard takes K/N, e.g. 2/4; got {text!r}") from None
    if not 1 <= k <= n:
        raise RosterError(f"--shard {text}: K must be between 1 and N")
    return k, n


def in_shard(student, shard):
    """Each student belongs to one shard of N, decided by their name alone, so adding a
    student to the class moves no one else."""
    k, n = shard
    return int.from_bytes(hashlib.sha256(student.encode()).digest()[:8], "big") % n == k - 1
