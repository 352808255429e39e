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
# This notebook has graded coding parts and written answers:
#
# | part | what you write | points |
# |---|---|---|
# | 1. `sigmoid-graph` | four nodes, `Chain`, `sigmoid_graph` | {points:tests-sigmoid-graph} |
# | 2. `sigmoid-gradient` | a stable `sigmoid`, `sigmoid_grad`, the fused `Sigmoid` node | {points:tests-sigmoid-gradient} |
# | 3. `bias-folding` | `threshold`, `fold_biases` | {points:tests-bias-folding} |
# | written | two short explanations (parts 2 and 3), graded by hand | {points:answer-sigmoid-derivative} + {points:answer-threshold-expressivity} |
# | 4. `conv-folding` | per-neuron thresholds in `fold_biases`, `fold_conv_thresholds`, and a short explanation | {points:tests-conv-folding} + {points:answer-conv-padding} |
#
# **How your code is graded.** Write your code where it says `YOUR CODE HERE` and keep
# every name and signature as it is. After each part, a cell of quick checks lets you
# test yourself; passing them is a good sign, not a guarantee. When you submit, hidden
# *property-based* tests try your functions on many generated inputs (odd shapes,
# float32 and float64, huge and tiny values, deep and shallow networks). For every
# property that fails, your feedback names the property and shows the smallest input
# on which it failed. A mistake costs points only in the parts that grade the function
# it is in.
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
# `sigmoid_graph()`, which returns the sigmoid as a `Chain` of your four nodes, in the
# order of the picture above.
#
# <details><summary>Hint 1: what must a node remember?</summary>
#
# Look at the column of local derivatives: which of them depend on a value of the
# forward pass, and on which one? `forward` can keep it on `self` for `backward`.
#
# </details>
#
# <details><summary>Hint 2: the order of the backward pass</summary>
#
# In the backward pass, what one node's `backward` returns is the `grad_y` of the node
# just before it. Python's `reversed(...)` walks a list from its end.
#
# </details>

# %% nbgrader={"grade": false, "grade_id": "given-node", "locked": true, "schema_version": 3, "solution": false, "task": false}
class Node:
    """One step of a computational graph.

    forward(x) -> y computes the output and remembers what backward will need.
    backward(grad_y) -> grad_x returns grad_y * f'(x) for the most recent forward's x.

    Contract: backward may be called again after one forward, each time for that
    forward; each node answers for its own forwards, whatever other nodes do.
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
    """y = e^x; backward returns grad_y * e^x."""

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
    """The nodes applied one after the other: forward in order, backward in reverse.

    Contract: one Chain may run forward and backward any number of times; every round
    runs its nodes in the order they were given.
    """

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

# %% nbgrader={"grade": true, "grade_id": "tests-sigmoid-graph", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The hidden tests of part 1 (sigmoid-graph) run in this cell when your notebook is graded.
### BEGIN HIDDEN TESTS
from autograder.notebook import run_hidden_suite

run_hidden_suite("sigmoid-graph", globals())
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "gradient-intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Part 2: the sigmoid's gradient, the short way
#
# Back-propagating through four nodes for every activation of every layer is a lot of
# work for one function. Is there a shorter way?
#
# **Written question.** Derive $\sigma'(x)$ and show that
# $\sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr)$. Explain in a sentence or two why
# this makes the backward pass cheap.
#
# <details><summary>Hint 1: getting started</summary>
#
# Differentiate $(1 + e^{-x})^{-1}$ with the chain rule, or multiply the local
# derivatives along your graph of part 1 (your `backward` computes exactly that).
#
# </details>
#
# <details><summary>Hint 2: reaching the form asked for</summary>
#
# Put your derivative next to $\sigma(x)$ and $\sigma(x)^2$. Which of them can you
# write it with?
#
# </details>
#
# <details><summary>Hint 3: why it is cheap</summary>
#
# Which values does the backward pass need, and which of them has the forward pass
# already computed?
#
# </details>

# %% [markdown] nbgrader={"grade": true, "grade_id": "answer-sigmoid-derivative", "locked": false, "points": 10, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# **Model answer.** $\sigma(x) = (1 + e^{-x})^{-1}$, so by the chain rule
# $\sigma'(x) = -(1 + e^{-x})^{-2} \cdot (-e^{-x}) = \dfrac{e^{-x}}{(1 + e^{-x})^{2}}$.
# Write $e^{-x} = (1 + e^{-x}) - 1$:
# $\sigma'(x) = \dfrac{1}{1 + e^{-x}} - \dfrac{1}{(1 + e^{-x})^{2}} = \sigma(x) - \sigma(x)^{2} = \sigma(x)(1 - \sigma(x))$.
# The forward pass already computed $s = \sigma(x)$, so the backward pass only needs to
# remember the output of the forward pass: it is then two multiplications,
# `grad_y * s * (1 - s)`, with no exponential and no overflow.
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
#   for any finite input, however large. It keeps the input's shape and float dtype:
#   float32 in, float32 out.
# * `sigmoid_grad(s)` is the derivative written with the output: $s(1 - s)$.
# * `Sigmoid` is the fused node: `forward` caches its output; `backward` returns
#   `grad_y * s * (1 - s)` from that cached output, without computing the sigmoid again.
#
# <details><summary>Hint 1: where the formula breaks</summary>
#
# Try $1/(1 + e^{-x})$ as written on `x = -1000.0` with warnings on. Which step
# overflows? (In float64 $e^{u}$ overflows above $u \approx 709$; in float32 above 88.)
#
# </details>
#
# <details><summary>Hint 2: another way to write it</summary>
#
# For $x < 0$, multiply the numerator and the denominator of $1/(1 + e^{-x})$ by the same
# number. Which exponential is left, and can it overflow there?
#
# </details>
#
# <details><summary>Hint 3: a trap</summary>
#
# `np.where(cond, a, b)` computes **both** `a` and `b` everywhere, and the branch it
# throws away still warns. Compute only exponentials that cannot overflow.
#
# </details>

# %% nbgrader={"grade": false, "grade_id": "gradient-code", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sigmoid(x):
    """1 / (1 + e^-x), elementwise, stable for every finite x; same shape and dtype as x.

    Contract: no floating-point warning may escape the call (one you silence inside with
    np.errstate does not escape). Each entry is within 8 * eps * (1 + s) of the true
    value s, eps = np.finfo(x.dtype).eps: true values below 8 * eps may come out as 0.
    x is left unmodified.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    e = np.exp(-np.abs(x))  # never overflows: -|x| <= 0
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    ### END SOLUTION


def sigmoid_grad(s):
    """The sigmoid's derivative from its output s = sigmoid(x): s * (1 - s).

    Contract: same shape and dtype as s; each entry within 8 * eps * (1 + g) of the true
    value g, eps = np.finfo(s.dtype).eps.
    """
    ### BEGIN SOLUTION
    return s * (1 - s)
    ### END SOLUTION


class Sigmoid(Node):
    """The sigmoid as one node: forward caches s = sigmoid(x); backward is grad_y * s * (1 - s).

    Contract: forward is held to sigmoid's accuracy; for |grad_y| <= 3, each entry of
    backward is within 8 * eps * (3 + |g|) of the true value g.
    """

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

# %% nbgrader={"grade": true, "grade_id": "tests-sigmoid-gradient", "locked": true, "schema_version": 3, "solution": false, "task": false}
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
# bias $b_i$ to make up for it (in code: `threshold(z, t) == t + relu(z - t)`, and the
# next layer's bias gains `t * W.sum(axis=1)`). Repeat layer by layer; the last layer
# has no activation, so it gets only the correction, not the $-t$. Every threshold network is a ReLU
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
# <details><summary>Hint 1: one activation</summary>
#
# Write $\max\{t, z\}$ with `relu`: which number do you add, and to what do you apply
# `relu`? Check your identity on a few values of $z$ above and below $t$.
#
# </details>
#
# <details><summary>Hint 2: one hidden layer</summary>
#
# Make the ReLU network's hidden layer output something close to the threshold
# network's. What does the next layer see then, and which of its numbers can make up
# for the difference?
#
# </details>
#
# <details><summary>Hint 3: the ends of the network</summary>
#
# The last layer has no activation. What does that change for its bias?
#
# </details>

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
    """max(t, z), elementwise; same shape and dtype as z.

    Contract: t is a Python float, or a numpy scalar or 0-d array of either float dtype
    (never an int), or an array of either float dtype with one threshold per neuron (z's
    last axis); the result has z's dtype whatever t's. Each entry is within
    2 * eps * (|z| + |t|) of max(t, z), eps = np.finfo(z.dtype).eps.
    """
    ### BEGIN SOLUTION
    return np.maximum(z, np.asarray(t, dtype=z.dtype))
    ### END SOLUTION


def fold_biases(weights, biases, t):
    """New biases that make a ReLU network compute what the threshold-t network computes.

    Returns a new list; weights and biases are left unmodified.

    Contract: one t is a Python float, or a numpy scalar or 0-d array of either float
    dtype (never an int); part 4's per-layer t is a Python list (never a tuple or an
    array). The weights and biases are float64 arrays; each folded bias is a float64
    array of its layer's bias's shape, whatever t's dtype.
    """
    ### BEGIN SOLUTION
    hidden = len(weights) - 1
    # part 4: t may also be a list, one threshold (or one per neuron) per hidden layer
    thresholds = list(t) if isinstance(t, (list, tuple)) else [t] * hidden
    folded = []
    for layer, (W, b) in enumerate(zip(weights, biases)):
        new_b = b.copy()
        if layer > 0:
            # its inputs are t lower than the threshold network's: W (h - t) = W h - W t
            new_b = new_b + W @ (thresholds[layer - 1] * np.ones(W.shape[1]))
        if layer < hidden:
            new_b = new_b - thresholds[layer]
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

# %% nbgrader={"grade": true, "grade_id": "tests-bias-folding", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The hidden tests of part 3 (bias-folding) run in this cell when your notebook is graded.
### BEGIN HIDDEN TESTS
from autograder.notebook import run_hidden_suite

run_hidden_suite("bias-folding", globals())
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "conv-intro", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["conv-folding"]
# ## Part 4: beyond the sheet: thresholds per neuron, and through convolutions
#
# **Thresholds per neuron.** Nothing in part 3 needs one $t$ for the whole network.
# Extend your `fold_biases` so that `t` may also be a **list with one entry per hidden
# layer**, each a float or an array with one threshold per neuron of that layer (the
# activation of hidden layer $l$ is then $\max\{t_l, z\}$ neuron by neuron). A float `t`
# must work exactly as before.
#
# **Convolutions.** A convolutional network here is a list of layers, each a dict:
#
# | layer | keys |
# |---|---|
# | convolution | `"kind": "conv"`, `"kernels"` of shape (filters, channels, k, k), `"bias"` (filters,), `"stride"`, `"padding"`, optionally `"pad_value"` (default 0.0) |
# | pooling | `"kind": "maxpool"` or `"avgpool"`, `"size"` (windows of size x size, stride size) |
# | flatten | `"kind": "flatten"` |
# | dense | `"kind": "dense"`, `"weights"` (out, in), `"bias"` (out,) |
#
# `convnet_forward(layers, x, activation)` (given below) runs it on a batch `x` of shape
# (batch, channels, height, width); the activation follows every conv and dense layer
# but the last of them.
#
# Write `fold_conv_thresholds(layers, t)`: a **new list of new layer dicts** (same kinds,
# same kernels and weights) such that `convnet_forward(fold_conv_thresholds(layers, t), x, relu)`
# equals `convnet_forward(layers, x, lambda z: threshold(z, t))`. Don't modify `layers`.
#
# **Zero padding.** Where a padded convolution comes after an activation, either make
# the network exact by padding the ReLU network's input
# with the right constant (`"pad_value"`), or refuse with
# `raise ValueError("...padding...")`, saying why. Refuse only where padding really
# breaks the folding: padding on the first layer is fine.
#
# <details><summary>Hint 1: per neuron</summary>
#
# Redo your argument of part 3 with a different threshold for each neuron. What does
# the next layer see now?
#
# </details>
#
# <details><summary>Hint 2: layer by layer</summary>
#
# What does each kind of layer do to an input that is a constant $c$ above another
# input? Try it: run `conv2d` or `pool2d` (given below) on `x` and on `x + c`, and
# compare.
#
# </details>
#
# <details><summary>Hint 3: one output of a convolution</summary>
#
# Pick one output position of a convolution without padding. Which inputs does its
# window sum, with which weights? What changes at a position whose window covers
# padding?
#
# </details>

# %% nbgrader={"grade": false, "grade_id": "given-convnet", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["conv-folding"]
def conv2d(x, kernels, bias, stride=1, padding=0, pad_value=0.0):
    """Pad each side of x (batch, channels, height, width) with `padding` rows and columns
    of pad_value, then slide each filter over it with the given stride."""
    x = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)], constant_values=pad_value)
    k = kernels.shape[2]
    height, width = (x.shape[2] - k) // stride + 1, (x.shape[3] - k) // stride + 1
    out = np.empty((x.shape[0], kernels.shape[0], height, width))
    for i in range(height):
        for j in range(width):
            patch = x[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            out[:, :, i, j] = np.tensordot(patch, kernels, axes=([1, 2, 3], [1, 2, 3]))
    return out + bias[:, None, None]


def pool2d(x, size, reduce):
    """Each channel cut into size x size windows (stride size), each window reduced to one value."""
    height, width = x.shape[2] // size, x.shape[3] // size
    windows = x[:, :, :height * size, :width * size].reshape(x.shape[0], x.shape[1], height, size, width, size)
    return reduce(windows, axis=(3, 5))


def convnet_forward(layers, x, activation):
    """Run the layers in order; the activation follows every conv and dense layer but the last."""
    weighted = [i for i, layer in enumerate(layers) if layer["kind"] in ("conv", "dense")]
    h = x
    for i, layer in enumerate(layers):
        if layer["kind"] == "conv":
            h = conv2d(h, layer["kernels"], layer["bias"], layer["stride"], layer["padding"], layer.get("pad_value", 0.0))
        elif layer["kind"] == "maxpool":
            h = pool2d(h, layer["size"], np.max)
        elif layer["kind"] == "avgpool":
            h = pool2d(h, layer["size"], np.mean)
        elif layer["kind"] == "flatten":
            h = h.reshape(h.shape[0], -1)
        elif layer["kind"] == "dense":
            h = h @ layer["weights"].T + layer["bias"]
        if i in weighted[:-1]:
            h = activation(h)
    return h


# %% nbgrader={"grade": false, "grade_id": "conv-code", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["conv-folding"]
def fold_conv_thresholds(layers, t):
    """A new list of new layer dicts: the ReLU network computing what `layers` computes
    with the activation max(t, z). A padded conv after an activation: make it exact
    through its pad_value, or refuse it with a ValueError that says why.

    Contract: t is one threshold for the whole network, a Python float or a numpy float64
    scalar or 0-d array (never a list). The threshold network pads each conv with that
    layer's own pad_value (0.0 if absent). A padded conv whose input is shifted (a conv or
    dense layer comes before it, and t != 0) may be made exact through its pad_value or
    refused with a ValueError whose message mentions the padding: either answer is right.
    Every other padded conv (the first conv, one after pools only, any at t = 0) must fold
    exactly: refusing it is wrong. The new dicts may hold the given kernel and weight
    arrays themselves (unmodified, no copy needed); the arrays stay float64.
    """
    ### BEGIN SOLUTION
    last = max(i for i, layer in enumerate(layers) if layer["kind"] in ("conv", "dense"))
    folded, shift = [], 0.0  # the ReLU network's values here are `shift` below the threshold network's
    for i, layer in enumerate(layers):
        new = dict(layer)
        if layer["kind"] == "conv":
            new["bias"] = layer["bias"] + shift * layer["kernels"].sum(axis=(1, 2, 3))
            if layer["padding"] > 0:
                new["pad_value"] = layer.get("pad_value", 0.0) - shift
        elif layer["kind"] == "dense":
            new["bias"] = layer["bias"] + shift * layer["weights"].sum(axis=1)
        if layer["kind"] in ("conv", "dense"):
            shift = t if i < last else 0.0
            new["bias"] = new["bias"] - shift
        folded.append(new)
    return folded
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "check-conv", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["skip-in-grader", "conv-folding"]
# Quick checks for part 4: per-neuron thresholds, then a small valid convnet.
rng = np.random.default_rng(1)
weights = [rng.normal(size=(3, 2)), rng.normal(size=(1, 3))]
biases = [rng.normal(size=3), rng.normal(size=1)]
x = rng.normal(size=(6, 2))
t_hidden = np.array([0.4, -1.0, 0.1])  # one threshold per neuron of the hidden layer
assert np.allclose(mlp_forward(weights, fold_biases(weights, biases, [t_hidden]), x, relu),
                   mlp_forward(weights, biases, x, lambda z: threshold(z, t_hidden)))

layers = [
    {"kind": "conv", "kernels": rng.normal(size=(2, 1, 3, 3)), "bias": rng.normal(size=2), "stride": 1, "padding": 0},
    {"kind": "maxpool", "size": 2},
    {"kind": "flatten"},
    {"kind": "dense", "weights": rng.normal(size=(3, 8)), "bias": rng.normal(size=3)},
]
images = rng.normal(size=(4, 1, 6, 6))
assert np.allclose(convnet_forward(fold_conv_thresholds(layers, -0.5), images, relu),
                   convnet_forward(layers, images, lambda z: threshold(z, -0.5)))
print("Part 4 quick checks passed.")

# %% [markdown] nbgrader={"grade": false, "grade_id": "conv-figure-intro", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["conv-folding"]
# **Padding, pictured.** For a 3 x 3 kernel with padding 1 on a 6 x 6 input, the
# picture counts, for each output position, the kernel taps that land on the padding.
# It may help with the written question below.

# %% nbgrader={"grade": false, "grade_id": "conv-figure", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["skip-in-grader", "conv-folding"]
import matplotlib.pyplot as plt

inside = np.pad(np.ones((6, 6)), 1)  # 1 where a tap lands on the input, 0 on the padding
padded_taps = np.array([[9 - inside[i:i + 3, j:j + 3].sum() for j in range(6)] for i in range(6)])
figure, axes = plt.subplots(figsize=(4.4, 3.6), layout="constrained")
image = axes.imshow(padded_taps, cmap="Reds", vmin=0, vmax=9)
for (i, j), count in np.ndenumerate(padded_taps):
    axes.text(j, i, int(count), ha="center", va="center")
axes.set_title("kernel taps on the padding\n(3 x 3 kernel, padding 1, 6 x 6 input)")
axes.set_xticks([]), axes.set_yticks([])
figure.colorbar(image, ax=axes);

# %% [markdown] nbgrader={"grade": false, "grade_id": "conv-question", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["conv-folding"]
# **Written question.** Why does zero padding break the folding argument at the
# border, and with which constant must the ReLU network pad instead? Why is padding on
# the first layer harmless?

# %% [markdown] nbgrader={"grade": true, "grade_id": "answer-conv-padding", "locked": false, "points": 5, "schema_version": 3, "solution": true, "task": false} tags=["conv-folding"]
# ### BEGIN SOLUTION
# **Model answer.** After an activation the ReLU network's values are those of the
# threshold network minus $t$. A convolution sums kernel taps over a window; where the
# whole window covers real inputs the shift adds exactly $t \sum K$, which the next bias
# can absorb. At the border some taps cover padding, which holds $0$ in both networks,
# so there the shift adds only $t$ times the inner taps: the correction depends on the
# position and no bias fixes it. Padding the ReLU network with $-t$ makes its padding,
# too, exactly $t$ below the threshold network's $0$, so every window shifts by
# $t \sum K$ again (in code: `pad_value - t`). The first layer's input is $x$ in both
# networks, unshifted, so its zero padding is the same in both.
#
# **Rubric (5 points).** 2: border windows see padding that is not shifted, so the
# correction is not a per-filter constant. 2: pad with $-t$ (or refuse). 1: the first
# layer's input is not shifted.
# ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "tests-conv-folding", "locked": true, "schema_version": 3, "solution": false, "task": false} tags=["conv-folding"]
# The hidden tests of part 4 (conv-folding) run in this cell when your notebook is graded.
### BEGIN HIDDEN TESTS
from autograder.notebook import run_hidden_suite

run_hidden_suite("conv-folding", globals())
### END HIDDEN TESTS
