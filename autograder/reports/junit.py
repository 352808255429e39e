"""JUnit XML, the format CI test panels read: one testcase per property, one suite per part.

Built from Gradescope results (the results record, results.py), so a `grade` run and every
student of a `grade-class` run can be shown the same way. A property that lost its
points is a <failure> whose text is the feedback; the points go in <properties>.
"""
import xml.etree.ElementTree as ET

from ..config import ASSIGNMENT, PART_NAMES
from ..results import lost_points


def junit_xml(results, suite_name=ASSIGNMENT):
    """The results of one submission as a JUnit XML document (str)."""
    tests = results["tests"]
    root = ET.Element("testsuites", name=suite_name, **_counts(tests), time=_seconds(results.get("execution_time", 0)))
    for part in PART_NAMES:
        part_tests = [t for t in tests if t["tags"][0] == part]
        if not part_tests:
            continue
        suite = ET.SubElement(root, "testsuite", name=f"{suite_name}.{part}", **_counts(part_tests), errors="0", skipped="0")
        for test in part_tests:
            case = ET.SubElement(suite, "testcase", classname=f"{suite_name}.{part}", name=test["name"].split(": ", 1)[1])
            points = ET.SubElement(ET.SubElement(case, "properties"), "property", name="points")
            points.set("value", f"{test['score']:g}/{test['max_score']:g}")
            if lost_points(test):
                failure = ET.SubElement(case, "failure", message=_first_failure_line(test["output"]), type="PropertyFailed")
                failure.text = test["output"]
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _counts(tests):
    return {"tests": str(len(tests)), "failures": str(sum(map(lost_points, tests)))}


def _seconds(value):
    return f"{float(value):.3f}"


def _first_failure_line(output):
    lines = output.splitlines()
    return next((line for line in lines if line.startswith("FAILED: ")), lines[-1] if lines else "failed")
