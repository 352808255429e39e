"""The formats graders and CI read: Gradescope's results.json (checked against a schema
written from Gradescope's documented fields), JUnit XML, a Markdown summary with
GitHub Classroom's `Points X/Y` line; and per-test visibility from course_config.py."""
import dataclasses
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema
import nbformat
import pytest

from autograder.config import COURSE_ROOT, load_settings
from autograder.grader import grade_path
from autograder.nbgrader_bridge import preprocessor
from autograder.reports.junit import junit_xml
from autograder.reports.markdown import markdown_summary, points_line
from autograder.results import gradescope_results

CLEO = COURSE_ROOT / "sample_class" / "cleo" / "convnets.ipynb"  # loses chain and sigmoid-graph: 120/130
VISIBILITY = {"bias-folding": "hidden", "sigmoid-graph": "after_due_date", "sigmoid-graph: chain": "after_published"}

# https://gradescope-autograders.readthedocs.io/en/latest/specs/ (results.json)
VISIBILITY_VALUES = {"enum": ["visible", "after_due_date", "after_published", "hidden"]}
OUTPUT_FORMATS = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
GRADESCOPE_SCHEMA = {
    "type": "object",
    "required": ["tests"],
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": OUTPUT_FORMATS,
        "test_output_format": OUTPUT_FORMATS,
        "test_name_format": OUTPUT_FORMATS,
        "visibility": VISIBILITY_VALUES,
        "stdout_visibility": VISIBILITY_VALUES,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "score": {"type": "number"},
                "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"},
                "name_format": OUTPUT_FORMATS,
                "number": {"type": "string"},
                "output": {"type": "string"},
                "output_format": OUTPUT_FORMATS,
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": VISIBILITY_VALUES,
                "extra_data": {"type": "object"},
            },
        }},
        "leaderboard": {"type": "array"},
    },
}


@pytest.fixture(scope="module")
def results(settings):
    return gradescope_results(grade_path(CLEO, dataclasses.replace(settings, visibility=VISIBILITY)))


def test_gradescope_results_follow_the_documented_format(results):
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    assert results["score"] == 120.0 == sum(t["score"] for t in results["tests"])
    failed = {t["name"] for t in results["tests"] if t["status"] == "failed"}
    assert failed == {"sigmoid-graph: chain", "sigmoid-graph: sigmoid-graph"}


def test_visibility_comes_from_the_most_specific_key(results):
    visibility = {t["name"]: t["visibility"] for t in results["tests"]}
    assert visibility["sigmoid-graph: chain"] == "after_published"
    assert visibility["sigmoid-graph: negate-node"] == "after_due_date"
    assert visibility["bias-folding: fold-deep"] == "hidden"
    assert visibility["sigmoid-gradient: sigmoid-values"] == "visible"  # the default


@pytest.mark.parametrize("setting, message", [
    ('VISIBILITY = {"bias-folding": "after_deadline"}', "must be one of visible, after_due_date"),
    ('DEFAULT_VISIBILITY = "secret"', "DEFAULT_VISIBILITY is 'secret'"),
])
def test_a_misspelt_visibility_is_refused(tmp_path, setting, message):
    config = tmp_path / "course_config.py"
    config.write_text((COURSE_ROOT / "course_config.py").read_text() + "\n" + setting + "\n")
    with pytest.raises(ValueError, match=message):
        load_settings(config)


def test_a_visibility_for_no_test_is_refused(settings):
    with pytest.raises(ValueError, match="no part or \"part: property\": bias-folding: fold-everything"):
        grade_path(CLEO, dataclasses.replace(settings, visibility={"bias-folding: fold-everything": "hidden"}))


def test_nbgrader_feedback_leaves_out_hidden_messages(settings, monkeypatch):
    monkeypatch.setattr(preprocessor, "load_settings", lambda: dataclasses.replace(settings, visibility={"sigmoid-graph": "hidden"}))
    notebook = nbformat.read(CLEO, as_version=4)
    graded, _ = preprocessor.SandboxedGrading().preprocess(notebook, {})
    shown = {preprocessor.part_of(c): c.outputs[0]["text"] for c in graded.cells if preprocessor.part_of(c)}
    assert "chain: 0/5 points (its feedback is for course staff only)" in shown["sigmoid-graph"]
    assert "Smallest failing input" not in shown["sigmoid-graph"] and "expected" not in shown["sigmoid-graph"]
    assert "sigmoid-values: sigmoid(x)" in shown["sigmoid-gradient"]  # visible parts keep their messages


def test_junit_has_one_testcase_per_property_and_a_failure_for_each_lost_point(results):
    root = ET.fromstring(junit_xml(results))
    assert root.tag == "testsuites" and int(root.get("tests")) == len(results["tests"]) and int(root.get("failures")) == 2
    cases = [case for suite in root.iter("testsuite") for case in suite.iter("testcase")]
    assert [f"{c.get('classname').split('.')[1]}: {c.get('name')}" for c in cases] == [t["name"] for t in results["tests"]]
    for suite in root.iter("testsuite"):
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
    failures = {c.get("name"): c.find("failure") for c in cases if c.find("failure") is not None}
    assert set(failures) == {"chain", "sigmoid-graph"}
    assert failures["chain"].get("message").startswith("FAILED: Chain(nodes).backward(grad_y) is wrong")
    assert "Smallest failing input: chain(" in failures["chain"].text


def test_markdown_summary_has_the_points_line_and_each_failure(results):
    summary = markdown_summary(results)
    assert points_line(results) == "Points 120/130" and "\nPoints 120/130\n" in summary
    assert "| sigmoid-graph | 20/30 | 4/6 |" in summary and "| bias-folding | 40/40 | 4/4 |" in summary
    assert "| conv-folding | 30/30 | 5/5 |" in summary
    assert summary.count("<details>") == 2 and "Smallest failing input: chain(" in summary


@pytest.mark.slow
def test_grade_command_writes_every_format_and_ends_with_the_points_line(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(CLEO), "--output", str(tmp_path / "results.json"),
                          "--junit", str(tmp_path / "junit.xml"), "--markdown", str(tmp_path / "summary.md")],
                         cwd=COURSE_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "Points 120/130"
    results = json.loads((tmp_path / "results.json").read_text())
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    assert ET.parse(tmp_path / "junit.xml").getroot().get("failures") == "2"
    assert (tmp_path / "summary.md").read_text() == markdown_summary(results)
