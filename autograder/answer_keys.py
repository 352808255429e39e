"""What the release must not give away: the key expressions of the written questions'
model answers and of the reference solution, in one list.

The notebook's stubs say what a function computes and its contract, never how, and the
model answers stay in the master. Each key here is text of the master that nbgrader
strips from the release (a model answer, or reference code between the solution
markers); tests/test_release.py checks that every key is there and that no file of the
release holds one. Add the key expression of a new answer here.
"""
import re

KEY_EXPRESSIONS = (
    # sigmoid-graph: the reference's code
    "Chain([Negate(), Exp(), AddConstant(1.0), Reciprocal()])",
    "-grad_y / self.x**2",
    # the sigmoid's derivative: the model answer, and the reference's stable sigmoid
    r"\dfrac{e^{-x}}{(1 + e^{-x})^{2}}",
    r"e^{-x} = (1 + e^{-x}) - 1",
    r"\sigma(x) - \sigma(x)^{2}",
    "only needs to remember the output",
    "np.exp(-np.abs(x))",
    "e / (1 + e)",
    # thresholds add nothing: the model answer, and the reference's fold_biases
    r"t + \max\{0, z - t\}",
    r"t + \mathrm{relu}(z - t)",
    "t + relu(z - t)",
    r"t \sum_j W_{ij}",
    ".sum(axis=1)",
    "W @ (thresholds[layer - 1]",
    # zero padding breaks the folding: the model answer, and the reference's fold_conv_thresholds
    "Padding the ReLU network with $-t$",
    "pad_value - t",
    'layer.get("pad_value", 0.0) - shift',
    '["kernels"].sum(axis=(1, 2, 3))',
)


def normalised(text):
    """`text` without whitespace: a key is found however it is spaced or wrapped."""
    return re.sub(r"\s+", "", text)


def keys_in(text):
    """The keys of KEY_EXPRESSIONS that occur in `text`."""
    text = normalised(text)
    return [key for key in KEY_EXPRESSIONS if normalised(key) in text]
