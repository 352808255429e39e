"""The catalogued mistakes' recorded runs (replay.py), kept on disk for every grader.

A submission that fails the way a catalogued mistake fails (audit/catalogue.py: the
course's common wrong answers) would pay hypothesis' search and shrinking for its
smallest counterexample, several seconds for a convnet, in every process that meets that
failure first: on Gradescope or in CI, every such submission. `make release` grades
each mistake once, in a sandboxed worker as a student's file, and keeps the runs that
grading added to the reference's, in a file per grading beside the reference's
(reference_runs.py, whose name it shares but for its prefix). A grader offers a
property's runs to its tree (replay.offer_runs) and reads them from the file only when a
submission leaves the runs it has, and decodes an example only when a submission walks
it: a correct submission reads nothing. Whatever the file holds, a run is a run of this
grading (the name says which), so it can only spare hypothesis' work, never change a
verdict or a message. What is read is checked: the index and each property's section by
their SHA-256, each example's bytes by the digest its recorder computed, and a run joins
the tree only if it agrees with it; a property whose section fails a check is graded
without it.
"""
import hashlib
import json

from ..files import write_atomically
from . import replay
from .reference_runs import cache_file, start_reference_runs


def mistakes_file(settings):
    """The file that holds the catalogued mistakes' runs for this grading on this
    installation: the reference's file's (reference_runs.cache_file) but for its prefix."""
    reference = cache_file(settings)
    return reference.with_name(reference.name.replace("reference-runs-", "mistake-runs-", 1))


def drop_recorded_runs(settings):
    """Remove this grading's files of recorded runs, the reference's and the mistakes':
    after a NotExact (replay.py) they may hold runs drawn otherwise than a grader draws
    them. The next grader records the reference's again, `make release` the mistakes'."""
    for path in (cache_file(settings), mistakes_file(settings)):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


def offer_mistake_runs(props, settings):
    """Offer each of `props` the runs the mistakes file holds for it (replay.offer_runs),
    if there is a file for this grading."""
    path = mistakes_file(settings)
    if not path.is_file():
        return
    for prop in props:
        key = _key(prop, settings)
        replay.offer_runs(key, lambda key=key: read_section(path, key))


def record_mistake_runs(settings):
    """Grade each catalogued mistake of the graded parts, one grader process per usable CPU, and
    write the runs the gradings added to the reference's to this grading's mistakes file;
    its path."""
    from ..grader import graded_properties
    from ..parallel import usable_cpus

    path = mistakes_file(settings)
    runs = mistakes_runs(settings, jobs=usable_cpus())
    write_atomically(path, packed_file(runs, graded_properties(settings), settings))
    return path


def mistakes_runs(settings, entries=None, jobs=2):
    """The runs grading each catalogued mistake of the graded parts (or of `entries`)
    adds to the reference's, each mistake graded as a student's file in a sandboxed worker."""
    from ..audit.catalogue import CATALOGUE
    from ..grader import graded_parts
    from ..parallel import grader_pool

    entries = [e for e in (CATALOGUE if entries is None else entries) if e.is_mistake and e.part in graded_parts(settings)]
    with grader_pool(jobs, setup=_start_recording, setup_args=(settings,)) as pool:
        batches = list(pool.map(_runs_of_mistake, [e.override for e in entries], [settings] * len(entries)))
    return [run for batch in batches for run in batch]


def _start_recording(_index, settings):
    """A recording grader process begins with the reference's runs, which are no mistake's,
    and takes none from a mistakes file already there: what it records must be its own."""
    from ..grader import graded_properties

    props = graded_properties(settings)
    start_reference_runs(props, settings)
    replay.decline_offers([_key(prop, settings) for prop in props])
    replay.start_sharing()


def _runs_of_mistake(override, settings):
    """The runs grading the reference with `override` added to the ones this process had."""
    from ..audit.run import grade_override

    grade_override(override, settings)
    return replay.take_recorded()


def packed_file(runs, props, settings):
    """The file's bytes: the index's SHA-256, the index, then a section per property of
    `props`, each its runs (one JSON line) and their examples' wire messages. Stored
    without the secret, like the reference's runs; the same bytes whichever order `runs`
    come in, and each run once."""
    sections, body = {}, b""
    for prop in props:
        key = _key(prop, settings)
        section = _packed_section(sorted({_identity(run): run for run in runs if run.key == key}.items()))
        if section:
            sections[f"{prop.part}/{prop.name}"] = [len(body), len(section), _sha256(section)]
            body += section
    index = json.dumps(sections, sort_keys=True).encode()
    return _sha256(index).encode() + b"\n" + index + b"\n" + body


def _identity(run):
    return tuple((digest, outcome) for _, digest, outcome in run.examples), run.ending.passed, run.ending.notes


def _packed_section(identified_runs):
    """A property's runs: a JSON line of [[[length, digest, outcome], ...], passed, notes]
    per run, then every example's wire message, in order. A run whose examples the wire
    cannot carry stays behind (as in shared_runs.py)."""
    listed, messages = [], []
    for _, run in identified_runs:
        try:
            packed = [replay.packed_inputs(inputs) for inputs, _, _ in run.examples]
        except TypeError:
            continue
        listed.append([[[len(message), digest, outcome] for message, (_, digest, outcome) in zip(packed, run.examples)],
                       run.ending.passed, list(run.ending.notes)])
        messages += packed
    return json.dumps(listed).encode() + b"\n" + b"".join(messages) if listed else b""


def read_section(path, key):
    """The runs the file at `path` holds for the property `key`, as replay.Runs whose
    examples are decoded when walked (replay.Packed); none unless all of them check."""
    part, name, secret, max_examples = key
    try:
        with open(path, "rb") as file:
            checksum, index = file.readline().rstrip(b"\n"), file.readline()
            if _sha256(index.rstrip(b"\n")).encode() != checksum:
                return []
            start, length, sha256 = json.loads(index)[f"{part}/{name}"]
            file.seek(file.tell() + start)
            section = file.read(length)
        if _sha256(section) != sha256:
            return []
        return _unpacked_section(section, key)
    except (OSError, LookupError, TypeError, ValueError):
        return []


def _unpacked_section(section, key):
    listed, _, messages = section.partition(b"\n")
    runs, at = [], 0
    for examples, passed, notes in json.loads(listed):
        steps = []
        for length, digest, outcome in examples:
            message = messages[at:at + length]
            at += length
            if type(digest) is not str or type(outcome) is not str or _sha256(message)[:16] != digest:
                return []
            steps.append((replay.Packed(message), digest, outcome))
        if not steps:
            return []
        runs.append(replay.Run(key, tuple(steps), replay.Ending(passed is True, tuple(map(str, notes)))))
    return runs if at == len(messages) else []


def _key(prop, settings):
    return prop.part, prop.name, settings.course_secret, settings.max_examples


def _sha256(data):
    return hashlib.sha256(data).hexdigest()
