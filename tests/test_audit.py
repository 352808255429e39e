"""The audit: every catalogued mistake is caught in its own part only, every correct
variant keeps full marks, through the real `python -m autograder audit` command."""
import subprocess
import sys

from autograder.audit.catalogue import CATALOGUE
from autograder.config import COURSE_ROOT
from autograder.properties import PART_NAMES


def test_catalogue_is_large_enough_and_covers_every_part():
    mistakes = [e for e in CATALOGUE if e.is_mistake]
    assert len(mistakes) >= 15 and len(CATALOGUE) - len(mistakes) >= 3
    assert {e.part for e in mistakes} == set(PART_NAMES)
    assert len({e.name for e in CATALOGUE}) == len(CATALOGUE)


def test_audit_kills_every_mistake_and_spares_every_variant():
    run = subprocess.run([sys.executable, "-m", "autograder", "audit", "--jobs", "2"],
                         cwd=COURSE_ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    mistakes = sum(e.is_mistake for e in CATALOGUE)
    assert f"kill rate: {mistakes}/{mistakes} mistakes caught in their own part only (100%)" in run.stdout
    assert "FAIL" not in run.stdout
