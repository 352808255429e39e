"""The sigmoid graph figure draws from a Chain, with values or with question marks."""
import sys

import matplotlib

matplotlib.use("Agg")

from autograder.config import COURSE_ROOT  # noqa: E402
from autograder.reference import solved_module  # noqa: E402

sys.path.insert(0, str(COURSE_ROOT / "solutions" / "convnets"))
from graph_figure import draw_chain, edge_values  # noqa: E402


def reference_namespace():
    namespace = {}
    exec(solved_module(), namespace)
    return namespace


def test_edges_carry_forward_values_and_gradients():
    chain = reference_namespace()["sigmoid_graph"]()
    values, grads = edge_values(chain.nodes, 0.5, 1.0)
    s = values[-1]
    assert abs(s - 1 / (1 + 2.718281828459045 ** -0.5)) < 1e-12
    assert abs(grads[0] - s * (1 - s)) < 1e-12 and grads[-1] == 1.0


def test_figure_renders_for_the_reference_and_for_the_stubs(tmp_path):
    namespace = reference_namespace()
    ax = draw_chain(namespace["sigmoid_graph"]())
    texts = [t.get_text() for t in ax.texts]
    assert "0.6225" in texts and "?" not in texts
    ax.figure.savefig(tmp_path / "graph.png")
    assert (tmp_path / "graph.png").stat().st_size > 5000

    class Stub(namespace["Node"]):
        pass

    blank = namespace["Chain"]([Stub(), Stub()])
    assert "?" in [t.get_text() for t in draw_chain(blank).texts]
