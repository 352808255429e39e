"""Part conv-folding: the notebook's given convnet forward agrees with the grader's
oracle; a refusal counts only as a ValueError about padding; the part can be left out
of a course, and the earlier parts score the same with it or without it."""
import copy
import dataclasses

import nbformat
import numpy as np
import pytest
from hypothesis import given, settings as hypothesis_settings

from autograder.config import COURSE_ROOT, PART_NAMES
from autograder.grader import grade_path
from autograder.nbgrader_bridge.command import nbgrader
from autograder.notebook_source import build_master, notebook_text
from autograder.properties import oracles
from autograder.properties.strategies import conv_networks
from autograder.reference import solved_module, solved_notebook
from autograder.release import ROSTER

EARLIER_PARTS = ("sigmoid-graph", "sigmoid-gradient", "bias-folding")
# The sample class's scores in the three earlier parts, as they were before part 4 existed.
EARLIER_TOTALS = {"ada": 100, "ben": 0, "cleo": 90, "dev": 95, "eve": 68, "finn": 100}


def given_code():
    """The notebook's given convnet code, run as a student's kernel would."""
    cell = next(c for c in build_master().cells if c.metadata["nbgrader"]["grade_id"] == "given-convnet")
    namespace = {"np": np}
    exec(cell.source, namespace)
    return namespace


@hypothesis_settings(max_examples=40, derandomize=True, deadline=None, database=None)
@given(network=conv_networks(padding="unshifted") | conv_networks(padding="later"))
def test_the_given_forward_is_the_oracle(network):
    given_forward = given_code()["convnet_forward"]
    layers, x, t = network["layers"], network["x"], network["t"]
    for activation in (oracles.relu, lambda z: oracles.threshold(z, t)):
        assert np.allclose(given_forward(layers, x, activation), oracles.convnet_forward(layers, x, activation),
                           rtol=1e-12, atol=1e-12 * oracles.convnet_magnitude(layers, x, t).max())


@hypothesis_settings(max_examples=20, derandomize=True, deadline=None, database=None)
@given(network=conv_networks(padding="none"))
def test_the_remembered_threshold_convnet_is_the_one_computed_for_these_very_inputs(network):
    layers, x, t = network["layers"], network["x"], network["t"]
    output, magnitude = oracles.threshold_convnet(layers, x, t)
    assert np.array_equal(output, oracles.convnet_forward(layers, x, lambda z: oracles.threshold(z, t)))
    assert np.array_equal(magnitude, oracles.convnet_magnitude(layers, x, t))
    assert not output.flags.writeable and not magnitude.flags.writeable
    assert oracles.threshold_convnet(copy.deepcopy(layers), x.copy(), t)[0] is output  # equal inputs: remembered
    changed = copy.deepcopy(layers)
    weighted = next(layer for layer in changed if "bias" in layer)  # a network may start with flatten
    weighted["bias"] = weighted["bias"] + 1.0
    assert oracles.threshold_convnet(changed, x, t)[0] is not output  # other inputs: computed anew
    assert oracles.threshold_convnet(layers, x, t + 1.0)[0] is not output


@hypothesis_settings(max_examples=20, derandomize=True, deadline=None, database=None)
@given(network=conv_networks(padding="unshifted"))
def test_the_remembered_relu_convnet_depends_on_what_the_forward_pass_reads_only(network):
    """A student's folded layers: extra keys do not matter, every key the pass reads does."""
    layers, x = network["layers"], network["x"]
    output = oracles.relu_convnet(layers, x)
    assert np.array_equal(output, oracles.convnet_forward(layers, x, oracles.relu)) and not output.flags.writeable
    with_extra_keys = [dict(layer, note="mine", shape=(1, 2)) for layer in layers]
    assert oracles.relu_convnet(with_extra_keys, x.copy()) is output
    padded = next(i for i, layer in enumerate(layers) if layer.get("padding"))
    for key, value in [("pad_value", -1.0), ("bias", layers[padded]["bias"] - 1.0)]:
        changed = copy.deepcopy(layers)
        changed[padded][key] = value
        assert np.array_equal(oracles.relu_convnet(changed, x), oracles.convnet_forward(changed, x, oracles.relu))
        assert oracles.relu_convnet(changed, x) is not output


REFUSE = '''
def fold_conv_thresholds(layers, t):
    first_weighted = next(i for i, layer in enumerate(layers) if layer["kind"] in ("conv", "dense"))
    if t != 0 and any(layer["kind"] == "conv" and layer["padding"] for layer in layers[first_weighted + 1:]):
        raise {error}
    return reference_fold(layers, t)
'''


@pytest.mark.parametrize("error, accepted", [
    ('ValueError("zero padding after an activation cannot be folded")', True),
    ('ValueError("cannot fold this network")', False),  # says nothing of the padding
    ('RuntimeError("zero padding cannot be folded")', False),  # not a ValueError
])
def test_only_a_value_error_about_padding_is_a_refusal(tmp_path, settings, error, accepted):
    module = solved_module().replace("def fold_conv_thresholds(", "def reference_fold(") + REFUSE.format(error=error)
    path = tmp_path / "convnets.py"
    path.write_text(module)
    tests = {t.name: t for t in grade_path(path, settings, parts=["conv-folding"]).tests}
    assert (tests["conv-later-padding"].score == tests["conv-later-padding"].max_score) == accepted
    assert all(t.score == t.max_score for name, t in tests.items() if name != "conv-later-padding")


@pytest.mark.slow
def test_a_part_left_out_is_neither_released_nor_graded(tmp_path, settings):
    root = tmp_path / "course"
    (root / "solutions" / "convnets").mkdir(parents=True)
    for path in (COURSE_ROOT / "solutions" / "convnets").glob("*.py"):
        (root / "solutions" / "convnets" / path.name).write_text(path.read_text())
    master = build_master({**settings.part_points, "conv-folding": 0.0})
    (root / "solutions" / "convnets" / "convnets.ipynb").write_text(notebook_text(master))
    nbgrader("generate_assignment", "convnets", course_root=root, quiet=True)
    released = root / "assignment" / "convnets" / "convnets.ipynb"
    text = released.read_text()
    assert "conv-folding" not in text and "fold_conv_thresholds" not in text and "Part 4" not in text
    assert "| 3. `bias-folding` |" in text  # the other rows of the intro's table stay
    without = dataclasses.replace(settings, part_points={**settings.part_points, "conv-folding": 0.0})
    student = tmp_path / "student" / "convnets.ipynb"
    student.parent.mkdir()
    nbformat.write(solved_notebook("", released), student)
    report = grade_path(student, without)
    assert report.score == report.max_score == 100 and {t.part for t in report.tests} == set(EARLIER_PARTS)


@pytest.mark.parametrize("student", sorted(ROSTER))
def test_the_earlier_parts_score_as_before(settings, student):
    path = COURSE_ROOT / "sample_class" / student / "convnets.ipynb"
    with_part = grade_path(path, settings)
    without = grade_path(path, dataclasses.replace(settings, part_points={**settings.part_points, "conv-folding": 0.0}))
    earlier = {part: with_part.part_score(part) for part in EARLIER_PARTS}
    assert earlier == {part: without.part_score(part) for part in EARLIER_PARTS}
    assert sum(earlier.values()) == EARLIER_TOTALS[student]
    assert set(PART_NAMES) == {*EARLIER_PARTS, "conv-folding"}
