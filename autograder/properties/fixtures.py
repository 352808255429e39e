"""The grader's own objects, placed among the student's: a cell run in the submission's
namespace after its own cells (in the sandboxed worker, or in the notebook's kernel).

Every node of the assignment is elementwise, so a product of their local derivatives
commutes and a Chain whose backward visits its nodes in forward order still gets every
gradient right. A node whose Jacobian is no diagonal, placed in the chain, tells the two
orders apart: reversing the last axis is one, and changes no value's size.
"""
FLIP = "_grader_Flip"
FIXTURE_CELL = {"label": "the grader's fixtures", "source": f'''
class {FLIP}(Node):
    """The grader's node: y = x with its last axis reversed; backward reverses grad_y."""

    def forward(self, x):
        return x[..., ::-1].copy()

    def backward(self, grad_y):
        return grad_y[..., ::-1].copy()
'''}


def with_fixtures(cells):
    """A submission's code cells, then the grader's fixtures."""
    return [*cells, FIXTURE_CELL]
