"""The mistake catalogue: plausible wrong answers, each of which the hidden suites must
catch in its own part (and in no part that does not grade what it changes), and correct
answers written differently, which must keep full marks. Each entry replaces some
top-level definitions of the reference solution, written out or as one edit of it.

Each mistake names its misconception, in the course's words: what the code believes, and
a hint that leads towards the fix without giving it. The grader tells a student whose
failed property a mistake explains (engine/diagnosis.py); mistakes that are the same
misconception in different functions share one."""
import ast
import functools
from dataclasses import dataclass

from ..reference import reference_edited


@dataclass(frozen=True)
class Misconception:
    label: str  # what the code believes, one clause: "Your code behaves like a common mistake: <label>."
    hint: str  # one sentence that leads towards the fix without giving it


@dataclass(frozen=True)
class Entry:
    name: str
    part: str  # the part a mistake must lose points in; None for a correct variant
    description: str
    override: str
    because: Misconception = None  # a mistake's misconception; None for a correct variant

    @property
    def is_mistake(self):
        return self.part is not None

    @functools.cached_property
    def defines(self):
        """The names of the top-level definitions the entry replaces."""
        return frozenset(node.name for node in ast.parse(self.override).body
                         if isinstance(node, (ast.FunctionDef, ast.ClassDef)))


def mistake(name, part, description, override, *, because):
    return Entry(name, part, description, override, because)


def variant(name, description, override):
    return Entry(name, None, description, override)


# --- misconceptions: sigmoid-graph ---------------------------------------------------
NEGATE_DERIVATIVE = Misconception(
    "Negate's backward passes the gradient through as if the derivative of -x were 1",
    "Differentiate -x with respect to x, and let backward multiply the upstream gradient by it.")
EXP_DERIVATIVE = Misconception(
    "Exp's backward multiplies by the input x instead of by the derivative of e^x",
    "Recall which function is its own derivative, and what forward could remember for backward.")
RECIPROCAL_SIGN = Misconception(
    "Reciprocal's backward loses the sign of the derivative of 1/x",
    "Write 1/x as a power of x and differentiate it again, keeping track of the sign.")
DROPS_UPSTREAM = Misconception(
    "backward returns the node's own derivative and drops the upstream gradient grad_y",
    "The chain rule combines a node's local derivative with the gradient arriving from above: check that grad_y takes part.")
STALE_CACHE = Misconception(
    "a node keeps what it saw on its first forward call, not on the latest",
    "backward must use the most recent forward; look at what your node stores each time forward runs.")
FORWARD_NOT_CHAINED = Misconception(
    "Chain's forward gives every node the chain's input instead of the previous node's output",
    "Follow one value through the chain by hand: what should the second node receive?")
BACKWARD_NOT_CHAINED = Misconception(
    "Chain's backward gives every node the chain's upstream gradient instead of the gradient from the node after it",
    "Follow one gradient through the chain by hand: what should each node's backward receive?")
BACKWARD_IN_FORWARD_ORDER = Misconception(
    "backward in forward order",
    "The chain rule starts from the output: which node's backward has everything it needs first?")
REVERSES_CHAIN_IN_PLACE = Misconception(
    "Chain's backward reorders the chain's own list of nodes, so its next forward runs them backwards",
    "A Chain is used for many rounds: after one backward, look at the order self.nodes is in.")
GRAPH_CONSTANT = Misconception(
    "the sigmoid's graph adds the wrong constant",
    "Write 1 / (1 + e^-x) as four steps applied to x in order and compare each with your graph.")
BACKWARD_USES_UP_FORWARD = Misconception(
    "backward uses up or changes what forward recorded, so a second backward after the same forward is wrong",
    "backward may be called again after one forward: does yours leave what forward stored as forward left it?")
# --- misconceptions: sigmoid-gradient ------------------------------------------------
EXP_OVERFLOWS = Misconception(
    "the formula computes e^-x (or e^x) where it overflows, for inputs beyond about 709 in size",
    "Find a form in which exp only ever sees a non-positive argument, on every entry (np.where computes both branches in full).")
PROMOTES_FLOAT32 = Misconception(
    "a float32 input comes back as float64, numpy promoting a mixed computation",
    "Follow the dtype of each intermediate value for a float32 input and find the step that makes it float64.")
LOSES_SHAPE = Misconception(
    "the result loses the input's shape",
    "Compare the shape of your result with the input's for a 2-D input.")
COMPUTES_IN_FLOAT32 = Misconception(
    "the computation runs in float32 whatever the input's dtype, losing half of float64's digits",
    "Follow the dtype of each intermediate value for a float64 input.")
CLIPS_INPUT = Misconception(
    "clipping the input to avoid overflow changes the values beyond the clip",
    "sigma(12) and sigma(10) differ by far more than rounding: avoid the overflow without changing x.")
DERIVATIVE_SIGN = Misconception(
    "the sigmoid's derivative, written with its output s, has a wrong sign",
    "Differentiate 1 / (1 + e^-x) once more and express the result through sigma itself, sign by sign.")
RECOMPUTES_EXP = Misconception(
    "Sigmoid's backward computes the sigmoid again (exp, tanh, ...) instead of using the output its forward cached",
    "The derivative can be written with the forward pass's output alone: what could forward keep for backward?")
CACHES_ON_CLASS = Misconception(
    "the node caches its output on the class, which every node of the class shares, not on the node itself",
    "Two Sigmoid nodes in one network each need their own cached output: where does yours store it?")
# --- misconceptions: bias-folding ----------------------------------------------------
THRESHOLD_AS_MIN = Misconception(
    "the threshold caps z from above instead of from below",
    "Try z far below t and z far above t: which one should come back unchanged?")
CHANGES_INPUTS = Misconception(
    "the function changes the arrays, lists or dicts it was given instead of building new ones",
    "The caller still needs its inputs afterwards: check every assignment and += into something you were passed.")
SHIFTS_LAST_LAYER = Misconception(
    "subtracts t in the last layer too",
    "The activation follows every layer but the last: which layers' outputs pass through a threshold?")
WRONG_AXIS = Misconception(
    "the next layer's correction sums the weights over the wrong axis",
    "Write out one neuron of the next layer: which entries of W multiply the inputs that were shifted?")
FOLD_SIGNS = Misconception(
    "the thresholds are folded in with the wrong signs",
    "Write max(t, z) as a ReLU of a shifted z plus a constant, then compare each layer's bias in the two networks, sign by sign.")
SKIPS_NEXT_LAYER = Misconception(
    "the hidden biases are shifted, but the next layer is never told its inputs moved",
    "Compare the inputs the next layer gets in the two networks: how far apart are they, and what does that do to its output?")
BIASES_TAKE_T_DTYPE = Misconception(
    "the folded biases take t's dtype instead of keeping each bias's own",
    "Call your fold with a float32 t and float64 biases, and compare the dtypes that come back.")
ONE_T_PYTHON_FLOAT_ONLY = Misconception(
    "only a Python float is taken for one threshold, so a numpy float scalar or 0-d array is read as a list",
    "List every kind of value the contract calls a float t, and check how your code tells each from a list.")
DROPS_LAST_BIAS = Misconception(
    "the last layer's bias is left out of the result",
    "fold_biases returns one bias per layer: count yours for a two-layer network.")
# --- misconceptions: conv-folding ----------------------------------------------------
OWN_LAYER_THRESHOLDS = Misconception(
    "a layer is corrected with its own thresholds instead of the previous layer's",
    "The shift a layer's input carries comes from the activation before it: whose thresholds are those?")
ONE_LAYER_THRESHOLDS = Misconception(
    "one hidden layer's thresholds are used for every layer",
    "With a list t, each hidden layer has a threshold of its own: check which entry each layer uses.")
KERNEL_SUM_AXES = Misconception(
    "a conv's correction sums each kernel over its positions but not over its input channels",
    "A shift of every input channel reaches an output through all of its filter's weights: which axes does that cover?")
POOL_DROPS_SHIFT = Misconception(
    "pooling is taken to remove the shift",
    "Take the max of numbers that were each lowered by t: by how much is the result lowered?")
AVGPOOL_SCALES_SHIFT = Misconception(
    "average pooling is taken to scale the shift by its window",
    "Average numbers that were each lowered by t: by how much is their mean lowered?")
PADDING_UNSHIFTED = Misconception(
    "the padding of a shifted input is left as it was",
    "In the ReLU network every input of a later conv is t below the threshold network's: should its border be any different?")
PADDING_WRONG_WAY = Misconception(
    "the padding of a shifted input is moved the wrong way",
    "Compare the ReLU network's inputs with the threshold network's: are they above or below them?")
IGNORES_PAD_VALUE = Misconception(
    "ignores the layer's own pad_value",
    "A conv may pad with a value other than 0: start the new padding from the layer's own.")
REFUSES_UNSHIFTED_PADDING = Misconception(
    "a padded conv is refused where its input is not shifted",
    "Reread when the contract allows a refusal, then try a padded first conv, one after only pooling, and t = 0.")
DENSE_ASSUMED_LAST = Misconception(
    "a dense layer is taken to be the network's last, so it never gets the -t nor passes its shift on",
    "Try two dense layers after the flatten: which of them has an activation after it?")
DENSE_INPUT_ALWAYS_SHIFTED = Misconception(
    "a dense layer's input is taken to be shifted by t even where no activation comes before it",
    "Try a network that starts with flatten and dense: what is the first dense layer's input shifted by?")


CATALOGUE = [
    # --- sigmoid-graph ------------------------------------------------------------
    mistake("negate-backward-keeps-sign", "sigmoid-graph", "Negate.backward returns grad_y unchanged", """
class Negate(Node):
    def forward(self, x):
        return -x

    def backward(self, grad_y):
        return grad_y
""", because=NEGATE_DERIVATIVE),
    mistake("exp-backward-uses-input", "sigmoid-graph", "Exp.backward multiplies by x instead of e^x", """
class Exp(Node):
    def forward(self, x):
        self.x = x
        return np.exp(x)

    def backward(self, grad_y):
        return grad_y * self.x
""", because=EXP_DERIVATIVE),
    mistake("reciprocal-backward-sign", "sigmoid-graph", "Reciprocal.backward drops the minus sign", """
class Reciprocal(Node):
    def forward(self, x):
        self.x = x
        return 1.0 / x

    def backward(self, grad_y):
        return grad_y / self.x**2
""", because=RECIPROCAL_SIGN),
    mistake("reciprocal-ignores-upstream", "sigmoid-graph", "Reciprocal.backward ignores the upstream gradient", """
class Reciprocal(Node):
    def forward(self, x):
        self.x = x
        return 1.0 / x

    def backward(self, grad_y):
        return -1.0 / self.x**2
""", because=DROPS_UPSTREAM),
    mistake("add-constant-drops-gradient", "sigmoid-graph", "AddConstant.backward returns ones, not grad_y", """
class AddConstant(Node):
    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x + self.c

    def backward(self, grad_y):
        return np.ones_like(grad_y)
""", because=DROPS_UPSTREAM),
    mistake("exp-caches-first-forward", "sigmoid-graph", "Exp remembers only its first forward, not the latest", """
class Exp(Node):
    def forward(self, x):
        if not hasattr(self, "y"):
            self.y = np.exp(x)
        return np.exp(x)

    def backward(self, grad_y):
        return grad_y * self.y
""", because=STALE_CACHE),
    mistake("chain-forward-not-chained", "sigmoid-graph", "Chain.forward gives every node the input x", """
class Chain(Node):
    def __init__(self, nodes):
        self.nodes = list(nodes)

    def forward(self, x):
        y = x
        for node in self.nodes:
            y = node.forward(x)
        return y

    def backward(self, grad_y):
        for node in reversed(self.nodes):
            grad_y = node.backward(grad_y)
        return grad_y
""", because=FORWARD_NOT_CHAINED),
    mistake("chain-backward-not-chained", "sigmoid-graph", "Chain.backward gives every node the upstream grad_y", """
class Chain(Node):
    def __init__(self, nodes):
        self.nodes = list(nodes)

    def forward(self, x):
        for node in self.nodes:
            x = node.forward(x)
        return x

    def backward(self, grad_y):
        grad_x = grad_y
        for node in reversed(self.nodes):
            grad_x = node.backward(grad_y)
        return grad_x
""", because=BACKWARD_NOT_CHAINED),
    mistake("chain-backward-forward-order", "sigmoid-graph", "Chain.backward visits the nodes in forward order",
            reference_edited("Chain", "for node in reversed(self.nodes):", "for node in self.nodes:"), because=BACKWARD_IN_FORWARD_ORDER),
    mistake("chain-reverses-nodes-in-place", "sigmoid-graph", "Chain.backward reverses self.nodes in place, then iterates",
            reference_edited("Chain", "for node in reversed(self.nodes):", "self.nodes.reverse()\n        for node in self.nodes:"),
            because=REVERSES_CHAIN_IN_PLACE),
    mistake("graph-adds-minus-one", "sigmoid-graph", "sigmoid_graph uses AddConstant(-1.0)", """
def sigmoid_graph():
    return Chain([Negate(), Exp(), AddConstant(-1.0), Reciprocal()])
""", because=GRAPH_CONSTANT),
    mistake("chain-backward-pops-trace", "sigmoid-graph",
            "Chain.backward pops a trace forward recorded: a second backward finds it empty and returns grad_y", """
class Chain(Node):
    def __init__(self, nodes):
        self.nodes = list(nodes)
        self.trace = []

    def forward(self, x):
        self.trace = []
        for node in self.nodes:
            x = node.forward(x)
            self.trace.append(node)
        return x

    def backward(self, grad_y):
        while self.trace:
            grad_y = self.trace.pop().backward(grad_y)
        return grad_y
""", because=BACKWARD_USES_UP_FORWARD),
    # --- sigmoid-gradient ---------------------------------------------------------
    mistake("sigmoid-naive-overflow", "sigmoid-gradient", "the textbook 1/(1+exp(-x)) overflows for x < -709", """
def sigmoid(x):
    return 1 / (1 + np.exp(-x))
""", because=EXP_OVERFLOWS),
    mistake("sigmoid-where-both-branches", "sigmoid-gradient", "np.where evaluates the overflowing branch too", """
def sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
""", because=EXP_OVERFLOWS),
    mistake("sigmoid-upcasts-float32", "sigmoid-gradient", "float32 in, float64 out", """
def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
""", because=PROMOTES_FLOAT32),
    mistake("sigmoid-flattens", "sigmoid-gradient", "sigmoid returns a flat array whatever the shape of x",
            reference_edited("sigmoid", "return np.where(x >= 0, 1 / (1 + e), e / (1 + e))",
                             "return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).ravel()"), because=LOSES_SHAPE),
    mistake("sigmoid-clips-too-early", "sigmoid-gradient", "clipping x to [-10, 10] before the formula", """
def sigmoid(x):
    x = np.clip(x, -10, 10)
    return 1 / (1 + np.exp(-x))
""", because=CLIPS_INPUT),
    mistake("sigmoid-errstate-overflow-only", "sigmoid-gradient",
            "silences the overflow with np.errstate, but inf / inf in np.where's discarded branch still warns", """
def sigmoid(x):
    with np.errstate(over="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
""", because=EXP_OVERFLOWS),
    mistake("sigmoid-float32-inside", "sigmoid-gradient", "computes in float32 whatever x's dtype: 7 digits where float64 has 16",
            """
def sigmoid(x):
    x = np.asarray(x)
    x32 = x.astype(np.float32)
    e = np.exp(-np.abs(x32))
    return np.where(x32 >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)
""", because=COMPUTES_IN_FLOAT32),
    mistake("sigmoid-in-place", "sigmoid-gradient", "sigmoid writes its result into x", """
def sigmoid(x):
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    x[...] = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return x
""", because=CHANGES_INPUTS),
    mistake("sigmoid-grad-plus", "sigmoid-gradient", "sigmoid_grad returns s * (1 + s)", """
def sigmoid_grad(s):
    return s * (1 + s)
""", because=DERIVATIVE_SIGN),
    mistake("sigmoid-node-ignores-upstream", "sigmoid-gradient", "Sigmoid.backward forgets to multiply by grad_y", """
class Sigmoid(Node):
    def forward(self, x):
        self.s = sigmoid(x)
        return self.s

    def backward(self, grad_y):
        return self.s * (1 - self.s)
""", because=DROPS_UPSTREAM),
    mistake("sigmoid-node-recomputes-exp", "sigmoid-gradient", "Sigmoid.backward recomputes exp from the cached input", """
class Sigmoid(Node):
    def forward(self, x):
        self.x = x
        return sigmoid(x)

    def backward(self, grad_y):
        s = sigmoid(self.x)
        return grad_y * s * (1 - s)
""", because=RECOMPUTES_EXP),
    mistake("sigmoid-node-class-cache", "sigmoid-gradient",
            "Sigmoid caches s on the class (Sigmoid.s): a second node's forward changes the first one's backward", """
class Sigmoid(Node):
    def forward(self, x):
        Sigmoid.s = sigmoid(x)
        return Sigmoid.s

    def backward(self, grad_y):
        return grad_y * sigmoid_grad(Sigmoid.s)
""", because=CACHES_ON_CLASS),
    mistake("sigmoid-node-consumes-cache", "sigmoid-gradient",
            "Sigmoid.backward turns the cached s into s * (1 - s) in place: a second backward is wrong", """
class Sigmoid(Node):
    def forward(self, x):
        self.s = sigmoid(x)
        return self.s

    def backward(self, grad_y):
        self.s *= 1 - self.s
        return grad_y * self.s
""", because=BACKWARD_USES_UP_FORWARD),
    mistake("sigmoid-node-recomputes-tanh", "sigmoid-gradient",
            "a tanh sigmoid, and Sigmoid.backward recomputes it from the cached input (no exp called)", """
def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))


class Sigmoid(Node):
    def forward(self, x):
        self.x = x
        return sigmoid(x)

    def backward(self, grad_y):
        s = sigmoid(self.x)
        return grad_y * s * (1 - s)
""", because=RECOMPUTES_EXP),
    # --- bias-folding -------------------------------------------------------------
    mistake("threshold-is-min", "bias-folding", "threshold takes the minimum", """
def threshold(z, t):
    return np.minimum(z, t)
""", because=THRESHOLD_AS_MIN),
    mistake("threshold-in-place", "bias-folding", "threshold overwrites z", """
def threshold(z, t):
    z[z < t] = t
    return z
""", because=CHANGES_INPUTS),
    mistake("threshold-keeps-t-dtype", "bias-folding", "threshold lets a float64 t turn float32 z into float64", """
def threshold(z, t):
    return np.maximum(z, t)
""", because=PROMOTES_FLOAT32),
    mistake("fold-shifts-last-layer", "bias-folding", "fold_biases also subtracts t from the last layer", """
def fold_biases(weights, biases, t):
    folded = []
    for layer, (W, b) in enumerate(zip(weights, biases)):
        new_b = b - t
        if layer > 0:
            new_b = new_b + t * W.sum(axis=1)
        folded.append(new_b)
    return folded
""", because=SHIFTS_LAST_LAYER),
    mistake("fold-wrong-axis", "bias-folding", "sums the columns of W instead of its rows", """
def fold_biases(weights, biases, t):
    folded = []
    for layer, (W, b) in enumerate(zip(weights, biases)):
        new_b = b.copy()
        if layer > 0:
            new_b = new_b + t * W.sum(axis=0)
        if layer < len(weights) - 1:
            new_b = new_b - t
        folded.append(new_b)
    return folded
""", because=WRONG_AXIS),
    mistake("fold-sign-error", "bias-folding", "adds t to the hidden biases instead of subtracting it", """
def fold_biases(weights, biases, t):
    folded = []
    for layer, (W, b) in enumerate(zip(weights, biases)):
        new_b = b.copy()
        if layer > 0:
            new_b = new_b - t * W.sum(axis=1)
        if layer < len(weights) - 1:
            new_b = new_b + t
        folded.append(new_b)
    return folded
""", because=FOLD_SIGNS),
    mistake("fold-skips-next-layer", "bias-folding", "shifts the hidden biases but never corrects the next layer", """
def fold_biases(weights, biases, t):
    return [b - t if layer < len(biases) - 1 else b.copy() for layer, b in enumerate(biases)]
""", because=SKIPS_NEXT_LAYER),
    mistake("fold-drops-last-bias", "bias-folding", "returns the hidden layers' biases only, not the last layer's",
            reference_edited("fold_biases", "    return folded", "    return folded[:-1]"), because=DROPS_LAST_BIAS),
    mistake("fold-mutates-biases", "bias-folding", "updates the biases in place", """
def fold_biases(weights, biases, t):
    for layer, W in enumerate(weights):
        if layer > 0:
            biases[layer] += t * W.sum(axis=1)
        if layer < len(weights) - 1:
            biases[layer] -= t
    return list(biases)
""", because=CHANGES_INPUTS),
    mistake("fold-biases-take-t-dtype", "bias-folding", "casts the folded biases to t's dtype: float32 biases for a float32 t",
            reference_edited("fold_biases", "new_b = b.copy()",
                             "new_b = b.copy() if isinstance(t, list) else b.astype(np.asarray(t).dtype)"), because=BIASES_TAKE_T_DTYPE),
    mistake("fold-takes-python-float-only", "bias-folding",
            "tells one t from a list by isinstance(t, float): a numpy float32 or a 0-d array is taken for a list",
            reference_edited("fold_biases", "thresholds = list(t) if isinstance(t, (list, tuple)) else [t] * hidden",
                             "thresholds = [t] * hidden if isinstance(t, float) else list(t)"), because=ONE_T_PYTHON_FLOAT_ONLY),
    # --- correct, written differently ---------------------------------------------
    # --- conv-folding: most are the reference with one change --------------------
    mistake("per-neuron-same-layer", "conv-folding", "fold_biases corrects layer l with its own thresholds t_l, not t_(l-1)",
            reference_edited("fold_biases", "thresholds[layer - 1]", "thresholds[min(layer, hidden - 1)]"), because=OWN_LAYER_THRESHOLDS),
    mistake("per-neuron-first-only", "conv-folding", "fold_biases uses the first hidden layer's thresholds everywhere",
            reference_edited("fold_biases", "thresholds = list(t) if isinstance(t, (list, tuple)) else [t] * hidden",
                             "thresholds = [t[0] if isinstance(t, list) else t] * hidden"), because=ONE_LAYER_THRESHOLDS),
    mistake("conv-sum-over-positions-only", "conv-folding", "a conv's correction sums each kernel over positions, averaging the channels",
            reference_edited("fold_conv_thresholds", 'layer["kernels"].sum(axis=(1, 2, 3))',
                             'layer["kernels"].sum(axis=(2, 3)).mean(axis=1)'), because=KERNEL_SUM_AXES),
    mistake("conv-pool-drops-shift", "conv-folding", "after a pooling layer the shift is taken to be gone",
            reference_edited("fold_conv_thresholds", "        folded.append(new)",
                             '        if layer["kind"] in ("maxpool", "avgpool"):\n            shift = 0.0\n        folded.append(new)'),
            because=POOL_DROPS_SHIFT),
    mistake("conv-avgpool-scales-shift", "conv-folding", "an average pool is taken to divide the shift by its window size",
            reference_edited("fold_conv_thresholds", "        folded.append(new)",
                             '        if layer["kind"] == "avgpool":\n            shift = shift / layer["size"] ** 2\n        folded.append(new)'),
            because=AVGPOOL_SCALES_SHIFT),
    mistake("conv-ignores-padding", "conv-folding", "a padded conv after an activation keeps padding with 0",
            reference_edited("fold_conv_thresholds", 'layer.get("pad_value", 0.0) - shift', 'layer.get("pad_value", 0.0)'),
            because=PADDING_UNSHIFTED),
    mistake("conv-pads-with-plus-t", "conv-folding", "a padded conv after an activation pads with +t",
            reference_edited("fold_conv_thresholds", 'layer.get("pad_value", 0.0) - shift', 'layer.get("pad_value", 0.0) + shift'),
            because=PADDING_WRONG_WAY),
    mistake("conv-overwrites-pad-value", "conv-folding", "pads with -t, forgetting the layer's own pad_value",
            reference_edited("fold_conv_thresholds", 'layer.get("pad_value", 0.0) - shift', '-shift'), because=IGNORES_PAD_VALUE),
    mistake("conv-mutates-layers", "conv-folding", "changes the given layer dicts instead of new ones",
            reference_edited("fold_conv_thresholds", "new = dict(layer)", "new = layer"), because=CHANGES_INPUTS),
    mistake("conv-refuses-any-padding", "conv-folding", "refuses every padded conv, the first layer's too",
            reference_edited("fold_conv_thresholds", 'new["pad_value"] = layer.get("pad_value", 0.0) - shift',
                             'raise ValueError("zero padding breaks the folding")'), because=REFUSES_UNSHIFTED_PADDING),
    mistake("conv-refuses-at-zero-threshold", "conv-folding", "refuses a padded conv after an activation even at t = 0, where nothing is shifted",
            reference_edited("fold_conv_thresholds", 'new["pad_value"] = layer.get("pad_value", 0.0) - shift',
                             'if any(before["kind"] in ("conv", "dense") for before in layers[:i]):\n'
                             '                    raise ValueError("zero padding after an activation cannot be folded")\n'
                             '                new["pad_value"] = layer.get("pad_value", 0.0) - shift'), because=REFUSES_UNSHIFTED_PADDING),
    mistake("conv-refuses-after-leading-pool", "conv-folding", "refuses every padded conv but layer 0, the first conv after a pool too",
            reference_edited("fold_conv_thresholds", 'new["pad_value"] = layer.get("pad_value", 0.0) - shift',
                             'if i > 0 and t != 0:\n'
                             '                    raise ValueError("zero padding after the first layer cannot be folded")\n'
                             '                new["pad_value"] = layer.get("pad_value", 0.0) - shift'), because=REFUSES_UNSHIFTED_PADDING),
    mistake("conv-shifts-last-layer", "conv-folding", "the last conv or dense layer gets the -t too",
            reference_edited("fold_conv_thresholds", "shift = t if i < last else 0.0", "shift = t"), because=SHIFTS_LAST_LAYER),
    mistake("conv-dense-column-sums", "conv-folding", "a dense layer after the convs is corrected with the mean column sum",
            reference_edited("fold_conv_thresholds", 'layer["weights"].sum(axis=1)', 'layer["weights"].sum(axis=0).mean()'), because=WRONG_AXIS),
    mistake("conv-dense-assumed-last", "conv-folding", "a dense layer is taken to be the last: it gets the correction but never the -t", """
def fold_conv_thresholds(layers, t):
    last_conv = max((i for i, layer in enumerate(layers) if layer["kind"] == "conv"), default=-1)
    has_dense = any(layer["kind"] == "dense" for layer in layers)
    folded, shift = [], 0.0
    for i, layer in enumerate(layers):
        new = dict(layer)
        if layer["kind"] == "conv":
            new["bias"] = layer["bias"] + shift * layer["kernels"].sum(axis=(1, 2, 3))
            if layer["padding"] > 0:
                new["pad_value"] = layer.get("pad_value", 0.0) - shift
            shift = t if (i < last_conv or has_dense) else 0.0
            new["bias"] = new["bias"] - shift
        elif layer["kind"] == "dense":
            new["bias"] = layer["bias"] + shift * layer["weights"].sum(axis=1)
        folded.append(new)
    return folded
""", because=DENSE_ASSUMED_LAST),
    mistake("conv-dense-always-shifted", "conv-folding", "a dense layer's input is taken to be shifted by t always (a conv always comes first)",
            reference_edited("fold_conv_thresholds", 'layer["bias"] + shift * layer["weights"].sum(axis=1)',
                             'layer["bias"] + t * layer["weights"].sum(axis=1)'), because=DENSE_INPUT_ALWAYS_SHIFTED),
    mistake("conv-refuses-after-two-pools", "conv-folding", "refuses every padded conv but layer 0 and the conv right after ONE leading pool",
            reference_edited("fold_conv_thresholds", 'new["pad_value"] = layer.get("pad_value", 0.0) - shift',
                             'if i > 0 and not (i == 1 and layers[0]["kind"] in ("maxpool", "avgpool")) and t != 0:\n'
                             '                    raise ValueError("zero padding after an activation cannot be folded")\n'
                             '                new["pad_value"] = layer.get("pad_value", 0.0) - shift'),
            because=REFUSES_UNSHIFTED_PADDING),
    variant("sigmoid-tanh", "sigmoid via tanh, a stable identity", """
def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))
"""),
    variant("sigmoid-logaddexp", "sigmoid as exp(-log(1 + e^-x)), with np.logaddexp", """
def sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))
"""),
    variant("sigmoid-where-errstate", "np.where of both formulas, their overflow and inf / inf silenced inside with np.errstate", """
def sigmoid(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
"""),
    variant("exp-keeps-its-input", "Exp remembers its input and recomputes e^x in backward (only Sigmoid must cache its output)", """
class Exp(Node):
    def forward(self, x):
        self.x = x
        return np.exp(x)

    def backward(self, grad_y):
        return grad_y * np.exp(self.x)
"""),
    variant("sigmoid-masked-loops", "piecewise sigmoid with boolean masks, s - s**2", """
def sigmoid(x):
    x = np.asarray(x)
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1 / (1 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1 + e)
    return out


def sigmoid_grad(s):
    return s - s**2
"""),
    variant("fold-with-loops", "fold_biases with explicit loops over rows", """
def fold_biases(weights, biases, t):
    per_layer = list(t) if isinstance(t, list) else [t] * (len(weights) - 1)
    folded = []
    for layer in range(len(weights)):
        W, b = weights[layer], biases[layer]
        new_b = np.zeros_like(b)
        for i in range(len(b)):
            shift = 0.0
            if layer > 0:
                before = np.broadcast_to(per_layer[layer - 1], (W.shape[1],))
                for j in range(W.shape[1]):
                    shift += before[j] * W[i, j]
            if layer < len(weights) - 1:
                shift -= np.broadcast_to(per_layer[layer], (len(b),))[i]
            new_b[i] = b[i] + shift
        folded.append(new_b)
    return folded
"""),
    variant("fold-checks-list-only", "tells a per-layer list from one t by isinstance(t, list) (t is never a tuple)",
            reference_edited("fold_biases", "isinstance(t, (list, tuple))", "isinstance(t, list)")),
    variant("graph-recursive-chain", "Chain backward by recursion, threshold via np.where", """
class Chain(Node):
    def __init__(self, nodes):
        self.nodes = list(nodes)

    def forward(self, x):
        return self._forward(x, 0)

    def _forward(self, x, i):
        return x if i == len(self.nodes) else self._forward(self.nodes[i].forward(x), i + 1)

    def backward(self, grad_y):
        for i in range(len(self.nodes) - 1, -1, -1):
            grad_y = self.nodes[i].backward(grad_y)
        return grad_y


def threshold(z, t):
    return np.where(z > t, z, np.asarray(t, dtype=z.dtype))
"""),
    variant("threshold-via-relu", "threshold as t + relu(z - t), the identity the part is about, in z's dtype "
            "(it rounds twice, within the contract's 2 eps)", """
def threshold(z, t):
    t = np.asarray(t, dtype=z.dtype)
    return t + relu(z - t)
"""),
    variant("threshold-where-cast", "threshold by np.where in the promoted dtype, cast back to z's", """
def threshold(z, t):
    return np.where(z > t, z, t).astype(z.dtype)
"""),
    variant("chain-by-reduce", "Chain forward and backward with functools.reduce", """
class Chain(Node):
    def __init__(self, nodes):
        self.nodes = list(nodes)

    def forward(self, x):
        import functools
        return functools.reduce(lambda value, node: node.forward(value), self.nodes, x)

    def backward(self, grad_y):
        import functools
        return functools.reduce(lambda grad, node: node.backward(grad), self.nodes[::-1], grad_y)
"""),
    variant("conv-refuses-later-padding", "refuses a padded conv after an activation, with a ValueError about padding",
            reference_edited("fold_conv_thresholds", 'new["pad_value"] = layer.get("pad_value", 0.0) - shift',
                             'if shift != 0:\n                    raise ValueError(f"layer {i}: zero padding of a shifted input '
                             'cannot be folded into a bias")')),
    variant("conv-folds-with-einsum", "kernel sums by einsum, the layers copied with copy.deepcopy and changed in place", """
def fold_conv_thresholds(layers, t):
    import copy

    folded = copy.deepcopy(layers)
    weighted = [i for i, layer in enumerate(folded) if layer["kind"] in ("conv", "dense")]
    shift = 0.0
    for i, layer in enumerate(folded):
        if layer["kind"] == "conv":
            layer["bias"] = layer["bias"] + np.einsum("fcij->f", layer["kernels"]) * shift
            if layer["padding"]:
                layer["pad_value"] = layer.get("pad_value", 0.0) - shift
        if layer["kind"] == "dense":
            layer["bias"] = layer["bias"] + layer["weights"] @ np.full(layer["weights"].shape[1], shift)
        if i in weighted[:-1]:
            layer["bias"] = layer["bias"] - t
            shift = t
        elif i in weighted:
            shift = 0.0
    return folded
"""),
    variant("conv-dict-unpacking", "new dicts by {**layer, ...}, sharing the given kernels and weights; sums over a reshape", """
def fold_conv_thresholds(layers, t):
    last = max(i for i, layer in enumerate(layers) if layer["kind"] in ("conv", "dense"))
    folded, shift = [], 0.0
    for i, layer in enumerate(layers):
        changes = {}
        if layer["kind"] in ("conv", "dense"):
            array = layer["kernels"] if layer["kind"] == "conv" else layer["weights"]
            changes["bias"] = layer["bias"] + shift * array.reshape(len(array), -1).sum(axis=1)
            if layer["kind"] == "conv" and layer["padding"]:
                changes["pad_value"] = layer.get("pad_value", 0.0) - shift
            shift = t if i < last else 0.0
            changes["bias"] = changes["bias"] - shift
        folded.append({**layer, **changes})
    return folded
"""),
    variant("graph-chain-subclass", "sigmoid_graph returns a subclass of Chain that only adds a __repr__: it is a Chain "
            "(defined inside sigmoid_graph: an entry replaces only the reference's own definitions)", """
def sigmoid_graph():
    class SigmoidGraph(Chain):
        def __repr__(self):
            return "SigmoidGraph(" + " -> ".join(type(n).__name__ for n in self.nodes) + ")"

    return SigmoidGraph([Negate(), Exp(), AddConstant(1.0), Reciprocal()])
"""),
    variant("conv-refuses-with-subclass", "refuses a padded conv of a shifted input with PaddingError, a subclass of ValueError", """
def fold_conv_thresholds(layers, t):
    class PaddingError(ValueError):
        pass  # a padded conv after an activation: the zero padding is not shifted

    last = max(i for i, layer in enumerate(layers) if layer["kind"] in ("conv", "dense"))
    folded, shift = [], 0.0
    for i, layer in enumerate(layers):
        new = dict(layer)
        if layer["kind"] == "conv":
            if layer["padding"] > 0 and shift != 0:
                raise PaddingError(f"layer {i}: zero padding of a shifted input cannot be folded")
            new["bias"] = layer["bias"] + shift * layer["kernels"].sum(axis=(1, 2, 3))
        elif layer["kind"] == "dense":
            new["bias"] = layer["bias"] + shift * layer["weights"].sum(axis=1)
        if layer["kind"] in ("conv", "dense"):
            shift = t if i < last else 0.0
            new["bias"] = new["bias"] - shift
        folded.append(new)
    return folded
"""),
]

# Mistakes the grader cannot tell from others of a different misconception on the examples
# its properties try, each with the reason; the audit prints them, and fails one that
# gets diagnosed after all.
UNDIAGNOSABLE = {
    "graph-adds-minus-one": "its one failing example is x = 0, where 1 / (e^0 - 1) is inf, as other wrong graphs "
                            "give there (a Chain that feeds every node x gives 1/0); an inf tells no formula from another",
}
