"""Writing files whole or not at all: results, reports, anything a reader may open meanwhile."""
import os
import tempfile
from pathlib import Path


REPORT_MODE = 0o644  # readable by the course's other tools (CI's artifact upload), as any written file


def write_atomically(path, text):
    """Write `text` (str, as UTF-8, or bytes) to `path` through a temporary file and a
    rename: a reader never sees half a file, a crash leaves the old file in place, and
    writers at the same time each replace it whole. The file is REPORT_MODE, not the
    temporary file's 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, REPORT_MODE)
        with os.fdopen(fd, "wb") as stream:
            stream.write(text.encode("utf-8") if isinstance(text, str) else text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
