"""The grader's own reference math. Every expected value in the suites comes from here,
computed on the grader's copies of the inputs before any student code is called."""
import numpy as np


def sigmoid(x):
    """1 / (1 + e^-x) in float64, stable for every finite x: e^-|x| never overflows."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(x):
    """sigma'(x) = e^-|x| / (1 + e^-|x|)^2 (it is even), accurate where s * (1 - s) cancels."""
    e = np.exp(-np.abs(np.asarray(x, dtype=np.float64)))
    return e / (1.0 + e) ** 2


def relu(z):
    return np.maximum(z, 0.0)


def threshold(z, t):
    return np.maximum(z, t)


def mlp_forward(weights, biases, x, activation):
    """The given forward pass: h <- activation(h @ W.T + b), no activation after the last layer."""
    h = x
    for layer, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w.T + b
        if layer < len(weights) - 1:
            h = activation(h)
    return h


def mlp_magnitude(weights, biases, x, t):
    """A bound on the size of every partial sum in either network, for rounding tolerances:
    |z_l| <= |W_l| (h_{l-1} + |t|) + |b_l| + |t|, starting from |x|."""
    h = np.abs(x)
    for w, b in zip(weights, biases):
        h = (h + abs(t)) @ np.abs(w).T + np.abs(b) + abs(t)
    return h


# The four nodes of the sigmoid graph as (forward, local derivative) pairs.
NODE_MATH = {
    "Negate": (lambda x, c: -x, lambda x, c: -np.ones_like(x)),
    "Exp": (lambda x, c: np.exp(x), lambda x, c: np.exp(x)),
    "AddConstant": (lambda x, c: x + c, lambda x, c: np.ones_like(x)),
    "Reciprocal": (lambda x, c: 1.0 / x, lambda x, c: -1.0 / x**2),
}


def chain_forward_backward(nodes, x, grad_y):
    """Forward values and input gradient of a chain of (name, constant) nodes."""
    values = [x]
    for name, c in nodes:
        values.append(NODE_MATH[name][0](values[-1], c))
    grad = grad_y
    for (name, c), value in zip(reversed(nodes), reversed(values[:-1])):
        grad = grad * NODE_MATH[name][1](value, c)
    return values, grad
