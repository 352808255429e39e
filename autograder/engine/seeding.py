"""How a property runs under hypothesis: seeded, with fixed settings, the same everywhere.

Both the grading runs (runner.py) and the reference's run that starts each property's
recorded runs (replay.py) go through `under_hypothesis`, so they can never draw
differently; and since nothing here depends on time, what hypothesis tries next depends
only on how the examples so far turned out, which is what makes replaying exact.
"""
import functools
import hashlib

from ..properties.lazy_hypothesis import built


def property_seed(secret, prop):
    """The same secret and property give the same examples on every run and machine."""
    digest = hashlib.sha256(f"{secret}/{prop.part}/{prop.name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def hypothesis_settings(max_examples):
    # No example database (nothing leaks between runs or students), no deadline and no
    # health checks (both depend on timing), no explain phase (extra runs, same verdict).
    # Normal verbosity: quiet would drop the failing example from the error's notes.
    from hypothesis import HealthCheck, Phase, Verbosity, settings
    return settings(
        max_examples=max_examples, database=None, deadline=None, derandomize=False,
        suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
        phases=[Phase.explicit, Phase.generate, Phase.shrink], print_blob=False,
        verbosity=Verbosity.normal,
    )


def under_hypothesis(prop, test, secret, max_examples):
    """`test(**inputs)` as a hypothesis test of `prop`: its strategies, seed and settings.
    hypothesis is imported here, when first needed (properties/lazy_hypothesis.py)."""
    from hypothesis import given, seed
    no_local_constants()
    test.__name__ = prop.test.__name__
    strategies = {name: built(strategy) for name, strategy in prop.strategies.items()}
    return seed(property_seed(secret, prop))(hypothesis_settings(max_examples)(given(**strategies)(test)))


@functools.cache
def no_local_constants():
    """hypothesis also draws literals found in the source of every "local" module the
    process has imported. Which modules those are differs between the grade command,
    nbgrader and a Jupyter kernel, and so would the examples; grading must draw the same
    examples everywhere, so the grader offers none (and hypothesis writes no cache of
    them): done once, before the grader's first run. A hypothesis run before it (a test's,
    a notebook's) has left what it offered in CONSTANTS_CACHE, per kind of draw: that is
    emptied too. Returns what hypothesis is offered. Pinned hypothesis;
    tests/test_grading.py checks these hooks are still there."""
    from hypothesis.internal.conjecture import providers
    offered = providers.Constants(integers=providers.SortedSet(), floats=providers.SortedSet(key=providers.float_to_int),
                                  bytes=providers.SortedSet(), strings=providers.SortedSet())
    providers._get_local_constants = lambda: offered
    providers.CONSTANTS_CACHE.cache.clear()
    return offered
