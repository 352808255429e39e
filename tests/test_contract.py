"""One reading of every rule (issue 18): for each rule students read two ways, a student
of each reading is graded in the rule's part and gets what the contract says: full marks
for a reading it allows, the property's loss for one it forbids. The readings are the
catalogue's entries (audit/catalogue.py), so the audit and the clause table see them too."""
import pytest

from autograder.audit.catalogue import CATALOGUE
from autograder.audit.run import grade_override

# (catalogue entry, its part, the property it must fail; None: full marks)
READINGS = [
    # a padded conv after an activation pads with its own pad_value minus t, not -t nor 0
    ("conv-overwrites-pad-value", "conv-folding", "conv-later-padding"),
    ("conv-ignores-padding", "conv-folding", "conv-later-padding"),
    # refusing is right only where the conv's input is shifted; elsewhere it is wrong
    ("conv-refuses-later-padding", "conv-folding", None),
    ("conv-refuses-at-zero-threshold", "conv-folding", "conv-unshifted-padding"),
    ("conv-refuses-after-leading-pool", "conv-folding", "conv-unshifted-padding"),
    ("conv-refuses-any-padding", "conv-folding", "conv-unshifted-padding"),
    # fold_biases' result is float64, as the biases are, whatever t's dtype
    ("fold-biases-take-t-dtype", "bias-folding", "fold-last-layer"),
    # one t comes in every float form; a per-layer t is a list, so checking for a list is enough
    ("fold-takes-python-float-only", "bias-folding", "fold-last-layer"),
    ("fold-checks-list-only", "conv-folding", None),
    # fold_conv_thresholds: one t; its new dicts may hold the given kernels themselves
    ("conv-dict-unpacking", "conv-folding", None),
    # no warning escapes sigmoid; one silenced inside is not a warning
    ("sigmoid-where-errstate", "sigmoid-gradient", None),
    ("sigmoid-errstate-overflow-only", "sigmoid-gradient", "sigmoid-no-overflow"),
    # accuracy: 8 eps (1 + s); a tanh form's 0 for a true 4e-18 is within it, float32 inside is not
    ("sigmoid-tanh", "sigmoid-gradient", None),
    ("sigmoid-float32-inside", "sigmoid-gradient", "sigmoid-values"),
    # a Chain may run any number of rounds, its nodes in the order given every time
    ("chain-reverses-nodes-in-place", "sigmoid-graph", "chain"),
    # threshold: within 2 eps (|z| + |t|) of max(t, z), so t + relu(z - t), which rounds twice, is right
    ("threshold-via-relu", "bias-folding", None),
    ("threshold-where-cast", "bias-folding", None),
    # backward may be called again after one forward; each node answers for its own forwards
    ("chain-backward-pops-trace", "sigmoid-graph", "chain"),
    ("sigmoid-node-consumes-cache", "sigmoid-gradient", "sigmoid-node"),
    ("sigmoid-node-class-cache", "sigmoid-gradient", "sigmoid-node"),
    # Sigmoid's backward reuses forward's output: computing the sigmoid again by any formula is wrong
    ("sigmoid-node-recomputes-tanh", "sigmoid-gradient", "sigmoid-node-reuses-forward"),
    # sigmoid_graph() -> Chain: an instance of a subclass of Chain is a Chain
    ("graph-chain-subclass", "sigmoid-graph", None),
    # sigmoid leaves x unmodified
    ("sigmoid-in-place", "sigmoid-gradient", "sigmoid-values"),
    # fold_conv_thresholds: any number of dense layers, and networks with no conv (probe w10, w11)
    ("conv-dense-assumed-last", "conv-folding", "conv-valid"),
    ("conv-dense-always-shifted", "conv-folding", "conv-valid"),
    # a padded conv after two leading pools is not shifted (probe w12)
    ("conv-refuses-after-two-pools", "conv-folding", "conv-unshifted-padding"),
    # a refusal by a subclass of ValueError is a ValueError (probe c6)
    ("conv-refuses-with-subclass", "conv-folding", None),
]
# What the student reads, where the rule itself must be what failed (float32 biases are
# also a little off in value).
TOLD = {"fold-biases-take-t-dtype": "should have dtype float64, but its dtype is float32",
        "chain-reverses-nodes-in-place": "reorders the chain's own list of nodes",
        "chain-backward-pops-trace": "called again after the same forward",
        "sigmoid-node-consumes-cache": "called again after the same forward",
        "sigmoid-node-class-cache": "with another Sigmoid's forward in between",
        "sigmoid-node-recomputes-tanh": "called np.tanh 1 time(s), your sigmoid 1 time(s)",
        "sigmoid-in-place": "x was modified in place"}


def failed_properties(override, part, settings):
    """{name: feedback} of the properties `override` fails in `part`."""
    report = grade_override(override, settings, parts=[part])
    return {t.name: t.output for t in report.tests if t.score < t.max_score}


@pytest.mark.parametrize("name, part, loses", READINGS, ids=[r[0] for r in READINGS])
def test_each_reading_gets_what_the_contract_says(settings, name, part, loses):
    entry = next(e for e in CATALOGUE if e.name == name)
    assert entry.is_mistake == (loses is not None) and entry.part in (part, None)
    failed = failed_properties(entry.override, part, settings)
    assert not failed if loses is None else loses in failed, failed
    assert TOLD.get(name, "") in failed.get(loses, "")


# The reference sigmoid moved by k * eps * (1 + s): the contract allows 8. Only the
# properties of sigmoid itself: Sigmoid.backward has its own bound, which 1 - s, moved
# by as much, may exceed.
SIGMOID_PROPERTIES = {"sigmoid-values", "sigmoid-no-overflow", "sigmoid-keeps-dtype"}
SHIFTED_SIGMOID = """
def sigmoid(x):
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return (s - {k} * np.finfo(x.dtype).eps * (1 + s)).astype(x.dtype)
"""
FLUSHED_SIGMOID = """
def sigmoid(x):
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return np.where(s < 8 * np.finfo(x.dtype).eps, 0, s).astype(x.dtype)
"""


@pytest.mark.parametrize("override, allowed", [
    (SHIFTED_SIGMOID.format(k=6), True),
    (SHIFTED_SIGMOID.format(k=12), False),
    (FLUSHED_SIGMOID, True),  # true values below 8 eps may come out as 0
])
def test_sigmoid_is_held_to_the_stated_tolerance(settings, override, allowed):
    failed = set(failed_properties(override, "sigmoid-gradient", settings)) & SIGMOID_PROPERTIES
    assert failed == (set() if allowed else SIGMOID_PROPERTIES), failed


# The reference threshold moved by k * eps * (|z| + |t|), in z's dtype: the contract allows 2.
SHIFTED_THRESHOLD = """
def threshold(z, t):
    t = np.asarray(t, dtype=z.dtype)
    return np.maximum(z, t) + {k} * np.finfo(z.dtype).eps * (np.abs(z) + np.abs(t))
"""


@pytest.mark.parametrize("k, allowed", [(1, True), (4, False)])
def test_threshold_is_held_to_the_stated_tolerance(settings, k, allowed):
    failed = failed_properties(SHIFTED_THRESHOLD.format(k=k), "bias-folding", settings)
    assert set(failed) == (set() if allowed else {"threshold"}), failed
