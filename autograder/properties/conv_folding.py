"""Part conv-folding: thresholds per neuron in fold_biases, and folding through convnets.

After an activation the ReLU network's values are t below the threshold network's.
Pools and flatten keep that shift; a valid convolution turns it into t times each
filter's kernel sum, which the next bias absorbs. A padded convolution of a shifted
input does not (its border windows see unshifted padding) unless the ReLU network
pads with pad_value - t; there, and only there, a function may also refuse, with a
ValueError about the padding. A padded conv whose input is not shifted (no conv or dense
layer before it, or t = 0) folds exactly.
"""
import numpy as np

from ..sandbox.remote import StudentError
from . import oracles
from .registry import graded_property
from .bias_folding import check_folding
from .checks import expect_array, expect_close, expect_list, expect_unchanged, one_line, shown
from .lazy_hypothesis import strategies

PART = "conv-folding"
ARRAYS = {"conv": ("kernels", "bias"), "dense": ("weights", "bias")}
SETTINGS = {"conv": ("stride", "padding"), "maxpool": ("size",), "avgpool": ("size",)}


@graded_property(PART, "fold-per-neuron", "fold_biases with one threshold per hidden layer, a float or one per neuron",
                 uses=["fold_biases"], network=strategies.networks(min_depth=2, max_depth=4).flatmap(strategies.per_neuron_thresholds))
def fold_per_neuron(student, network):
    check_folding(student, **network)


def check_conv_folding(student, layers, x, t, may_refuse=False, report_args=False):
    """The ReLU convnet the student folds must equal the threshold convnet on x.
    may_refuse: a ValueError that mentions padding is a fair answer too.
    Returns the call's result, or None if refused; report_args: with `layers` as they are
    after the call (its args_after)."""
    expected, magnitude = oracles.threshold_convnet(layers, x, t)
    atol = 1e-12 * magnitude.max()
    try:
        result = student.call("fold_conv_thresholds", layers, t, report_args=report_args)
    except StudentError as error:
        if may_refuse and error.is_a("ValueError") and "pad" in error.record["message"].lower():
            return None
        raise
    folded = result.value
    expect_list(folded, length=len(layers), what="fold_conv_thresholds(layers, t)")
    for index, (new, old) in enumerate(zip(folded, layers)):
        expect_same_layer(new, old, what=f"layer {index} of your network")
    actual = oracles.relu_convnet(folded, x)
    expect_close(actual, expected, rtol=1e-12, atol=atol,
                 what=f"the ReLU convnet you folded (t = {t!r}), compared with the threshold convnet,",
                 explain=lambda: f"  layers: {describe(layers)}\n  your layers' biases and padding: {describe_changes(folded)}")
    return result


def expect_same_layer(new, old, *, what):
    """A layer dict of the same kind and settings, with arrays of the same shapes."""
    if type(new) is not dict or new.get("kind") != old["kind"]:
        raise AssertionError(f"{what} should be a dict with \"kind\": {old['kind']!r}, but it is {shown(new, 200)}")
    for key in SETTINGS.get(old["kind"], ()):
        if new.get(key) != old[key]:
            raise AssertionError(f"{what} should keep {key} = {old[key]!r}, but it has {shown(new.get(key), 50)}")
    for key in ARRAYS.get(old["kind"], ()):
        expect_array(new.get(key), shape=old[key].shape, dtype=np.float64, what=f"{what}'s {key!r}")
    pad_value = new.get("pad_value", 0.0)
    if isinstance(pad_value, bool) or not isinstance(pad_value, (int, float, np.floating)):
        raise AssertionError(f"{what}'s \"pad_value\" should be a number, but it is {shown(pad_value, 50)}")


def describe(layers):
    """conv(3x3 kernels, 2 filter(s), stride 2, padding 1) -> maxpool(2) -> ... in one line."""
    words = {"conv": lambda l: f"conv({l['kernels'].shape[2]}x{l['kernels'].shape[3]} kernels, {l['kernels'].shape[0]} "
                               f"filter(s), stride {l['stride']}, padding {l['padding']})",
             "dense": lambda l: f"dense({l['weights'].shape[1]} -> {l['weights'].shape[0]})",
             "maxpool": lambda l: f"maxpool({l['size']})", "avgpool": lambda l: f"avgpool({l['size']})",
             "flatten": lambda l: "flatten"}
    return " -> ".join(words[layer["kind"]](layer) for layer in layers)


def describe_changes(layers):
    parts = []
    for index, layer in enumerate(layers):
        if "bias" in layer:
            parts.append(f"{index}: bias {one_line(layer['bias'], precision=4)}"
                         + (f", pad_value {layer['pad_value']!r}" if "pad_value" in layer else ""))
    return "; ".join(parts)


@graded_property(PART, "conv-valid", "fold_conv_thresholds without padding: the ReLU convnet equals the threshold convnet",
                 uses=["fold_conv_thresholds"], weight=2, network=strategies.conv_networks(padding="none"))
def conv_valid(student, network):
    check_conv_folding(student, **network)


@graded_property(PART, "conv-unshifted-padding", "a padded conv whose input is not shifted (the first conv, after pools "
                 "only, or t = 0): still exact, no refusal", uses=["fold_conv_thresholds"], network=strategies.conv_networks(padding="unshifted"))
def conv_unshifted_padding(student, network):
    try:
        check_conv_folding(student, **network)
    except StudentError as error:
        if error.is_a("ValueError"):
            error.add_note(f"(A padded conv's input is not shifted when no conv or dense layer comes before it, or when "
                           f"t is 0 (here t = {network['t']!r}): its padding folds exactly, so refuse only a shifted input.)")
        raise


@graded_property(PART, "conv-later-padding", "a padded conv after an activation: pad with the right constant, or refuse with a ValueError",
                 uses=["fold_conv_thresholds"], network=strategies.conv_networks(padding="later"))
def conv_later_padding(student, network):
    if check_conv_folding(student, **network, may_refuse=True) is None:
        # A refusal earns the points only from a function that folds what it can.
        unpadded = before_later_padding(network["layers"])
        try:
            check_conv_folding(student, unpadded, network["x"], network["t"])
        except (AssertionError, StudentError) as error:
            error.add_note(f"(You refused this network, which is fair only from a function that folds the layers "
                           f"before its padded conv: {describe(unpadded)}.)")
            raise


def before_later_padding(layers):
    """The layers before the first padded conv that follows an activation."""
    seen_activation = False
    for index, layer in enumerate(layers):
        if layer["kind"] == "conv" and layer["padding"] and seen_activation:
            return layers[:index]
        seen_activation = seen_activation or oracles.is_weighted(layer)
    raise ValueError("no padded conv after an activation")


@graded_property(PART, "conv-leaves-inputs", "fold_conv_thresholds is right and leaves its layers unmodified",
                 uses=["fold_conv_thresholds"], network=strategies.conv_networks(padding="none"))
def conv_leaves_inputs(student, network):
    layers_after, _ = check_conv_folding(student, **network, report_args=True).args_after
    expect_list(layers_after, length=len(network["layers"]), what="the layers list after the call")
    for index, (before, after) in enumerate(zip(network["layers"], layers_after)):
        if type(after) is not dict or sorted(after) != sorted(before):
            raise AssertionError(f"layer {index} was modified in place (its keys changed); build new dicts instead")
        for key, value in before.items():
            if isinstance(value, np.ndarray):
                expect_unchanged(value, after[key], what=f"layer {index}'s {key!r}")
            elif after[key] != value:
                raise AssertionError(f"layer {index}'s {key!r} was changed in place; build new dicts instead")
