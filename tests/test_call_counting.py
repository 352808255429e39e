"""The worker's call counter: any named function of a loaded module, counted as
call_counter.py promises (and no more), with requests and replies checked strictly."""
import pytest

from autograder.sandbox.call_counter import SUBMISSION
from autograder.sandbox.client import SandboxedSubmission
from autograder.sandbox.executor import Executor
from autograder.sandbox.inprocess import InProcessSubmission
from autograder.sandbox.remote import StudentError, Submission, WorkerLost

# Student code makes its own module, so that replacing its functions changes nothing
# outside the worker.
STUDENT = """
import sys, types
helpers = types.ModuleType("helpers")
helpers.square = lambda x: x * x
helpers.double = lambda x: 2 * x
sys.modules["helpers"] = helpers
from helpers import square as sq
_original_square = [helpers.square]  # in a list: the counter replaces no list's items

def squares(x):
    return helpers.square(x) + sq(x)

def one_of_each(x):
    return helpers.square(helpers.double(x))

def fails(x):
    helpers.square(x)
    raise RuntimeError("after one call")

def originals_back():
    return helpers.square is _original_square[0] and sq is _original_square[0]
"""
SQUARE, DOUBLE = ("helpers", "square"), ("helpers", "double")


@pytest.fixture
def student(settings):
    with SandboxedSubmission(settings) as submission:
        submission.load([{"label": "helpers", "source": STUDENT}])
        yield submission


def test_calls_through_the_module_and_an_imported_name_are_counted_per_function(student):
    assert student.call("squares", 3, count_calls=[SQUARE, DOUBLE]).call_counts == (2, 0)
    assert student.call("one_of_each", 3, count_calls=[DOUBLE, SQUARE]).call_counts == (1, 1)
    assert student.call("squares", 3).call_counts is None


def test_the_originals_are_back_after_the_call_even_one_that_raises(student):
    student.call("squares", 3, count_calls=[SQUARE])
    with pytest.raises(StudentError, match="after one call"):
        student.call("fails", 3, count_calls=[SQUARE])
    assert student.call("originals_back").value is True


REPLACED = STUDENT + """
_saved_square = helpers.square

def wrapped_square(x):
    return _saved_square(x)

helpers.square = wrapped_square

def through_the_module(x):
    return helpers.square(x)

def around_the_counter(x):
    return _saved_square(x)
"""


def test_a_replaced_function_is_counted_as_what_the_module_holds_not_a_saved_reference(student):
    """What call_counter.py says a count is worth: calls through the module's attribute,
    whatever the student put there, count; calls through a reference kept elsewhere do not."""
    student.load([{"label": "replaced", "source": REPLACED}])
    assert student.call("through_the_module", 3, count_calls=[SQUARE]).call_counts == (1,)
    assert student.call("around_the_counter", 3, count_calls=[SQUARE]).call_counts == (0,)


OWN_FUNCTION = """
def helper(x):
    return x + 1

also_helper = helper
not_a_function = 3

def through_both_names(x):
    return helper(x) + also_helper(x)

def helper_back():
    return helper is also_helper and helper.__name__ == "helper"
"""


def test_a_function_of_the_submission_is_counted_through_its_top_level_names(student):
    student.load([{"label": "own", "source": OWN_FUNCTION}])
    assert student.call("through_both_names", 1, count_calls=[(SUBMISSION, "helper")]).call_counts == (2,)
    assert student.call("helper_back").value is True


def test_a_submission_name_not_bound_to_a_function_has_no_calls_to_count(student):
    student.load([{"label": "own", "source": OWN_FUNCTION}])
    counted = [(SUBMISSION, "not_a_function"), (SUBMISSION, "never_defined"), (SUBMISSION, "helper")]
    assert student.call("through_both_names", 1, count_calls=counted).call_counts == (0, 0, 2)


@pytest.mark.parametrize("count_calls", [
    [(SUBMISSION, "_private")],  # not a public name
    [(SUBMISSION, "a.b")],  # not a name
    [("<other>", "f")],  # only SUBMISSION may stand for a module that is not a dotted name
    [("builtins", "__import__")],  # not a public attribute
    [("os; import sys", "system")],  # not a module name
    [("numpy", "exp", "again")],  # not a pair
    [("numpy", "exp"), ("numpy", "exp")],  # named twice
    [("numpy", f"f{i}") for i in range(9)],  # too many
    "numpy.exp",
])
def test_a_malformed_count_request_is_refused_before_it_is_sent(count_calls):
    with pytest.raises(ValueError):
        InProcessSubmission({"f": lambda: None}).call("f", count_calls=count_calls)


@pytest.mark.parametrize("count_calls", [[["builtins", "__import__"]], [["math", "exp"]] * 2, {"numpy": "exp"}, [[1, 2]]])
def test_the_worker_refuses_a_malformed_count_request_without_calling(count_calls):
    called = []
    executor = Executor({"f": lambda: called.append(1)})
    reply, _ = executor.handle({"op": "call", "target": {"name": "f"}, "count_calls": count_calls}, [])
    assert reply["ok"] is False and reply["error"]["type"] == "ValueError" and not called


def test_a_module_that_is_not_loaded_or_lacks_the_function_is_an_error_of_the_call():
    submission = InProcessSubmission({"f": lambda: None})
    with pytest.raises(StudentError, match="not loaded"):
        submission.call("f", count_calls=[("no_such_module_loaded", "f")])
    with pytest.raises(StudentError, match="AttributeError"):
        submission.call("f", count_calls=[("math", "no_such_function")])


class Replying(Submission):
    """A worker that answers every call with `call_counts` (left out if MISSING)."""
    MISSING = object()

    def __init__(self, counts):
        self.counts = counts

    def _exchange(self, header, arrays):
        reply = {"ok": True, "value": None, "warnings": []}
        if self.counts is not self.MISSING:
            reply["call_counts"] = self.counts
        return reply, []


@pytest.mark.parametrize("counts", [Replying.MISSING, None, 0, "0", [0.0], [True], [-1], [0, 0], [], {"0": 0}])
def test_counts_that_are_not_one_count_per_function_are_a_malformed_reply(counts):
    with pytest.raises(WorkerLost, match="malformed reply"):
        Replying(counts).call("f", count_calls=[("numpy", "exp")])


def test_a_count_per_function_is_read_back_in_order():
    assert Replying([3, 0]).call("f", count_calls=[("numpy", "exp"), ("math", "exp")]).call_counts == (3, 0)
