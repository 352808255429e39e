"""The student API, clause by clause: what each sentence promises, which properties check
it, and which catalogued mistakes break it (and only it, or it among a few).

The audit holds every clause to two rules: some mistake that breaks it is caught by one
of its properties (a clause no mistake tests may be a clause no property checks), and
every catalogued mistake is caught through a clause it breaks (one caught only through
another clause passes for the wrong reason, and its student is told the wrong thing).
Where a clause allows several readings, the correct variants that take them are listed
too, and each must keep full marks; a clause that only allows (no mistake can break it)
is held to that alone.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Clause:
    part: str
    text: str
    properties: tuple  # property names of `part` that check it
    mistakes: tuple  # catalogue entries that break it
    variants: tuple = ()  # catalogue variants taking a reading it allows: they keep full marks


def clause(part, text, properties, mistakes, variants=""):
    return Clause(part, text, tuple(properties.split()), tuple(mistakes.split()), tuple(variants.split()))


CLAUSES = [
    # --- sigmoid-graph ------------------------------------------------------------
    clause("sigmoid-graph", "Negate: forward gives -x, backward gives -grad_y", "negate-node", "negate-backward-keeps-sign"),
    clause("sigmoid-graph", "Exp: forward gives e^x, backward gives grad_y * e^x", "exp-node", "exp-backward-uses-input"),
    clause("sigmoid-graph", "AddConstant(c): forward gives x + c, backward passes grad_y through", "add-constant-node",
           "add-constant-drops-gradient"),
    clause("sigmoid-graph", "Reciprocal: forward gives 1/x, backward gives -grad_y / x^2", "reciprocal-node",
           "reciprocal-backward-sign reciprocal-ignores-upstream"),
    clause("sigmoid-graph", "a node's backward uses its most recent forward", "exp-node", "exp-caches-first-forward"),
    clause("sigmoid-graph", "Chain.forward feeds each node's output to the next, in order", "chain",
           "chain-forward-not-chained"),
    clause("sigmoid-graph", "Chain.backward feeds each node's input gradient to the node before it, last node first",
           "chain", "chain-backward-not-chained chain-backward-forward-order"),
    clause("sigmoid-graph", "a Chain can be used again: every forward and backward runs its nodes in the order given",
           "chain", "chain-reverses-nodes-in-place"),
    clause("sigmoid-graph", "sigmoid_graph() is negate, exp, add 1, reciprocal", "sigmoid-graph", "graph-adds-minus-one",
           variants="graph-chain-subclass"),
    clause("sigmoid-graph", "backward may be called again after one forward, each time for that forward",
           "chain sigmoid-graph", "chain-backward-pops-trace"),
    # --- sigmoid-gradient ---------------------------------------------------------
    clause("sigmoid-gradient", "sigmoid(x) is 1 / (1 + e^-x) for every finite x", "sigmoid-values",
           "sigmoid-clips-too-early"),
    clause("sigmoid-gradient", "each entry of sigmoid(x) is within 8 eps (1 + sigma(x)) of the true value, eps of x's "
           "dtype: values below 8 eps may come out as 0", "sigmoid-values sigmoid-no-overflow sigmoid-keeps-dtype",
           "sigmoid-float32-inside", variants="sigmoid-tanh"),
    clause("sigmoid-gradient", "no floating-point warning escapes sigmoid, for any finite x (one silenced inside with "
           "np.errstate does not escape)", "sigmoid-no-overflow",
           "sigmoid-naive-overflow sigmoid-where-both-branches sigmoid-errstate-overflow-only",
           variants="sigmoid-where-errstate"),
    clause("sigmoid-gradient", "sigmoid keeps x's float dtype", "sigmoid-keeps-dtype sigmoid-no-overflow",
           "sigmoid-upcasts-float32"),
    clause("sigmoid-gradient", "sigmoid keeps x's shape", "sigmoid-values sigmoid-keeps-dtype sigmoid-no-overflow",
           "sigmoid-flattens"),
    clause("sigmoid-gradient", "sigmoid leaves x unmodified", "sigmoid-values", "sigmoid-in-place"),
    clause("sigmoid-gradient", "sigmoid_grad(s) is s * (1 - s)", "sigmoid-grad", "sigmoid-grad-plus"),
    clause("sigmoid-gradient", "Sigmoid.backward is grad_y * s * (1 - s)", "sigmoid-node sigmoid-node-reuses-forward",
           "sigmoid-node-ignores-upstream"),
    clause("sigmoid-gradient", "Sigmoid.backward uses the output cached by forward, never computes the sigmoid again",
           "sigmoid-node-reuses-forward", "sigmoid-node-recomputes-exp sigmoid-node-recomputes-tanh"),
    clause("sigmoid-gradient", "each Sigmoid node's backward answers for its own most recent forward",
           "sigmoid-node", "sigmoid-node-class-cache"),
    clause("sigmoid-gradient", "Sigmoid's backward may be called again after one forward, each time for that forward",
           "sigmoid-node", "sigmoid-node-consumes-cache"),
    # --- bias-folding -------------------------------------------------------------
    clause("bias-folding", "threshold(z, t) is max(t, z), entry by entry", "threshold", "threshold-is-min"),
    clause("bias-folding", "each entry of threshold(z, t) is within 2 eps (|z| + |t|) of max(t, z), eps of z's dtype",
           "threshold", "", variants="threshold-via-relu threshold-where-cast graph-recursive-chain"),
    clause("bias-folding", "threshold keeps z's dtype, whatever the form of t", "threshold", "threshold-keeps-t-dtype"),
    clause("bias-folding", "threshold leaves z unmodified", "threshold", "threshold-in-place"),
    clause("bias-folding", "a hidden layer's bias is lowered by t", "fold-deep fold-leaves-inputs fold-last-layer",
           "fold-sign-error"),
    clause("bias-folding", "the layer after a hidden one gets t * W.sum(axis=1) added",
           "fold-deep fold-leaves-inputs fold-last-layer", "fold-wrong-axis fold-skips-next-layer fold-sign-error"),
    clause("bias-folding", "the last layer's bias is not lowered by t", "fold-last-layer fold-deep fold-leaves-inputs",
           "fold-shifts-last-layer"),
    clause("bias-folding", "fold_biases returns a list of one bias per layer, each of its layer's shape",
           "fold-last-layer fold-deep fold-leaves-inputs", "fold-drops-last-bias"),
    clause("bias-folding", "the weights and biases are float64; each folded bias is float64, whatever t's dtype", "fold-last-layer fold-deep "
           "fold-leaves-inputs", "fold-biases-take-t-dtype"),
    clause("bias-folding", "one t is a Python float, or a numpy scalar or 0-d array of either float dtype (never an int)",
           "fold-last-layer fold-deep fold-leaves-inputs", "fold-takes-python-float-only"),
    clause("bias-folding", "fold_biases leaves weights and biases unmodified", "fold-leaves-inputs", "fold-mutates-biases"),
    # --- conv-folding -------------------------------------------------------------
    clause("conv-folding", "with one threshold per hidden layer, layer l's correction is W_l @ t_(l-1)",
           "fold-per-neuron", "per-neuron-same-layer per-neuron-first-only"),
    clause("conv-folding", "per-layer thresholds come as a Python list (never a tuple or an array)", "fold-per-neuron", "",
           variants="fold-checks-list-only"),
    clause("conv-folding", "a conv after an activation gets t times each filter's kernel sum", "conv-valid conv-leaves-inputs",
           "conv-sum-over-positions-only"),
    clause("conv-folding", "pooling and flatten keep the shift as it is", "conv-valid conv-leaves-inputs",
           "conv-pool-drops-shift conv-avgpool-scales-shift"),
    clause("conv-folding", "a dense layer after the convs gets t * W.sum(axis=1)", "conv-valid conv-leaves-inputs",
           "conv-dense-column-sums"),
    clause("conv-folding", "the last conv or dense layer is not lowered by t",
           "conv-valid conv-leaves-inputs conv-unshifted-padding conv-later-padding", "conv-shifts-last-layer"),
    clause("conv-folding", "every conv or dense layer but the last is lowered by t, a dense layer too",
           "conv-valid conv-leaves-inputs conv-unshifted-padding conv-later-padding", "conv-dense-assumed-last"),
    clause("conv-folding", "a layer whose input is not shifted (no conv or dense layer before it) gets no correction",
           "conv-valid conv-leaves-inputs", "conv-dense-always-shifted"),
    clause("conv-folding", "padding on the first conv (its input unshifted) folds exactly, no refusal",
           "conv-unshifted-padding", "conv-refuses-any-padding"),
    clause("conv-folding", "padding on a conv after pools only (its input unshifted) folds exactly, no refusal",
           "conv-unshifted-padding", "conv-refuses-after-leading-pool conv-refuses-after-two-pools"),
    clause("conv-folding", "at t = 0 a padded conv after an activation (its input unshifted) folds exactly, no refusal",
           "conv-unshifted-padding", "conv-refuses-at-zero-threshold"),
    clause("conv-folding", "a padded conv after an activation, t != 0, pads with its pad_value - t, or refuses with a "
           "ValueError about the padding (either answer is right)", "conv-later-padding",
           "conv-ignores-padding conv-pads-with-plus-t conv-overwrites-pad-value", variants="conv-refuses-later-padding conv-refuses-with-subclass"),
    clause("conv-folding", "a layer's own pad_value (0 if absent) is where the folded padding starts",
           "conv-unshifted-padding conv-later-padding", "conv-overwrites-pad-value"),
    clause("conv-folding", "fold_conv_thresholds leaves the layers unmodified (its new dicts may hold the given kernels "
           "and weights themselves)", "conv-leaves-inputs", "conv-mutates-layers", variants="conv-dict-unpacking"),
    clause("conv-folding", "fold_conv_thresholds takes one t for the whole network: a Python float, or a numpy float64 "
           "scalar or 0-d array (never a list)", "conv-valid conv-unshifted-padding conv-later-padding", "",
           variants="conv-dict-unpacking"),
]
