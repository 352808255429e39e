"""hypothesis strategies for the suites' inputs. The suites take them through
lazy_hypothesis.py: this module is imported when a property first runs under hypothesis.

Arrays have at least one dimension: numpy turns 0-d results into scalars, and the API
promises arrays in and arrays out.
"""
import functools

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
FLOAT_DTYPES = st.sampled_from([np.float64, np.float32])
THRESHOLD_VALUES = st.one_of(st.floats(-5, 5), st.integers(-100, 100).map(float))
# The forms the API allows for a single threshold: a Python float, a numpy scalar or a
# 0-d array of either float dtype (numpy keeps float32 data float32 only with the first).
FLOAT64_FORMS = (float, np.float64, np.asarray)
THRESHOLD_FORMS = (*FLOAT64_FORMS, np.float32, functools.partial(np.asarray, dtype=np.float32))


def thresholds(forms=THRESHOLD_FORMS, values=THRESHOLD_VALUES):
    return st.builds(lambda form, t: form(t), st.sampled_from(forms), values)


THRESHOLDS = thresholds()
# A convnet's t in float64 forms: a float32 t would round the Python float "pad_value"
# minus t to float32 (numpy's scalar rules), a trap of numpy's, not of the folding.
CONV_THRESHOLDS = thresholds(FLOAT64_FORMS)
POOLS = st.sampled_from(["maxpool", "avgpool"])
integers_between = functools.cache(st.integers)  # built once: a new strategy is validated when first drawn


def floats_between(low, high, dtype=np.float64, shape=SHAPES):
    return hnp.arrays(dtype, shape, elements=st.floats(low, high, width=np.finfo(dtype).bits))


def any_finite(dtype=np.float64, shape=SHAPES):
    """Every finite float of the dtype: zeros, subnormals, and up to the largest value."""
    return hnp.arrays(dtype, shape, elements=hnp.from_dtype(np.dtype(dtype), allow_nan=False, allow_infinity=False))


# Arrays of either float dtype, in [-50, 50] and in [0, 1] (a sigmoid's outputs).
EITHER_DTYPE_WITHIN_50 = FLOAT_DTYPES.flatmap(lambda dtype: floats_between(-50, 50, dtype))
EITHER_DTYPE_WITHIN_0_AND_1 = FLOAT_DTYPES.flatmap(lambda dtype: floats_between(0, 1, dtype))


def magnitudes_between(low, high, shape=SHAPES):
    """float64 arrays whose entries have either sign and low <= |entry| <= high."""
    sign = st.sampled_from([-1.0, 1.0])
    entry = st.builds(lambda s, m: s * m, sign, st.floats(low, high))
    return hnp.arrays(np.float64, shape, elements=entry)


@functools.cache
def entries_within_3(shape):
    """float64 arrays of `shape` with entries in [-3, 3]; one strategy per shape, since a
    strategy is validated when first drawn from."""
    return hnp.arrays(np.float64, shape, elements=st.floats(-3, 3))


@st.composite
def array_and_gradient(draw, arrays):
    """An input array and an upstream gradient of the same shape (not all ones)."""
    x = draw(arrays)
    grad = draw(entries_within_3(x.shape))
    return x, grad


NODE_SPECS = st.one_of(
    st.just(("Negate", None)),
    st.just(("Exp", None)),
    st.tuples(st.just("AddConstant"), st.floats(-3, 3)),
    st.just(("Reciprocal", None)),
)


@st.composite
def chains_with_a_flip(draw):
    """1 to 5 of the assignment's nodes as (name, constant), with the grader's Flip
    (fixtures.py) at a drawn place among them."""
    specs = draw(st.lists(NODE_SPECS, min_size=1, max_size=5))
    at = draw(integers_between(0, len(specs)))
    return [*specs[:at], ("Flip", None), *specs[at:]]


@st.composite
def networks(draw, min_depth, max_depth):
    """An MLP (weights, biases), a batch x and a threshold t."""
    depth = draw(integers_between(min_depth, max_depth))
    widths = draw(st.lists(integers_between(1, 4), min_size=depth + 1, max_size=depth + 1))
    weights = [draw(entries_within_3((widths[l + 1], widths[l]))) for l in range(depth)]
    biases = [draw(entries_within_3((widths[l + 1],))) for l in range(depth)]
    x = draw(entries_within_3((draw(integers_between(1, 4)), widths[0])))
    t = draw(THRESHOLDS)
    return {"weights": weights, "biases": biases, "x": x, "t": t}


def thresholds_for(width):
    """A threshold for a layer of `width` neurons: any single form, or one per neuron
    (an array of either float dtype)."""
    per_neuron = FLOAT_DTYPES.flatmap(lambda dtype: floats_between(-5, 5, dtype, shape=(width,)))
    return st.one_of(THRESHOLDS, per_neuron)


@st.composite
def activations_and_thresholds(draw):
    """z of either float dtype, and a threshold for its last axis's neurons."""
    z = draw(FLOAT_DTYPES.flatmap(lambda dtype: floats_between(-10, 10, dtype)))
    return z, draw(thresholds_for(z.shape[-1]))


@st.composite
def per_neuron_thresholds(draw, network):
    """One threshold per hidden layer of an MLP, each as `thresholds_for` draws them."""
    return dict(network, t=[draw(thresholds_for(b.shape[0])) for b in network["biases"][:-1]])


# The padded convs whose input is not shifted, which must fold exactly (no refusal): the
# first conv, the first conv after one or two leading pools, and a conv after an
# activation at t = 0.
UNSHIFTED_PADDING = st.sampled_from(["first", "after-pool", "t-zero"])
ZERO_THRESHOLDS = thresholds(FLOAT64_FORMS, st.sampled_from([0.0, -0.0]))


@st.composite
def conv_networks(draw, padding):
    """A small convnet (layer dicts, see oracles.convnet_forward), a batch x and a threshold t.

    padding: "none" (every conv valid; sometimes no conv at all, flatten then dense
    layers), "unshifted" (one padded conv whose input is not shifted: see
    UNSHIFTED_PADDING) or "later" (a conv after an activation padded, and t != 0).
    Flatten and 1 to 2 dense layers end the network sometimes, and always one without convs."""
    case = draw(UNSHIFTED_PADDING) if padding == "unshifted" else padding
    convs = draw(integers_between(2 if case in ("later", "t-zero") else 0 if case == "none" else 1, 3))
    padded = ({0} if case in ("first", "after-pool") else
              {draw(integers_between(1, convs - 1))} if case in ("later", "t-zero") else set())
    channels, side = draw(integers_between(1, 2)), draw(integers_between(4, 7))
    x = draw(entries_within_3((draw(integers_between(1, 2)), channels, side, side)))
    layers = []
    if case == "after-pool":
        for _ in range(draw(integers_between(1, 2))):
            layers.append({"kind": draw(POOLS), "size": 2})
            side //= 2
    for index in range(convs):
        pad = 1 if index in padded else 0
        kernel = draw(integers_between(1, min(3, side + 2 * pad)))
        stride = draw(integers_between(1, 2))
        filters = draw(integers_between(1, 3))
        layers.append({"kind": "conv", "kernels": draw(entries_within_3((filters, channels, kernel, kernel))),
                       "bias": draw(entries_within_3((filters,))), "stride": stride, "padding": pad})
        if draw(st.booleans()):  # the optional field, on valid convs too (where it does nothing)
            layers[-1]["pad_value"] = draw(st.floats(-3, 3))
        channels, side = filters, (side + 2 * pad - kernel) // stride + 1
        if side >= 2 and draw(st.booleans()):
            layers.append({"kind": draw(POOLS), "size": 2})
            side //= 2
    if convs == 0 or draw(st.booleans()):
        layers += [{"kind": "flatten"}, *draw(dense_layers(channels * side * side))]
    t = draw(ZERO_THRESHOLDS if case == "t-zero" else CONV_THRESHOLDS.filter(lambda t: t != 0) if case == "later"
             else CONV_THRESHOLDS)
    return {"layers": layers, "x": x, "t": t}


@st.composite
def dense_layers(draw, inputs):
    """1 to 2 dense layer dicts, the first taking `inputs` features."""
    layers = []
    for _ in range(draw(integers_between(1, 2))):
        outputs = draw(integers_between(1, 3))
        layers.append({"kind": "dense", "weights": draw(entries_within_3((outputs, inputs))),
                       "bias": draw(entries_within_3((outputs,)))})
        inputs = outputs
    return layers
