"""Part sigmoid-gradient: a stable sigmoid, its derivative from its output, the fused node."""
import numpy as np

from . import oracles
from .registry import graded_property
from .checks import expect_array, expect_close, expect_finite, expect_no_warnings, expect_object, expect_unchanged
from ..sandbox.call_counter import SUBMISSION
from .lazy_hypothesis import strategies

PART = "sigmoid-gradient"
# What a backward computing the sigmoid again would call, as the student reads each.
RECOMPUTING_FUNCTIONS = {
    ("numpy", "exp"): "np.exp", ("math", "exp"): "math.exp", ("numpy", "expm1"): "np.expm1",
    ("numpy", "tanh"): "np.tanh", ("math", "tanh"): "math.tanh", ("numpy", "logaddexp"): "np.logaddexp",
    (SUBMISSION, "sigmoid"): "your sigmoid",
}


def tolerance(dtype):
    """Sigmoid and its derivative are bounded (by 1 and 1/4), so absolute error is the
    fair measure: every stable formula (1/(1+e^-x), e^x/(1+e^x), (1+tanh(x/2))/2,
    s - s^2, ...) lands within a few ulps of 1. Where the values underflow towards 0 only
    an absolute bound makes sense. 8 ulps of the dtype, absolute and relative."""
    eps = float(np.finfo(dtype).eps)
    return {"rtol": 8 * eps, "atol": 8 * eps}


@graded_property(PART, "sigmoid-values", "sigmoid(x) is right for every finite float64 x, however large, and leaves x alone",
                 uses=["sigmoid"], x=strategies.any_finite(np.float64))
def sigmoid_values(student, x):
    expected = oracles.sigmoid(x)
    result = student.call("sigmoid", x.copy(), report_args=True)
    y = result.value
    expect_array(y, shape=x.shape, dtype=np.float64, what="sigmoid(x)")
    expect_finite(y, what="sigmoid(x)")
    expect_close(y, expected, what="sigmoid(x)", **tolerance(np.float64))
    expect_unchanged(x, result.args_after[0], what="x")


@graded_property(PART, "sigmoid-no-overflow", "sigmoid(x) is right and emits no overflow or invalid-value warning, for any finite x",
                 uses=["sigmoid"], x=strategies.FLOAT_DTYPES.flatmap(strategies.any_finite))
def sigmoid_no_overflow(student, x):
    expected = oracles.sigmoid(x)
    result = student.call("sigmoid", x)
    expect_no_warnings(result, what=f"sigmoid(x) with {x.dtype} x")
    expect_array(result.value, shape=x.shape, dtype=x.dtype, what=f"sigmoid(x) with {x.dtype} x")
    expect_finite(result.value, what="sigmoid(x)")
    expect_close(result.value, expected, what=f"sigmoid(x) with {x.dtype} x", **tolerance(x.dtype))


@graded_property(PART, "sigmoid-keeps-dtype", "sigmoid(x) keeps the shape and float dtype (float32 in, float32 out)",
                 uses=["sigmoid"], x=strategies.EITHER_DTYPE_WITHIN_50)
def sigmoid_keeps_dtype(student, x):
    expected = oracles.sigmoid(x)
    y = student.call("sigmoid", x).value
    expect_array(y, shape=x.shape, dtype=x.dtype, what=f"sigmoid(x) with {x.dtype} x")
    expect_close(y, expected, what=f"sigmoid(x) with {x.dtype} x", **tolerance(x.dtype))


@graded_property(PART, "sigmoid-grad", "sigmoid_grad(s) = s * (1 - s), written with the output s",
                 uses=["sigmoid_grad"], s=strategies.EITHER_DTYPE_WITHIN_0_AND_1)
def sigmoid_grad(student, s):
    expected = s.astype(np.float64) * (1.0 - s.astype(np.float64))
    g = student.call("sigmoid_grad", s).value
    expect_array(g, shape=s.shape, dtype=s.dtype, what=f"sigmoid_grad(s) with {s.dtype} s")
    expect_close(g, expected, what=f"sigmoid_grad(s) with {s.dtype} s", **tolerance(s.dtype))


def fused_node(student):
    node = student.call("Sigmoid").value
    expect_object(node, what="Sigmoid()")
    return node


@graded_property(PART, "sigmoid-node", "Sigmoid node: forward is sigmoid(x), backward is grad_y * s * (1 - s), "
                 "each node for its own most recent forward, backward as often as asked",
                 uses=["Sigmoid"], data=strategies.array_and_gradient(strategies.any_finite(np.float64)))
def sigmoid_node(student, data):
    x, grad = data
    expected_y = oracles.sigmoid(x)
    node, other = fused_node(student), fused_node(student)
    node.call("forward", -x)
    y = node.call("forward", x).value
    expect_array(y, shape=x.shape, dtype=np.float64, what="Sigmoid().forward(x)")
    expect_close(y, expected_y, what="Sigmoid().forward(x)", **tolerance(np.float64))
    expect_fused_backward(node.call("backward", grad).value, x, grad)
    # Neither the first backward nor another Sigmoid's forward, on other values (sigma' is
    # even, so not on -x), may change what a second backward answers.
    other.call("forward", x + 1)
    expect_fused_backward(node.call("backward", oracles.another_gradient(grad)).value, x, oracles.another_gradient(grad),
                          what=f"Sigmoid().backward({oracles.ANOTHER_GRADIENT}), called again after the same forward "
                               f"with another Sigmoid's forward in between,")


@graded_property(PART, "sigmoid-node-reuses-forward", "Sigmoid node: backward is right from the cached output, "
                 "never computes the sigmoid again", uses=["Sigmoid"], data=strategies.array_and_gradient(strategies.any_finite(np.float64)))
def sigmoid_node_reuses_forward(student, data):
    x, grad = data
    node = fused_node(student)
    node.call("forward", x)
    result = node.call("backward", grad, count_calls=list(RECOMPUTING_FUNCTIONS))
    called = [f"{shown} {count} time(s)" for shown, count in zip(RECOMPUTING_FUNCTIONS.values(), result.call_counts) if count]
    if called:
        raise AssertionError(f"Sigmoid().backward called {', '.join(called)}: it computed the sigmoid again; "
                             f"use the output cached by forward instead")
    expect_no_warnings(result, what="Sigmoid().backward(grad_y)")
    expect_fused_backward(result.value, x, grad)


def expect_fused_backward(grad_x, x, grad, what="Sigmoid().backward(grad_y)"):
    """Sigmoid().backward(grad) after forward(x) must be grad * sigma'(x); `what` names
    the call in what the student reads."""
    expect_array(grad_x, shape=x.shape, dtype=np.float64, what=what)
    expect_finite(grad_x, what=what)
    # |grad_y| <= 3 scales the derivative's absolute error by at most 3.
    expect_close(grad_x, grad * oracles.sigmoid_derivative(x), rtol=tolerance(np.float64)["rtol"],
                 atol=3 * tolerance(np.float64)["atol"], what=what)
