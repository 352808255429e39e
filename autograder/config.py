"""The course's facts and its grading settings.

The facts (the assignment's name, its parts, where the course's files are) are fixed by
the project. The course folder is found once, when this module is imported (see
`find_course_root`). The settings are read from its course_config.py, once, by
each entry point (the `python -m autograder` command, nbgrader's preprocessor, a hidden
test cell run in a kernel), and passed down from there.

The settings file is checked as a whole before anything uses it: a setting that is missing, of
the wrong type or out of range, a key that names no part, property or visibility, or a
name that is no setting (a misspelt one) is refused, each problem on a line of its own.
"""
import importlib.util
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from .console import COURSE_ROOT_VARIABLE

ASSIGNMENT = "convnets"  # nbgrader's assignment name, and the notebook's: convnets.ipynb
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
PART_NAMES = ("sigmoid-graph", "sigmoid-gradient", "bias-folding", "conv-folding")  # graded in this order

PACKAGE_PARENT = Path(__file__).resolve().parents[1]  # a clone's root; site-packages once installed


def find_course_root(environment=os.environ, working_folder=None):
    """The course folder: $CONVNETS_COURSE_ROOT if set (what `--course DIR` sets, see
    console.py), else the working folder if it holds course_config.py, else the folder
    this package is in (a clone of the course). Whether it holds a course_config.py is
    load_settings' to say."""
    if environment.get(COURSE_ROOT_VARIABLE):
        return Path(environment[COURSE_ROOT_VARIABLE]).resolve()
    working = Path(working_folder or os.getcwd()).resolve()
    return working if (working / "course_config.py").is_file() else PACKAGE_PARENT


COURSE_ROOT = find_course_root()  # once: every module reads the paths below at import
COURSE_CONFIG = COURSE_ROOT / "course_config.py"
TEXT_FORM = COURSE_ROOT / "solutions" / f"{ASSIGNMENT}_notebook.py"  # the notebook's source, edited by hand
MASTER_NOTEBOOK = COURSE_ROOT / "solutions" / ASSIGNMENT / NOTEBOOK  # nbgrader's source, made from TEXT_FORM
RELEASED_NOTEBOOK = COURSE_ROOT / "assignment" / ASSIGNMENT / NOTEBOOK  # what students get
SAMPLE_CLASS = COURSE_ROOT / "sample_class"
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")  # Gradescope's
# A COURSE_SECRET starting with this is the repository's own, which students can read.
DEFAULT_SECRET_PREFIX = "change-me"


class CourseConfigError(ValueError):
    """course_config.py cannot be used; each line of the message is one problem."""


@dataclass(frozen=True)
class GradingSettings:
    part_points: dict
    course_secret: str
    max_examples: int
    load_timeout: float
    call_timeout: float
    submission_timeout: float
    worker_memory_mb: int
    default_visibility: str = "visible"
    visibility: dict = field(default_factory=dict)
    # Shrink a failure to its smallest counterexample (students' feedback). The mutation
    # audit only needs "killed or not" and turns it off.
    find_smallest: bool = True

    def visibility_of(self, part, name):
        """Who may read a property's feedback: its own key, else its part's, else the default."""
        return self.visibility.get(f"{part}: {name}", self.visibility.get(part, self.default_visibility))

    @property
    def default_secret(self):
        """True if COURSE_SECRET is the repository's own: students could reproduce the examples."""
        return self.course_secret.startswith(DEFAULT_SECRET_PREFIX)


def load_settings(path=None):
    """course_config.py (default: COURSE_CONFIG) as settings; raises CourseConfigError
    naming every problem in it, or the error that stopped it from running."""
    path = Path(path or COURSE_CONFIG)
    module = _run(path)
    problems = [f"{path.name}: {problem}" for problem in setting_problems(vars(module))]
    if problems:
        raise CourseConfigError("\n".join(problems))
    return GradingSettings(
        part_points={part: float(points) for part, points in module.PART_POINTS.items()},
        course_secret=module.COURSE_SECRET,
        max_examples=module.MAX_EXAMPLES,
        load_timeout=float(module.LOAD_TIMEOUT_SECONDS),
        call_timeout=float(module.CALL_TIMEOUT_SECONDS),
        submission_timeout=float(module.SUBMISSION_TIMEOUT_SECONDS),
        worker_memory_mb=module.WORKER_MEMORY_MB,
        default_visibility=module.DEFAULT_VISIBILITY,
        visibility=dict(module.VISIBILITY),
    )


def _run(path):
    """Import course_config.py as a plain module; any error is a CourseConfigError."""
    spec = importlib.util.spec_from_file_location("course_config", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise CourseConfigError(f"{path.name}, line {error.lineno}: {error.msg}") from None
    except FileNotFoundError:
        raise CourseConfigError(f"{path.name}: not found at {path}; run in the course folder "
                                "or give --course DIR") from None
    except Exception as error:
        raise CourseConfigError(f"{path.name}: {type(error).__name__}: {error}") from None
    return module


# Each setting and the check its value must pass: (what it must be, check).
def _number(value):
    return type(value) in (int, float) and math.isfinite(value)


def _positive_number(value):
    return _number(value) and value > 0


def _positive_integer(value):
    return type(value) is int and value > 0


SETTINGS = {
    "PART_POINTS": ("a dict of points per part", lambda value: type(value) is dict),
    "COURSE_SECRET": ("a non-empty string", lambda value: type(value) is str and value != ""),
    "MAX_EXAMPLES": ("a whole number above 0", _positive_integer),
    "LOAD_TIMEOUT_SECONDS": ("a number of seconds above 0", _positive_number),
    "CALL_TIMEOUT_SECONDS": ("a number of seconds above 0", _positive_number),
    "SUBMISSION_TIMEOUT_SECONDS": ("a number of seconds above 0", _positive_number),
    "WORKER_MEMORY_MB": ("a whole number of MiB above 0", _positive_integer),
    "DEFAULT_VISIBILITY": (f"one of {', '.join(VISIBILITIES)}", lambda value: value in VISIBILITIES),
    "VISIBILITY": ("a dict of visibilities", lambda value: type(value) is dict),
}


def setting_problems(names):
    """Every problem of course_config.py's top-level `names` ({name: value}), as text."""
    problems = [f"{name} is no setting (the settings: {', '.join(SETTINGS)})"
                for name in names if name.isupper() and name not in SETTINGS]
    for name, (wanted, check) in SETTINGS.items():
        if name not in names:
            problems.append(f"{name} is missing; it must be {wanted}")
        elif not check(names[name]):
            problems.append(f"{name} is {names[name]!r}; it must be {wanted}")
    if not problems:
        problems += part_points_problems(names["PART_POINTS"]) + visibility_problems(names["VISIBILITY"])
    return problems


def part_points_problems(part_points):
    """What is wrong with PART_POINTS: a key that is no part, a part missing, points that
    are not a number >= 0, or no points at all."""
    problems = [f"PART_POINTS has {key!r}, which is no part (the parts: {', '.join(PART_NAMES)})"
                for key in part_points if key not in PART_NAMES]
    problems += [f"PART_POINTS gives nothing for {part!r}; give its points (0 leaves the part out)"
                 for part in PART_NAMES if part not in part_points]
    problems += [f"PART_POINTS[{part!r}] is {points!r}; it must be a number of points, 0 or more"
                 for part, points in part_points.items() if not (_number(points) and points >= 0)]
    if not problems and not any(part_points.values()):
        problems.append("PART_POINTS gives every part 0 points; nothing would be graded")
    return problems


def visibility_problems(visibility):
    """What is wrong with VISIBILITY: a key that names no part or "part: property", or a
    value that is no visibility."""
    from .properties import properties_of

    known = {key for part in PART_NAMES for key in (part, *(f"{part}: {p.name}" for p in properties_of(part)))}
    unknown = sorted(key for key in visibility if key not in known)
    problems = [f"VISIBILITY names no part or \"part: property\": {', '.join(map(str, unknown))}"] if unknown else []
    return problems + [f"VISIBILITY[{key!r}] is {value!r}; it must be one of {', '.join(VISIBILITIES)}"
                       for key, value in visibility.items() if value not in VISIBILITIES]
