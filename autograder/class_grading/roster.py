"""Which submissions a class run grades: nbgrader's layout or a plain folder, and shards."""
import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..config import COURSE_ROOT

ASSIGNMENT = "convnets"
DEFAULT_FOLDER = COURSE_ROOT / "submitted"


@dataclass(frozen=True)
class Entry:
    student: str
    path: Path

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


def find_submissions(folder):
    """[Entry] sorted by student: `<student>/convnets/convnets.ipynb` (nbgrader's
    submitted/ layout) or `<student>/convnets.ipynb` / `<student>/convnets.py`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RosterError(f"{folder} is not a folder of student submissions")
    entries = []
    for student in sorted(p for p in folder.iterdir() if p.is_dir()):
        candidates = [student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", student / f"{ASSIGNMENT}.ipynb", student / f"{ASSIGNMENT}.py"]
        found = next((c for c in candidates if c.is_file()), None)
        if found is not None:
            entries.append(Entry(student.name, found))
    if not entries:
        raise RosterError(f"no <student>/{ASSIGNMENT}/{ASSIGNMENT}.ipynb, <student>/{ASSIGNMENT}.ipynb "
                          f"or <student>/{ASSIGNMENT}.py under {folder}")
    return entries


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
