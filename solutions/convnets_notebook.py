# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Convnets, theory: sigmoid as a graph, and thresholds that add nothing
#
# This notebook has three graded coding parts and two written answers.
#
# | part | what you write | points |
# |---|---|---|
# | 1. `sigmoid-graph` | four nodes, `Chain`, `sigmoid_graph` | 30 |
# | 2. `sigmoid-gradient` | a stable `sigmoid`, `sigmoid_grad`, the fused `Sigmoid` node | 30 |
# | 3. `bias-folding` | `threshold`, `fold_biases` | 40 |
# | written | two short explanations, graded by hand | 20 |
#
# **How your code is graded.** Write your code where it says `YOUR CODE HERE` and keep
# every name and signature as it is. After each part, a cell of quick checks lets you
# test yourself; passing them is a good sign, not a guarantee. When you submit, hidden
# *property-based* tests try your functions on many generated inputs (odd shapes,
# float32 and float64, huge and tiny values, deep and shallow networks). For every
# property that fails, your feedback names the property and shows the smallest input
# on which it failed. A mistake in one part costs points in that part only.
#
# Arrays are numpy arrays, and operations are elementwise unless we say otherwise.
# Don't print warnings on purpose, and don't modify arrays you were given.

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np

# %% [markdown] nbgrader={"grade": false, "grade_id": "graph-intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 1: the sigmoid as a computational graph
#
# The sigmoid $\sigma(x) = \dfrac{1}{1 + e^{-x}}$ is a composition of four simple steps:
#
# $$x \xrightarrow{\ \text{negate}\ } a = -x \xrightarrow{\ \exp\ } b = e^{a}
#   \xrightarrow{\ +1\ } c = b + 1 \xrightarrow{\ 1/\cdot\ } \sigma = 1/c$$
#
# Each step is a **node**. In the forward pass a node computes its output and remembers
# what it will need later. In the backward pass it receives $\partial L/\partial y$ (the
# gradient flowing in from above, `grad_y`) and returns
# $\partial L/\partial x = \texttt{grad\_y} \cdot f'(x)$, using the input of its most
# recent forward call. The local derivatives are
#
# | node | forward $y = f(x)$ | local derivative $f'(x)$ |
# |---|---|---|
# | `Negate()` | $-x$ | $-1$ |
# | `Exp()` | $e^{x}$ | $e^{x}$ (the output itself) |
# | `AddConstant(c)` | $x + c$ | $1$ |
# | `Reciprocal()` | $1/x$ | $-1/x^{2}$ |
#
# A `Chain` of nodes is itself a node: its forward runs the nodes' forwards in order,
# and its backward runs their backwards **in reverse order**, passing each node's
# result to the node before it. That is the chain rule.
#
# The class `Node` below fixes the interface. Implement the four nodes, `Chain`, and
# `sigmoid_graph()`, which returns `Chain([Negate(), Exp(), AddConstant(1.0), Reciprocal()])`.

# %% nbgrader={"grade": false, "grade_id": "given-node", "locked": true, "schema_version": 3, "solution": false, "task": false}
class Node:
    """One step of a computational graph.

    forward(x) -> y computes the output and remembers what backward will need.
    backward(grad_y) -> grad_x returns grad_y * f'(x) for the most recent forward's x.
    """

    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad_y):
        raise NotImplementedError


# %% nbgrader={"grade": false, "grade_id": "graph-nodes", "locked": false, "schema_version": 3, "solution": true, "task": false}
class Negate(Node):
    """y = -x; backward returns -grad_y."""

    def forward(self, x):
        ### BEGIN SOLUTION
        return -x
        ### END SOLUTION

    def backward(self, grad_y):
        ### BEGIN SOLUTION
        return -grad_y
        ### END SOLUTION


class Exp(Node):
    """y = e^x; backward returns grad_y * e^x (reuse the output you computed)."""

    def forward(self, x):
        ### BEGIN SOLUTION
        self.y = np.exp(x)
        return self.y
        ### END SOLUTION

    def backward(self, grad_y):
        ### BEGIN SOLUTION
        return grad_y * self.y
        ### END SOLUTION


class AddConstant(Node):
    """y = x + c for a constant c fixed when the node is made; backward returns grad_y."""

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        ### BEGIN SOLUTION
        return x + self.c
        ### END SOLUTION

    def backward(self, grad_y):
        ### BEGIN SOLUTION
        return grad_y
        ### END SOLUTION


class Reciprocal(Node):
    """y = 1 / x; backward returns -grad_y / x**2."""

    def forward(self, x):
        ### BEGIN SOLUTION
        self.x = x
        return 1.0 / x
        ### END SOLUTION

    def backward(self, grad_y):
        ### BEGIN SOLUTION
        return -grad_y / self.x**2
        ### END SOLUTION


class Chain(Node):
    """The nodes applied one after the other: forward in order, backward in reverse."""

    def __init__(self, nodes):
        self.nodes = list(nodes)

    def forward(self, x):
        ### BEGIN SOLUTION
        for node in self.nodes:
            x = node.forward(x)
        return x
        ### END SOLUTION

    def backward(self, grad_y):
        ### BEGIN SOLUTION
        for node in reversed(self.nodes):
            grad_y = node.backward(grad_y)
        return grad_y
        ### END SOLUTION


def sigmoid_graph():
    """The sigmoid as a Chain: negate, exp, add 1, reciprocal."""
    ### BEGIN SOLUTION
    return Chain([Negate(), Exp(), AddConstant(1.0), Reciprocal()])
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "check-graph", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["skip-in-grader"]
# Quick checks for part 1 (run this cell; the graded tests try many more inputs).
x = np.array([-2.0, 0.0, 3.0])
graph = sigmoid_graph()
s = graph.forward(x)
assert np.allclose(s, 1 / (1 + np.exp(-x))), "sigmoid_graph().forward(x) should be the sigmoid"
assert np.allclose(graph.backward(np.ones(3)), s * (1 - s)), "backward(1) should be s * (1 - s)"
assert np.allclose(graph.backward(2 * np.ones(3)), 2 * s * (1 - s)), "backward must scale with grad_y"
print("Part 1 quick checks passed.")

# %% [markdown] nbgrader={"grade": false, "grade_id": "figure-intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Here is your graph, drawn from the `Chain` that `sigmoid_graph()` returns: each edge
# carries its forward value (above, black) and the gradient flowing back along it
# (below, red) for $x = 0.5$ and an upstream gradient of 1. Until your nodes work, the
# values show as `?`.

# %% nbgrader={"grade": false, "grade_id": "figure-graph", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["skip-in-grader"]
from graph_figure import draw_chain

draw_chain(sigmoid_graph(), x=0.5);

# %% nbgrader={"grade": true, "grade_id": "tests-sigmoid-graph", "locked": true, "points": 30, "schema_version": 3, "solution": false, "task": false}
# The hidden tests of part 1 (sigmoid-graph) run in this cell when your notebook is graded.
### BEGIN HIDDEN TESTS
from autograder.notebook import run_hidden_suite

run_hidden_suite("sigmoid-graph", globals())
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "gradient-intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 2: the sigmoid's gradient, the short way
#
# Back-propagating through four nodes for every activation of every layer is a lot of
# work for one function. But the sigmoid's derivative can be written with the sigmoid
# itself, so a network only needs to **remember the output of the forward pass**.
#
# **Written question.** Derive $\sigma'(x)$ and show that
# $\sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr)$. Explain in a sentence or two why
# this makes the backward pass cheap.

# %% [markdown] nbgrader={"grade": true, "grade_id": "answer-sigmoid-derivative", "locked": false, "points": 10, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Model answer.** $\sigma(x) = (1 + e^{-x})^{-1}$, so by the chain rule
# $\sigma'(x) = -(1 + e^{-x})^{-2} \cdot (-e^{-x}) = \dfrac{e^{-x}}{(1 + e^{-x})^{2}}$.
# Write $e^{-x} = (1 + e^{-x}) - 1$:
# $\sigma'(x) = \dfrac{1}{1 + e^{-x}} - \dfrac{1}{(1 + e^{-x})^{2}} = \sigma(x) - \sigma(x)^{2} = \sigma(x)(1 - \sigma(x))$.
# The forward pass already computed $s = \sigma(x)$; keeping it, the backward pass is
# two multiplications, `grad_y * s * (1 - s)`, with no exponential and no overflow.
#
# **Rubric (10 points).** 4: a correct derivative $e^{-x}/(1+e^{-x})^2$ (or the same
# via the graph's nodes). 4: the algebra to $\sigma(1-\sigma)$, each step justified.
# 2: says why it helps (reuse the cached forward output: no exp in backward). Deduct 2
# for a sign slip that is later silently "fixed".
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "gradient-tasks", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Now the code.
#
# * `sigmoid(x)` must be **numerically stable**: no overflow or invalid-value warning
#   for any finite input, however large (`np.exp(-x)` overflows for $x < -709$ in
#   float64 and for $x < -88$ in float32). It keeps the input's shape and float dtype:
#   float32 in, float32 out. Hint: for $x < 0$, $\sigma(x) = e^{x} / (1 + e^{x})$.
#   Beware: `np.where(cond, a, b)` computes **both** `a` and `b` everywhere.
# * `sigmoid_grad(s)` is the derivative written with the output: $s(1 - s)$.
# * `Sigmoid` is the fused node: `forward` caches its output; `backward` returns
#   `grad_y * s * (1 - s)` without calling `exp` again.

# %% nbgrader={"grade": false, "grade_id": "gradient-code", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sigmoid(x):
    """1 / (1 + e^-x), elementwise, stable for every finite x; same shape and dtype as x."""
    ### BEGIN SOLUTION
    x = np.asarray(x)
    e = np.exp(-np.abs(x))  # never overflows: -|x| <= 0
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    ### END SOLUTION


def sigmoid_grad(s):
    """The sigmoid's derivative from its output s = sigmoid(x): s * (1 - s)."""
    ### BEGIN SOLUTION
    return s * (1 - s)
    ### END SOLUTION


class Sigmoid(Node):
    """The sigmoid as one node: forward caches s = sigmoid(x); backward is grad_y * s * (1 - s)."""

    def forward(self, x):
        ### BEGIN SOLUTION
        self.s = sigmoid(x)
        return self.s
        ### END SOLUTION

    def backward(self, grad_y):
        ### BEGIN SOLUTION
        return grad_y * sigmoid_grad(self.s)
        ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "check-gradient", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["skip-in-grader"]
# Quick checks for part 2.
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("error")  # any overflow warning fails this check
    extreme = np.array([-1e308, -800.0, 0.0, 800.0, 1e308])
    assert np.allclose(sigmoid(extreme), [0, 0, 0.5, 1, 1]), "sigmoid must handle huge inputs"
    assert sigmoid(np.ones(2, dtype=np.float32)).dtype == np.float32, "float32 in, float32 out"
node = Sigmoid()
s = node.forward(np.array([0.0, 2.0]))
assert np.allclose(node.backward(np.array([1.0, 3.0])), [0.25, 3 * s[1] * (1 - s[1])])
assert np.allclose(sigmoid_grad(np.array([0.5])), [0.25])
print("Part 2 quick checks passed.")

# %% nbgrader={"grade": true, "grade_id": "tests-sigmoid-gradient", "locked": true, "points": 30, "schema_version": 3, "solution": false, "task": false}
# The hidden tests of part 2 (sigmoid-gradient) run in this cell when your notebook is graded.
### BEGIN HIDDEN TESTS
from autograder.notebook import run_hidden_suite

run_hidden_suite("sigmoid-gradient", globals())
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "threshold-intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 3: a threshold activation adds nothing over ReLU
#
# Replace every ReLU of a fully connected network by the **threshold activation**
# $f(z; t) = \max\{t, z\}$, with one threshold $t$ shared by all neurons.
#
# **Written question.** Does the new activation give a larger hypothesis class than
# ReLU networks of the same shape? Explain, or give an example.

# %% [markdown] nbgrader={"grade": true, "grade_id": "answer-threshold-expressivity", "locked": false, "points": 10, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Model answer.** No. Because $\max\{t, z\} = t + \max\{0, z - t\}$, a threshold
# layer is a ReLU layer whose pre-activations are shifted by $-t$ and whose outputs are
# shifted by $+t$. Subtract $t$ from every bias of that layer: it now outputs
# $h - t$ where the threshold network had $h$. The next layer computes
# $W(h - t\mathbf{1}) + b = Wh + b - t\,W\mathbf{1}$, so add $t \sum_j W_{ij}$ to its
# bias $b_i$ to make up for it. Repeat layer by layer; the last layer has no activation,
# so it gets only the correction, not the $-t$. Every threshold network is a ReLU
# network with other biases, and (with $t = 0$) every ReLU network is a threshold
# network, so the classes are equal.
#
# **Rubric (10 points).** 3: the answer "no, same class". 4: the identity
# $\max\{t,z\} = t + \mathrm{relu}(z - t)$ or an equivalent bias argument. 3: the
# next-layer correction $t \sum_j W_{ij}$ and the last layer handled. An example alone,
# without the general argument, earns at most 5.
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "threshold-tasks", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Now make the argument concrete. `mlp_forward` (given below) runs a network whose layer
# $l$ has weights `weights[l]` of shape $(d_l, d_{l-1})$ and biases `biases[l]` of shape
# $(d_l,)$; the rows of `x` are examples, each layer computes `h @ W.T + b`, and the
# activation follows every layer but the last.
#
# * `threshold(z, t)` is $\max\{t, z\}$ elementwise, with z's shape and dtype.
# * `fold_biases(weights, biases, t)` returns a **new list** of biases such that
#   `mlp_forward(weights, fold_biases(weights, biases, t), x, relu)` equals
#   `mlp_forward(weights, biases, x, lambda z: threshold(z, t))` for every `x`, every
#   depth (a single layer too) and every real `t`. Don't modify `weights` or `biases`.
#
# Hint: `W.sum(axis=1)` sums each row of `W`, that is, $\sum_j W_{ij}$ for every output $i$.

# %% nbgrader={"grade": false, "grade_id": "given-mlp", "locked": true, "schema_version": 3, "solution": false, "task": false}
def relu(z):
    """max(0, z), elementwise."""
    return np.maximum(z, 0)


def mlp_forward(weights, biases, x, activation):
    """h <- activation(h @ W.T + b) for each layer, with no activation after the last."""
    h = x
    for layer, (W, b) in enumerate(zip(weights, biases)):
        h = h @ W.T + b
        if layer < len(weights) - 1:
            h = activation(h)
    return h


# %% nbgrader={"grade": false, "grade_id": "threshold-code", "locked": false, "schema_version": 3, "solution": true, "task": false}
def threshold(z, t):
    """max(t, z), elementwise; same shape and dtype as z."""
    ### BEGIN SOLUTION
    return np.maximum(z, t)
    ### END SOLUTION


def fold_biases(weights, biases, t):
    """New biases that make a ReLU network compute what the threshold-t network computes.

    Hidden layers: b - t (+ t * W.sum(axis=1) after the first); last layer: no -t.
    Returns a new list; weights and biases are left unmodified.
    """
    ### BEGIN SOLUTION
    folded = []
    for layer, (W, b) in enumerate(zip(weights, biases)):
        new_b = b.copy()
        if layer > 0:
            new_b = new_b + t * W.sum(axis=1)
        if layer < len(weights) - 1:
            new_b = new_b - t
        folded.append(new_b)
    return folded
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "check-threshold", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["skip-in-grader"]
# Quick checks for part 3: a random 3-layer network and a negative threshold.
rng = np.random.default_rng(0)
sizes = [3, 4, 4, 2]
weights = [rng.normal(size=(sizes[l + 1], sizes[l])) for l in range(3)]
biases = [rng.normal(size=sizes[l + 1]) for l in range(3)]
x = rng.normal(size=(5, 3))
t = -0.7
assert np.array_equal(threshold(np.array([-1.0, 0.5]), 0.0), [0.0, 0.5])
folded = fold_biases(weights, biases, t)
assert np.allclose(mlp_forward(weights, folded, x, relu), mlp_forward(weights, biases, x, lambda z: threshold(z, t)))
print("Part 3 quick checks passed.")

# %% nbgrader={"grade": true, "grade_id": "tests-bias-folding", "locked": true, "points": 40, "schema_version": 3, "solution": false, "task": false}
# The hidden tests of part 3 (bias-folding) run in this cell when your notebook is graded.
### BEGIN HIDDEN TESTS
from autograder.notebook import run_hidden_suite

run_hidden_suite("bias-folding", globals())
### END HIDDEN TESTS
