"""Shared fixtures: the course's settings and submissions made from the reference."""
import pytest

from autograder.config import load_settings
from autograder.reference import notebook_json, solved_module, solved_notebook



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
