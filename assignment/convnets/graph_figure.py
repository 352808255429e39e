"""Draws a Chain of nodes as a computational graph, with matplotlib only.

Each edge is labelled with its forward value (above, black) and the gradient that flows
back along it (below, red). The chain must keep its nodes in `chain.nodes`.
"""
import matplotlib.pyplot as plt
import numpy as np

NODE_LABELS = {"Negate": "negate\n-x", "Exp": "exp\ne^x", "Reciprocal": "reciprocal\n1/x"}


def node_label(node):
    name = type(node).__name__
    if name == "AddConstant":
        return f"add\nx + {getattr(node, 'c', 'c'):g}"
    return NODE_LABELS.get(name, name)


def edge_values(nodes, x, grad_y):
    """Forward values into and out of each node, and the gradients on the same edges;
    None where a node is not implemented yet."""
    try:
        values = [np.asarray(x, dtype=float)]
        for node in nodes:
            values.append(node.forward(values[-1]))
        grads = [np.asarray(grad_y, dtype=float)]
        for node in reversed(nodes):
            grads.append(node.backward(grads[-1]))
        return values, grads[::-1]
    except NotImplementedError:
        return [None] * (len(nodes) + 1), [None] * (len(nodes) + 1)


def draw_chain(chain, x=0.5, grad_y=1.0, ax=None):
    """Draw `chain` evaluated at x with upstream gradient grad_y; returns the axes."""
    nodes = list(chain.nodes)
    values, grads = edge_values(nodes, x, grad_y)
    if ax is None:
        _, ax = plt.subplots(figsize=(2.2 * (len(nodes) + 1), 2.4))
    ax.set_xlim(-0.6, len(nodes) + 0.6)
    ax.set_ylim(-1, 1)
    ax.axis("off")
    ax.text(-0.5, 0, "x", ha="center", va="center", fontsize=13)
    ax.text(len(nodes) + 0.5, 0, "output", ha="center", va="center", fontsize=11)
    for i, node in enumerate(nodes):
        ax.text(i + 0.5, 0, node_label(node), ha="center", va="center", fontsize=10,
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "#e8eef7", "edgecolor": "#34568b"})
    for i in range(len(nodes) + 1):
        start, end = i - 0.3, i + 0.2
        ax.annotate("", xy=(end, 0), xytext=(start, 0), arrowprops={"arrowstyle": "->", "lw": 1.4})
        ax.text(i - 0.05, 0.28, _number(values[i]), ha="center", fontsize=9)
        ax.text(i - 0.05, -0.38, _number(grads[i]), ha="center", fontsize=9, color="#b22222")
    ax.set_title("forward values (black) and gradients (red) on each edge", fontsize=10)
    return ax


def _number(value):
    return "?" if value is None else f"{float(np.asarray(value).ravel()[0]):.4g}"
