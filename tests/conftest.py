"""Shared fixtures: the course's settings and submissions made from the reference, and what
keeps this test session apart from another on the same machine (tests/security/host.py)."""
import os
import secrets
import tempfile

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from autograder.config import load_settings
from autograder.engine import mistake_runs
from autograder.reference import notebook_json, solved_module, solved_notebook
from autograder.sandbox.confinement import RUN_TAG

# Before any grader starts: every template and keeper of this session carries it.
os.environ[RUN_TAG] = f"tests-{os.getpid()}-{secrets.token_hex(8)}"

# The longest test files, longest first (alone, in seconds: about 320, 170, 150, 130, 115, 70;
# see benchmarks/README.md). `make test` hands files to its pytest workers in collection
# order: started first, the long ones do not leave one worker running alone at the end.
LONGEST_FIRST = ("security/test_red_team.py", "test_nbgrader.py", "test_grade_class.py", "test_audit.py",
                 "test_replay_equivalence.py", "test_nbgrader_exchange.py")


def pytest_collection_modifyitems(items):
    """The files of LONGEST_FIRST first, in its order; the others as collected."""
    def rank(item):
        path = item.path.relative_to(item.config.rootpath / "tests").as_posix()
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


@pytest.fixture(scope="session", autouse=True)
def own_scratch_folder(tmp_path_factory):
    """This session's TMPDIR, in its pytest folder: what it and the graders it starts put in
    the temporary folder is never among another run's files in /tmp. hypothesis keeps its
    files (a cache of unicode tables) there too, not in the course folder, where the red
    team sees every file that changes."""
    folder = tmp_path_factory.mktemp("tmp", numbered=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(folder))
        patch.setattr(tempfile, "tempdir", None)  # gettempdir() asks TMPDIR again
        patch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(folder / "hypothesis"))
        set_hypothesis_home_dir(folder / "hypothesis")
        yield folder
    set_hypothesis_home_dir(None)


@pytest.fixture(scope="session")
def settings():
    return load_settings()


@pytest.fixture(scope="session")
def reference_module(tmp_path_factory):
    path = tmp_path_factory.mktemp("reference") / "convnets.py"
    path.write_text(solved_module())
    return path


@pytest.fixture(scope="session")
def reference_notebook(tmp_path_factory):
    path = tmp_path_factory.mktemp("reference-nb") / "convnets.ipynb"
    path.write_text(notebook_json(solved_notebook()))
    return path


@pytest.fixture(autouse=True)
def no_mistake_runs(monkeypatch, tmp_path_factory):
    """In-process graders find no catalogued mistakes' runs (engine/mistake_runs.py), which a
    course's .grading_cache/ holds after `make release`: a test that looks at what hypothesis
    runs or records sees the same whether or not the course was released here. The tests of
    mistake_runs.py point graders to their own file."""
    monkeypatch.setattr(mistake_runs, "mistakes_file", lambda settings: tmp_path_factory.getbasetemp() / "no-mistake-runs.bin")
