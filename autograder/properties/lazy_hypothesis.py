"""hypothesis for the suites, imported only once a property runs under it.

A submission that follows the reference's recorded runs (engine/replay.py) is graded
without hypothesis running, and importing it (with strategies.py, which builds its
strategies at import) would cost about a quarter of a second of such a grade. So the
suites take from here:

- `st` and `strategies` (hypothesis.strategies, and ours in strategies.py): what they
  name, and calls of it, are `Lazy`: nothing is imported or built until hypothesis needs
  the strategy (`built`, engine/seeding.py), which is then made by the very same calls
  as if made at once, so it draws the same examples. A function given to `.map`,
  `.flatmap` or `.filter` belongs in strategies.py, never in a suite: it runs while
  hypothesis draws, where a suite's names are still Lazy, and hypothesis labels a
  strategy by the code of such functions, and the labels steer what it draws;
- `assume(condition)`: hypothesis' own in a hypothesis run; outside one (a replayed
  example) a false condition raises `Rejected`, which the engine counts as hypothesis'
  rejection (`is_rejection`) and turns back into it when it tells a hypothesis run of it.
"""
import importlib
import sys

_NOT_YET = object()


class Lazy:
    """One of hypothesis' values (a module, a strategy, a function making them), made when needed."""

    def __init__(self, make):
        self._make, self._value = make, _NOT_YET

    def built(self):
        if self._value is _NOT_YET:
            self._value = self._make()
        return self._value

    def __call__(self, *args, **kwargs):
        return Lazy(lambda: self.built()(*map(built, args), **{name: built(value) for name, value in kwargs.items()}))

    def __getattr__(self, name):  # a module's names, a strategy's .map, .flatmap, ...
        if name.startswith("__"):  # copying, pickling and the like see a plain object
            raise AttributeError(name)
        return Lazy(lambda: getattr(self.built(), name))


def built(value):
    """`value` made, if it is a Lazy."""
    return value.built() if isinstance(value, Lazy) else value


# Modules whose names are Lazy: a module is imported when one of its names is first built.
st = Lazy(lambda: importlib.import_module("hypothesis.strategies"))
strategies = Lazy(lambda: importlib.import_module("autograder.properties.strategies"))


class Rejected(Exception):
    """A false `assume` outside a hypothesis run."""


def assume(condition):
    """hypothesis' assume in a hypothesis run; outside one, Rejected if `condition` is false."""
    control = sys.modules.get("hypothesis.control")
    if control is not None and control.currently_in_test_context():
        return control.assume(condition)
    if not condition:
        raise Rejected("the example was rejected by an assume()")
    return True


def is_rejection(error):
    """Whether `error` is a false assume's: Rejected, or hypothesis' UnsatisfiedAssumption."""
    errors = sys.modules.get("hypothesis.errors")
    return isinstance(error, Rejected) or (errors is not None and isinstance(error, errors.UnsatisfiedAssumption))
