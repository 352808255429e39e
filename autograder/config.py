"""The course's grading settings, read from course_config.py at the project's root."""
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parents[1]
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")  # Gradescope's


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


def load_settings(path=COURSE_ROOT / "course_config.py"):
    """Import course_config.py as a plain module (its nbgrader block is skipped)."""
    spec = importlib.util.spec_from_file_location("course_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return GradingSettings(
        part_points=dict(module.PART_POINTS),
        course_secret=module.COURSE_SECRET,
        max_examples=int(module.MAX_EXAMPLES),
        load_timeout=float(module.LOAD_TIMEOUT_SECONDS),
        call_timeout=float(module.CALL_TIMEOUT_SECONDS),
        submission_timeout=float(module.SUBMISSION_TIMEOUT_SECONDS),
        worker_memory_mb=int(module.WORKER_MEMORY_MB),
        default_visibility=_checked_visibility("DEFAULT_VISIBILITY", getattr(module, "DEFAULT_VISIBILITY", "visible")),
        visibility={key: _checked_visibility(f"VISIBILITY[{key!r}]", value) for key, value in getattr(module, "VISIBILITY", {}).items()},
    )


def _checked_visibility(setting, value):
    if value not in VISIBILITIES:
        raise ValueError(f"course_config.py: {setting} is {value!r}; it must be one of {', '.join(VISIBILITIES)}")
    return value
