"""Part sigmoid-graph: the four nodes, Chain, and the sigmoid built from them."""
import numpy as np

from . import oracles
from .registry import graded_property
from .fixtures import FLIP
from .checks import expect_array, expect_close, expect_object
from .lazy_hypothesis import assume, st, strategies

PART = "sigmoid-graph"
# One node is one floating-point operation: numpy's -x, x + c and 1/x are correctly
# rounded and its exp is within a few ulps, so 8 ulps of float64 covers every fair way
# of writing a node (x * -1, np.negative, np.power(x, -1), ...).
NODE_RTOL = 8 * np.finfo(np.float64).eps
# Below about 1e-300 results are subnormal and keep few significant bits whatever the
# formula; differences there are not mistakes.
SUBNORMAL_ATOL = 1e-300


def make_node(student, class_name, *args):
    node = student.call(class_name, *args).value
    expect_object(node, what=f"{class_name}(...)")
    return node


def check_node(student, name, constant, x, grad, decoy, rtol=NODE_RTOL):
    """forward(x) and backward(grad) of one node, after a forward on `decoy` first:
    backward must use the most recent forward; then, after another node of its class runs
    forward on `decoy`, a second backward on another gradient must use it too."""
    forward = oracles.NODE_MATH[name][0]
    args = [] if constant is None else [constant]
    node, other = make_node(student, name, *args), make_node(student, name, *args)
    node.call("forward", decoy)
    y = node.call("forward", x).value
    expect_array(y, shape=x.shape, dtype=np.float64, what=f"{name}.forward(x)")
    expect_close(y, forward(x, constant), rtol=rtol, atol=SUBNORMAL_ATOL, what=f"{name}.forward(x)")
    expect_node_backward(node, name, constant, x, grad, f"{name}.backward(grad_y)", rtol)
    other.call("forward", decoy)
    expect_node_backward(node, name, constant, x, oracles.another_gradient(grad), rtol=rtol,
                         what=f"{name}.backward({oracles.ANOTHER_GRADIENT}), called again after the same forward "
                              f"with another {name}'s forward in between,")


def expect_node_backward(node, name, constant, x, grad, what, rtol):
    """The student's node's backward(grad) after forward(x) must be the node's gradient."""
    grad_x = node.call("backward", grad).value
    expect_array(grad_x, shape=x.shape, dtype=np.float64, what=what)
    expect_close(grad_x, oracles.NODE_MATH[name][1](x, constant, grad), rtol=rtol, atol=SUBNORMAL_ATOL, what=what)


@graded_property(PART, "negate-node", "Negate: forward gives -x, backward gives -grad_y",
                 uses=["Negate"], data=strategies.array_and_gradient(strategies.floats_between(-5, 5)))
def negate_node(student, data):
    x, grad = data
    check_node(student, "Negate", None, x, grad, decoy=x + 1)


@graded_property(PART, "exp-node", "Exp: forward gives e^x, backward gives grad_y * e^x",
                 uses=["Exp"], data=strategies.array_and_gradient(strategies.floats_between(-20, 20)))
def exp_node(student, data):
    x, grad = data
    check_node(student, "Exp", None, x, grad, decoy=x + 1)


@graded_property(PART, "add-constant-node", "AddConstant(c): forward gives x + c, backward passes grad_y through",
                 uses=["AddConstant"], data=strategies.array_and_gradient(strategies.floats_between(-5, 5)), c=st.floats(-10, 10))
def add_constant_node(student, data, c):
    x, grad = data
    check_node(student, "AddConstant", c, x, grad, decoy=x + 1)


@graded_property(PART, "reciprocal-node", "Reciprocal: forward gives 1/x, backward gives -grad_y / x^2",
                 uses=["Reciprocal"], data=strategies.array_and_gradient(strategies.magnitudes_between(0.1, 10)))
def reciprocal_node(student, data):
    x, grad = data
    check_node(student, "Reciprocal", None, x, grad, decoy=2 * x)


@graded_property(PART, "chain", "Chain: forwards in order, backwards in reverse (the chain rule), twice on one Chain",
                 uses=["Chain", "Negate", "Exp", "AddConstant", "Reciprocal"],
                 specs=strategies.chains_with_a_flip(), data=strategies.array_and_gradient(strategies.floats_between(-2, 2)))
def chain(student, specs, data):
    x, grad = data
    with np.errstate(all="ignore"):
        values, expected_grad = oracles.chain_forward_backward(specs, x, grad)
        sizes = np.abs(np.stack(values))
    # Keep every intermediate value in [1e-2, 1e6] in size, so no step overflows or
    # divides by almost zero; then the chain's relative error stays below about 1e-8
    # even after cancellation in x + c (1e6 / 1e-2 times a few ulps).
    assume(np.isfinite(sizes).all() and sizes[1:].min() >= 1e-2 and sizes.max() <= 1e6)
    nodes = [student.call(FLIP).value if name == "Flip" else make_node(student, name, *([] if c is None else [c]))
             for name, c in specs]
    chained = student.call("Chain", nodes).value
    expect_object(chained, what="Chain(nodes)")
    chained.call("forward", x + 0.5)
    check_chain_round(chained, specs, x, grad, values[-1], expected_grad, "")
    # A Chain may be used again: the same round on it gives the same answers.
    check_chain_round(chained, specs, x, grad, values[-1], expected_grad, ", run a second time on the same Chain,")


def check_chain_round(chained, specs, x, grad, expected_y, expected_grad, when):
    """One forward(x) and backward(grad) of the student's Chain; `when` names the round in
    what the student reads."""
    y = chained.call("forward", x).value
    expect_array(y, shape=x.shape, dtype=np.float64, what=f"Chain(nodes).forward(x){when}")
    expect_close(y, expected_y, rtol=1e-7, atol=SUBNORMAL_ATOL, what=f"Chain(nodes).forward(x){when}")
    expect_chain_backward(chained, specs, x, grad, expected_grad, f"Chain(nodes).backward(grad_y){when}")
    # backward may be called again after the same forward: another gradient, its own answer.
    with np.errstate(all="ignore"):
        _, second_expected = oracles.chain_forward_backward(specs, x, oracles.another_gradient(grad))
    expect_chain_backward(chained, specs, x, oracles.another_gradient(grad), second_expected,
                          f"Chain(nodes).backward({oracles.ANOTHER_GRADIENT}){when} called again after the same forward")


def expect_chain_backward(chained, specs, x, grad, expected_grad, what):
    """The student's Chain's backward(grad) after forward(x) must give `expected_grad`."""
    grad_x = chained.call("backward", grad).value
    expect_array(grad_x, shape=x.shape, dtype=np.float64, what=what)
    expect_close(grad_x, expected_grad, rtol=1e-7, atol=SUBNORMAL_ATOL, what=what,
                 explain=lambda: backward_order_hint(specs, x, grad, grad_x))


def backward_order_hint(specs, x, grad, grad_x):
    """What a wrong Chain gradient looks like: the nodes, and whether it is what visiting
    them in forward order gives."""
    chain_names = " -> ".join("Flip (the grader's: reverses the last axis)" if n == "Flip" else n for n, _ in specs)
    _, forward_order = oracles.chain_forward_backward(specs, x, grad, backward_order=iter)
    if np.allclose(grad_x, forward_order, rtol=1e-7, atol=SUBNORMAL_ATOL):
        return (f"  the chain: {chain_names}\n  backward visited the nodes in forward order; the chain rule "
                f"takes them in reverse, from the output back to the input")
    return f"  the chain: {chain_names}"


@graded_property(PART, "sigmoid-graph", "sigmoid_graph(): a Chain computing sigmoid and its gradient",
                 uses=["sigmoid_graph"], data=strategies.array_and_gradient(strategies.floats_between(-30, 30)))
def sigmoid_graph(student, data):
    x, grad = data
    expected_y = oracles.sigmoid(x)
    graph = student.call("sigmoid_graph").value
    expect_object(graph, class_name="Chain", what="sigmoid_graph()")
    graph.call("forward", -x)
    y = graph.call("forward", x).value
    expect_array(y, shape=x.shape, dtype=np.float64, what="sigmoid_graph().forward(x)")
    # Four nodes, each a few ulps, and no cancellation for |x| <= 30: 1e-12 is generous.
    expect_close(y, expected_y, rtol=1e-12, atol=SUBNORMAL_ATOL, what="sigmoid_graph().forward(x)")
    for upstream, what in ((grad, "sigmoid_graph().backward(grad_y)"),
                           (oracles.another_gradient(grad), f"sigmoid_graph().backward({oracles.ANOTHER_GRADIENT}), called again after "
                                                    f"the same forward,")):
        grad_x = graph.call("backward", upstream).value
        expect_array(grad_x, shape=x.shape, dtype=np.float64, what=what)
        expect_close(grad_x, upstream * oracles.sigmoid_derivative(x), rtol=1e-12, atol=SUBNORMAL_ATOL, what=what)
