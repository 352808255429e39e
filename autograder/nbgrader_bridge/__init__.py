"""How nbgrader uses the autograder: a preprocessor that grades through the sandbox, and
a wrapper that runs nbgrader with the course's configuration."""
from .preprocessor import SandboxedGrading

__all__ = ["SandboxedGrading"]
