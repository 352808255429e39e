"""Part bias-folding: threshold(z, t) = max(t, z), and folding t into a ReLU network's biases.

Since max(t, z) = t + relu(z - t), a threshold network is a ReLU network whose hidden
biases are lowered by t, and whose next layers' biases are raised by t * W.sum(axis=1).
"""
import numpy as np
from . import oracles
from .registry import graded_property
from .checks import expect_array, expect_close, expect_list, expect_unchanged, one_line
from .lazy_hypothesis import strategies

PART = "bias-folding"


@graded_property(PART, "threshold", "threshold(z, t) is max(t, z) entry by entry, keeps z's dtype whatever t's, leaves z alone",
                 uses=["threshold"], data=strategies.activations_and_thresholds())
def threshold(student, data):
    z, t = data
    expected = np.maximum(z, np.asarray(t, dtype=z.dtype))
    result = student.call("threshold", z.copy(), t, report_args=True)
    expect_array(result.value, shape=z.shape, dtype=z.dtype, what=f"threshold(z, t) with {z.dtype} z and t = {t!r}")
    expect_close(result.value, expected, rtol=0.0, atol=threshold_tolerance(z, t), what="threshold(z, t)")
    expect_unchanged(z, result.args_after[0], what="z")


# The contract's accuracy, in eps of z's dtype times |z| + |t|. A maximum (or np.where) is
# exact but for t rounded to z's dtype; t + relu(z - t) in z's dtype rounds twice, z - t
# and then + t, each by at most eps / 2 of a value below (|z| + |t|)(1 + eps): a little over
# 1 eps in all, so 2 is the smallest whole number that holds it.
THRESHOLD_EPS = 2


def threshold_tolerance(z, t):
    """The contract's bound on |threshold(z, t) - max(t, z)|, entry by entry."""
    magnitude = np.abs(z.astype(np.float64)) + np.abs(np.asarray(t, dtype=np.float64))
    return THRESHOLD_EPS * np.finfo(z.dtype).eps * magnitude


def check_folding(student, weights, biases, x, t, report_args=False):
    """The ReLU network with the student's folded biases must equal the threshold network.
    Returns the call's result; report_args: with the arguments as they are after the call
    (its args_after), sent back only when a property looks at them."""
    # t: one threshold for every neuron, or (part conv-folding) one per hidden layer
    activation = oracles.per_layer_thresholds(t) if isinstance(t, list) else lambda z: oracles.threshold(z, t)
    expected = oracles.mlp_forward(weights, biases, x, activation)
    # Rounding in either network is a few ulps of the largest partial sum; 1e-12 of that
    # bound covers every order of summation.
    atol = 1e-12 * oracles.mlp_magnitude(weights, biases, x, t).max()
    result = student.call("fold_biases", weights, biases, t, report_args=report_args)
    folded = result.value
    expect_list(folded, length=len(biases), what="fold_biases(weights, biases, t)")
    for layer, (new, old) in enumerate(zip(folded, biases)):
        expect_array(new, shape=old.shape, dtype=old.dtype, what=f"folded bias of layer {layer}")
    actual = oracles.mlp_forward(weights, folded, x, oracles.relu)
    sizes = [weights[0].shape[1], *(w.shape[0] for w in weights)]
    expect_close(actual, expected, rtol=1e-12, atol=atol,
                 what=f"the ReLU network with your folded biases (t = {t!r}), compared with the threshold network,",
                 explain=lambda: f"  layer sizes {sizes}, t = {t!r}, input x = {one_line(x)}\n"
                                 f"  the threshold network gives        {one_line(expected)}\n"
                                 f"  the ReLU network with your biases  {one_line(actual)}\n"
                                 f"  your folded biases                 {', '.join(one_line(b) for b in folded)}")
    return result


@graded_property(PART, "fold-last-layer", "fold_biases on one or two layers: the last layer, with no activation after it, gets no -t",
                 uses=["fold_biases"], network=strategies.networks(min_depth=1, max_depth=2))
def fold_last_layer(student, network):
    check_folding(student, **network)


@graded_property(PART, "fold-deep", "fold_biases on 2 to 4 layers: the ReLU network equals the threshold network",
                 uses=["fold_biases"], weight=2, network=strategies.networks(min_depth=2, max_depth=4))
def fold_deep(student, network):
    check_folding(student, **network)


@graded_property(PART, "fold-leaves-inputs", "fold_biases is right and leaves its weights and biases unmodified",
                 uses=["fold_biases"], network=strategies.networks(min_depth=1, max_depth=4))
def fold_leaves_inputs(student, network):
    weights_after, biases_after, _ = check_folding(student, **network, report_args=True).args_after
    expect_list(weights_after, length=len(network["weights"]), what="the weights list after the call")
    expect_list(biases_after, length=len(network["biases"]), what="the biases list after the call")
    for layer, (w, b) in enumerate(zip(network["weights"], network["biases"])):
        expect_unchanged(w, weights_after[layer], what=f"weights[{layer}]")
        expect_unchanged(b, biases_after[layer], what=f"biases[{layer}]")
