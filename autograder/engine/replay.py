"""The courses hypothesis runs take, recorded once and replayed for the next submission.

With a fixed seed, no example database and no time limits, what hypothesis tries next
depends on nothing but how each example so far turned out: passed, rejected by an
`assume`, or failed, and where (hypothesis' own `InterestingOrigin`: the exception's
type and the line that raised it). So the examples one submission's run went through,
with their outcomes, are also the run of any other submission whose examples turn out
the same way, step by step, down to the smallest failing input and its report.

The grader keeps, per property, a tree of the runs it has made: each node an example,
each branch an outcome. The reference solution's run is the first path (a passing run:
what most submissions take). A submission walks the tree, running its own code on each
node's example; if it ends a recorded run, the verdict is that run's, with the
submission's own failure message; if it takes an outcome nobody took, hypothesis runs
from the start, and the run is added. That run is told what the submission did on the
examples it walked (`answering`): hypothesis draws them again (checked, by digest) and
gets the same outcomes, the very exceptions, without asking the submission twice, so
code that keeps state between calls sees the calls of a plain run, no more. Verdicts
and messages do not change (tested); what hypothesis costs beyond running the examples
(drawing them, and shrinking) is paid once per way of failing, not once per student.
One thing in hypothesis is timed: it stops shrinking after MAX_SHRINKING_SECONDS. A run
it cut so depends on the machine, not only on the outcomes, and is never recorded.
The tree stops growing at MAX_STEPS examples. A run is plain data (examples, outcomes
as text, the ending), so the grader processes of a class run share theirs
(shared_runs.py): a way of failing is run once per class. Runs can also be offered for
a property (`offer_runs`, the catalogued mistakes' of mistake_runs.py): they join its
tree when a submission first leaves its recorded runs, and the walk goes on through
them, asking the submission nothing again.
"""
import contextlib
import copy
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..properties.lazy_hypothesis import assume, is_rejection
from ..reference import reference_submission
from ..sandbox import wire
from .seeding import under_hypothesis

# hypothesis leaves this module's frames out of the tracebacks it keeps of a failure (it
# shows one when a failure does not happen again): the wrappers below then do not show,
# so a replayed, recorded or plain run writes the same report.
__hypothesistracebackhide__ = True

MAX_STEPS = 20_000  # examples kept in all the trees of a process: about 2 KB each
PASSED, REJECTED = "passed", "rejected"
PACKAGE_FOLDER = Path(__file__).parents[1]  # as the package's code objects name their files: not resolved


@dataclass
class Step:
    """One example of a recorded run, and what came after it, per outcome."""
    inputs: object  # dict, or Packed until the walk first reaches it
    digest: str
    after: dict = field(default_factory=dict)  # outcome -> Step, or Ending


@dataclass(frozen=True)
class Packed:
    """An example's inputs as the wire writes them (digest_of hashes these very bytes),
    decoded when a submission first reaches it: a grader decodes only the examples it walks."""
    message: bytes

    def unpacked(self, digest):
        """The inputs; NotExact unless they decode to `digest` (the bytes were checked
        against it when read, so only a wire that decodes otherwise than it encodes could)."""
        try:
            [(header, arrays)] = wire.unpack_all(self.message, wire.FROM_GRADER)
            inputs = wire.decode_data(header, arrays)
        except (ValueError, TypeError, LookupError, wire.WireError):
            inputs = None
        if not isinstance(inputs, dict) or digest_of(inputs) != digest:
            raise NotExact("a recorded example does not decode to the one recorded: replay would not be exact")
        return inputs


@dataclass(frozen=True)
class Ending:
    """The run ended after this outcome: passed, or failed with these notes added by
    hypothesis to the report (the smallest failing input)."""
    passed: bool
    notes: tuple = ()


@dataclass(frozen=True)
class Replayed:
    """A recorded run the submission followed to its end."""
    passed: bool
    error: Exception = None  # the submission's failure on the run's last example
    notes: tuple = ()  # hypothesis' notes for that failure


@dataclass(frozen=True)
class Answer:
    """What the submission did on one example it walked: passed (no error), or raised."""
    digest: str
    outcome: str
    error: Exception = None


@dataclass(frozen=True)
class Diverged:
    """The submission left the recorded runs: its answers on the examples it walked, the
    last one an outcome no recorded run took there. hypothesis continues (`answering`)."""
    answers: tuple = ()


class NotExact(BaseException):
    """hypothesis drew other examples than a recorded run's under the same seed. A
    BaseException, so that hypothesis stops instead of taking it for the student's failure.
    The grader then grades the submission again without replay (stop_replaying)."""


@dataclass(frozen=True)
class Run:
    """One finished hypothesis run of a property: its examples in order, each with its
    digest and outcome, and how the run ended after the last one."""
    key: tuple  # (part, name, secret, max_examples)
    examples: tuple  # ((inputs, digest, outcome), ...)
    ending: Ending


@dataclass
class Trees:
    """Every run this process recorded: a tree per property, and their size in examples."""
    roots: dict = field(default_factory=dict)  # (part, name, secret, max_examples) -> Step
    steps: int = 0
    outbox: list = None  # while sharing: the Runs recorded here that no one has taken yet
    trusted: bool = True  # False after a NotExact: this process grades by plain hypothesis
    offered: dict = field(default_factory=dict)  # key -> a function giving more Runs of it (offer_runs); None once taken


_TREES = Trees()


@contextlib.contextmanager
def fresh_trees():
    """Within the block this process has recorded no run yet, as a new grader process; the
    runs it had are back after it. For tests, and for building the reference's cache file."""
    global _TREES
    kept, _TREES = _TREES, Trees()
    try:
        yield
    finally:
        _TREES = kept


def replaying():
    """Whether this process grades by following its recorded runs (until a NotExact)."""
    return _TREES.trusted


def stop_replaying():
    """After a NotExact: the runs this process holds (read from a cache file, adopted from
    another grader, or drawn under other hypothesis state) are not what its hypothesis
    draws, so they are dropped, and it grades by plain hypothesis from now on: the same
    verdicts and messages (replay's guarantee), only slower."""
    global _TREES
    _TREES = Trees(outbox=None if _TREES.outbox is None else [], trusted=False)


def recorded_steps():
    """How many examples the runs this process recorded hold in all (see MAX_STEPS)."""
    return _TREES.steps


def outcome_of(error):
    """REJECTED for a failed assume(), else the failure's origin as hypothesis tells them
    apart (exception type and place), written out: outcomes are compared, never used.
    The package's files are named from the folder that holds it, so runs recorded where
    a course was released are walked where it is graded (Gradescope, a CI checkout)."""
    if is_rejection(error):
        return REJECTED
    from hypothesis.internal.escalation import InterestingOrigin  # a failure: hypothesis will run
    return repr(_movable(InterestingOrigin.from_exception(error)))


def _movable(origin):
    """`origin` with each of its files in the package (its context's and its group's
    included) named as "autograder/...", the others as they were (absolute paths, or
    "<string>" and the like): one-to-one."""
    filename = origin.filename
    if filename is not None and Path(filename).is_relative_to(PACKAGE_FOLDER):
        filename = Path(filename).relative_to(PACKAGE_FOLDER.parent).as_posix()
    return replace(origin, filename=filename, context=origin.context and _movable(origin.context),
                   group_elems=tuple(map(_movable, origin.group_elems)))


def is_failure(outcome):
    return outcome not in (PASSED, REJECTED)


def run_example(prop, student, inputs):
    """(outcome, error) of `prop` on a copy of `inputs`; (PASSED, None) if it holds."""
    try:
        prop.test(student, **copy.deepcopy(inputs))
    except Exception as error:
        return outcome_of(error), error
    return PASSED, None


def replay(prop, student, secret, max_examples, stop_at_failure=False):
    """Follow the recorded runs of `prop` with `student`: a Replayed if a recorded run
    ends, else a Diverged (hypothesis must continue). stop_at_failure: a Replayed at the
    first failed example (the verdict only). WorkerLost passes through, as from hypothesis."""
    node = _root(prop, secret, max_examples)
    answers = []
    while True:
        outcome, error = run_example(prop, student, _inputs(node))
        if stop_at_failure and is_failure(outcome):
            return Replayed(False, error)
        answers.append(Answer(node.digest, outcome, error))
        after = node.after.get(outcome)
        if after is None and _take_offered(_key(prop, secret, max_examples)):
            after = node.after.get(outcome)
        if after is None:
            return Diverged(tuple(answers))
        if isinstance(after, Ending):
            return Replayed(after.passed, error, after.notes)
        node = after


def checking(prop, student):
    """`test(**inputs)`: `prop` checked against `student` on those inputs."""
    def test(**inputs):
        prop.test(student, **inputs)
    return test


def answering(answers, test):
    """(answered, check) for a hypothesis run that continues a walk (see Diverged).

    `answered(**inputs)` answers hypothesis' first len(answers) calls as the submission
    did (returning, or raising the very exception again), and calls `test` only after
    them; check(), after a run hypothesis did not cut short, that it drew them all. Both
    raise NotExact if hypothesis drew otherwise than the walked run: with a fixed seed
    and nothing timed it cannot, and a submission must never be asked an example twice."""
    remaining = iter(answers)

    def answered(**inputs):
        answer = next(remaining, None)
        if answer is None:
            return test(**inputs)
        if digest_of(inputs) != answer.digest:
            raise NotExact("hypothesis drew another example than the recorded run: replay would not be exact")
        if answer.outcome == REJECTED:
            assume(False)  # hypothesis' own rejection, whichever the walk met
        if answer.error is not None:
            raise answer.error

    def check():
        if next(remaining, None) is not None:
            raise NotExact("hypothesis ended its run before the examples the submission walked: replay would not be exact")

    return answered, check


def recording(test):
    """(recorded, steps): `recorded(**inputs)` runs `test` and appends to `steps` the
    inputs, the outcome and the notes the error carried when raised (hypothesis adds its
    own later)."""
    steps = []

    def recorded(**inputs):
        kept = copy.deepcopy(inputs)
        try:
            test(**inputs)
        except Exception as error:
            steps.append((kept, outcome_of(error), tuple(getattr(error, "__notes__", ()))))
            raise
        steps.append((kept, PASSED, ()))

    return recorded, steps


def record(prop, secret, max_examples, steps, failure=None, bounded=True):
    """Add a finished hypothesis run: its steps, and the exception it raised if it failed;
    the Run added, or None. bounded: not past MAX_STEPS (the reference's runs, which start
    every tree, always are)."""
    if not steps:
        return None
    ending = Ending(passed=True)
    if failure is not None:
        last_outcome, notes_when_raised = steps[-1][1:]
        if last_outcome != outcome_of(failure):  # e.g. a flaky failure: keep no record
            return None
        ending = Ending(False, tuple(getattr(failure, "__notes__", ()))[len(notes_when_raised):])
    run = Run(_key(prop, secret, max_examples), tuple((inputs, digest_of(inputs), outcome) for inputs, outcome, _ in steps), ending)
    return run if add_recorded(run, bounded) else None


def add_recorded(run, bounded=True):
    """Add a Run as one recorded here (add_run), kept for take_recorded while sharing."""
    if not add_run(run, bounded):
        return False
    if _TREES.outbox is not None:
        _TREES.outbox.append(run)
    return True


def _inputs(node):
    if isinstance(node.inputs, Packed):
        node.inputs = node.inputs.unpacked(node.digest)
    return node.inputs


def offer_runs(key, runs):
    """Offer `runs()` (a function giving Runs of the property `key`, (part, name, secret,
    max_examples)) to its tree, taken when a submission first leaves the runs it has; a
    property is offered runs once per process (the first offer stands)."""
    _TREES.offered.setdefault(key, runs)


def decline_offers(keys):
    """From now on no runs offered for `keys` are taken: a process recording runs of its own."""
    for key in keys:
        _TREES.offered[key] = None


def _take_offered(key):
    """Add the Runs offered for `key`, once, in turn, each only if it agrees with the tree
    as it then is (_fits); whether any was added."""
    runs = _TREES.offered.get(key)
    if runs is None:
        return False
    _TREES.offered[key] = None
    return sum(_fits(run) and add_run(run) for run in runs()) > 0


def _fits(run):
    """Whether `run` agrees with its property's tree as far as the two go together: the
    same examples, and the same ending if the tree has one there."""
    node = _TREES.roots.get(run.key)
    for _, digest, outcome in run.examples:
        if node is None:
            return True
        if not isinstance(node, Step) or node.digest != digest:
            return False
        node = node.after.get(outcome)
    return node is None or node == run.ending


def add_run(run, bounded=True):
    """Add a Run to its property's tree; False if that would pass MAX_STEPS (bounded), or
    if this process no longer replays (stop_replaying)."""
    if not _TREES.trusted or bounded and _TREES.steps + len(run.examples) > MAX_STEPS:
        return False
    if run.key not in _TREES.roots:
        _TREES.roots[run.key] = _new_step(*run.examples[0][:2])
    node = _TREES.roots[run.key]
    for index, (_, digest, outcome) in enumerate(run.examples):
        if node.digest != digest:
            raise RuntimeError(f"hypothesis drew differently for {run.key[1]} on the same course: replay would not be exact")
        if index == len(run.examples) - 1:
            node.after[outcome] = run.ending
        else:
            if outcome not in node.after:
                node.after[outcome] = _new_step(*run.examples[index + 1][:2])
            node = node.after[outcome]
    return True


def start_sharing():
    """From now on keep every run recorded here for `take_recorded`."""
    _TREES.outbox = []


def take_recorded():
    """The runs recorded here since the last call (see start_sharing)."""
    runs, _TREES.outbox = _TREES.outbox, []
    return runs


def _new_step(inputs, digest):
    _TREES.steps += 1
    return Step(inputs, digest)


def _key(prop, secret, max_examples):
    return prop.part, prop.name, secret, max_examples


def has_runs(prop, secret, max_examples):
    """Whether this process has recorded a run of `prop` (its tree has begun)."""
    return _key(prop, secret, max_examples) in _TREES.roots


def _root(prop, secret, max_examples):
    if not has_runs(prop, secret, max_examples):
        record_reference(prop, secret, max_examples)
    return _TREES.roots[_key(prop, secret, max_examples)]


def record_reference(prop, secret, max_examples):
    """The first path of a property's tree: the reference solution's (passing) run, recorded
    and added; returns the Run."""
    test, steps = recording(checking(prop, reference_submission()))
    under_hypothesis(prop, test, secret, max_examples)()  # it passes: nothing to shrink, nothing cut
    return record(prop, secret, max_examples, steps, bounded=False)


def digest_of(inputs, length=16):
    """A digest of an example's inputs, to check that runs draw the same on the same course:
    of their values as the wire writes them (the student's code receives them so anyway),
    not of which objects they are, so a run that came over the wire has the same. `length`
    hex digits of its SHA-256 (64, all of it, to key answers by it)."""
    return hashlib.sha256(packed_inputs(inputs)).hexdigest()[:length]


def packed_inputs(inputs):
    """An example's inputs as the wire writes them (TypeError if it cannot): what digest_of hashes."""
    arrays = []
    return wire.pack(wire.encode_data(inputs, arrays), arrays)
