"""A plain-text score table, one row per submission and one column per part."""
from ..properties import PART_NAMES


def score_table(rows):
    """rows: [(label, GradeReport)] -> the table as text."""
    header = ["submission", *PART_NAMES, "total"]
    lines = [[label, *(f"{report.part_score(p):g}" for p in PART_NAMES), f"{report.score:g}/{report.max_score:g}"]
             for label, report in rows]
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([fmt(header), fmt(["-" * w for w in widths]), *map(fmt, lines)])
