"""The grader's own reference math. Every expected value in the suites comes from here,
computed on the grader's copies of the inputs before any student code is called."""
import functools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .remembering import remembered_by

ANOTHER_GRADIENT = "-grad_y"  # another_gradient, as the student reads it


def another_gradient(grad):
    """A second upstream gradient, for a second backward after one forward: within
    [-3, 3] like `grad`, and 0 where it is, so that hypothesis's smallest failure of a
    wrong derivative is still one of the first backward."""
    return -grad


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
    """The given forward pass: h <- activation(h @ W.T + b), no activation after the last
    layer. `activation` may be a list, one function per hidden layer."""
    h = x
    for layer, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w.T + b
        if layer < len(weights) - 1:
            h = activation[layer](h) if isinstance(activation, list) else activation(h)
    return h


def per_layer_thresholds(thresholds):
    """max(t_l, z) after hidden layer l, neuron by neuron (t_l a float or one per neuron)."""
    return [lambda z, t=t: np.maximum(z, t) for t in thresholds]


def mlp_magnitude(weights, biases, x, t):
    """A bound on the size of every partial sum in either network, for rounding tolerances:
    |z_l| <= |W_l| (h_{l-1} + |t|) + |b_l| + |t|, starting from |x|."""
    shift = max(float(np.max(np.abs(t_l))) for t_l in t) if isinstance(t, list) else abs(t)
    h = np.abs(x)
    for w, b in zip(weights, biases):
        h = (h + shift) @ np.abs(w).T + np.abs(b) + shift
    return h


def conv2d(x, kernels, bias, stride, padding, pad_value=0.0):
    """x (N, C, H, W) padded by `padding` of `pad_value` on each side, then
    out[n, f, i, j] = sum over c, a, b of x[n, c, stride*i + a, stride*j + b] * kernels[f, c, a, b] + bias[f]."""
    if padding:  # np.pad costs more than the rest of a small convolution
        x = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)], constant_values=pad_value)
    windows = sliding_window_view(x, kernels.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("ncijab,fcab->nfij", windows, kernels) + bias[:, None, None]


def pool2d(x, size, reduce):
    """Non-overlapping size x size windows of each channel, reduced (np.max or np.mean)."""
    return reduce(sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::size, ::size], axis=(4, 5))


def is_weighted(layer):
    return layer["kind"] in ("conv", "dense")


def convnet_forward(layers, x, activation):
    """The given forward pass of a chain of layer dicts (conv, maxpool, avgpool, flatten,
    dense); the activation follows every conv and dense layer but the last of them."""
    last = max(i for i, layer in enumerate(layers) if is_weighted(layer))
    h = x
    for index, layer in enumerate(layers):
        kind = layer["kind"]
        if kind == "conv":
            h = conv2d(h, layer["kernels"], layer["bias"], layer["stride"], layer["padding"], layer.get("pad_value", 0.0))
        elif kind == "dense":
            h = h @ layer["weights"].T + layer["bias"]
        elif kind in ("maxpool", "avgpool"):
            h = pool2d(h, layer["size"], np.max if kind == "maxpool" else np.mean)
        elif kind == "flatten":
            h = h.reshape(len(h), -1)
        if is_weighted(layer) and index < last:
            h = activation(h)
    return h


REMEMBERED = 4096  # answers per remembered function, each a few KB


def remembered(compute):
    """`compute`, remembered by the values of its arguments (up to REMEMBERED answers), its
    arrays read-only: a replayed example (replay.py) asks again with equal inputs, and the
    answer cannot have changed."""
    @functools.wraps(compute)
    def read_only(*args):
        result = compute(*args)
        for array in result if isinstance(result, tuple) else (result,):
            array.flags.writeable = False
        return result

    return remembered_by(lambda *args: _by_value(args), REMEMBERED)(read_only)


@remembered
def threshold_convnet(layers, x, t):
    """(output, magnitude), read-only: the threshold convnet max(t, z) on x, and
    convnet_magnitude."""
    return convnet_forward(layers, x, lambda z: threshold(z, t)), convnet_magnitude(layers, x, t)


def relu_convnet(layers, x):
    """The ReLU convnet on x, read-only, remembered by the values the forward pass reads: a
    student's folded layers come back the same from every student who folds alike."""
    return _relu_convnet([{key: value for key, value in layer.items() if key in FORWARD_KEYS} for layer in layers], x)


FORWARD_KEYS = {"kind", "kernels", "weights", "bias", "stride", "padding", "pad_value", "size"}  # what convnet_forward reads
_relu_convnet = remembered(lambda layers, x: convnet_forward(layers, x, relu))


def _by_value(value):
    """A hashable key, equal for equal values only: arrays by dtype, shape and bytes,
    numbers by type and exact repr."""
    if isinstance(value, np.ndarray):
        return (value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, dict):
        return tuple((key, _by_value(v)) for key, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_by_value(v) for v in value)
    return type(value).__name__, repr(value)  # 1 and 1.0, 0.0 and -0.0 apart


def convnet_magnitude(layers, x, t):
    """A bound on every partial sum in the threshold network and its folded ReLU network:
    the same chain on absolute values, with |t| added wherever a shift by t can enter."""
    shift = abs(t)
    return convnet_forward([_absolute(layer, shift) for layer in layers], np.abs(x) + shift, lambda h: h + shift)


def _absolute(layer, shift):
    if layer["kind"] == "avgpool":
        return dict(layer, kind="maxpool")  # a mean is at most the maximum
    if not is_weighted(layer):
        return layer
    key = "kernels" if layer["kind"] == "conv" else "weights"
    return dict(layer, **{key: np.abs(layer[key])}, bias=np.abs(layer["bias"]) + shift,
                pad_value=abs(layer.get("pad_value", 0.0)) + shift)


# The nodes a chain may hold as (forward(x, c), backward(x, c, grad_y)) pairs: the four
# of the sigmoid graph, and the grader's Flip (fixtures.py), which reverses the last axis.
NODE_MATH = {
    "Negate": (lambda x, c: -x, lambda x, c, g: -g),
    "Exp": (lambda x, c: np.exp(x), lambda x, c, g: g * np.exp(x)),
    "AddConstant": (lambda x, c: x + c, lambda x, c, g: g),
    "Reciprocal": (lambda x, c: 1.0 / x, lambda x, c, g: -g / x**2),
    "Flip": (lambda x, c: x[..., ::-1], lambda x, c, g: g[..., ::-1]),
}


def chain_forward_backward(nodes, x, grad_y, backward_order=reversed):
    """Forward values and input gradient of a chain of (name, constant) nodes.
    backward_order=iter: the gradient of a backward that visits the nodes in forward order."""
    values = [x]
    for name, c in nodes:
        values.append(NODE_MATH[name][0](values[-1], c))
    grad = grad_y
    for (name, c), value in backward_order(list(zip(nodes, values[:-1]))):
        grad = NODE_MATH[name][1](value, c, grad)
    return values, grad
