"""Plain-text tables: scores per submission, and a class run's summary per part."""
import statistics

from ..config import PART_NAMES


def score_table(rows):
    """rows: [(label, GradeReport)] -> one line per submission, one column per part."""
    header = ["submission", *PART_NAMES, "total"]
    lines = [[label, *(f"{report.part_score(p):g}" for p in PART_NAMES), f"{report.score:g}/{report.max_score:g}"]
             for label, report in rows]
    return _format(header, lines)


def score_statistics(rows):
    """rows: [ScoreRow] -> [[part or "total", mean/max, median, how many at full marks,
    how many at zero]], the total first."""
    columns = [("total", [r.score for r in rows], max(r.max_score for r in rows))]
    columns += [(part, [r.parts.get(part, 0.0) for r in rows], max(r.parts_max.get(part, 0.0) for r in rows))
                for part in PART_NAMES]
    return [[name, f"{statistics.mean(scores):.1f}/{top:g}", f"{statistics.median(scores):g}",
             str(sum(s == top for s in scores)), str(sum(s == 0 for s in scores))] for name, scores, top in columns]


def summary_table(rows):
    """rows: [ScoreRow] -> per part and in total: the mean, and how many got all or nothing."""
    if not rows:
        return "No submissions."
    total, *parts = score_statistics(rows)
    lines = [[name, mean, full, zero] for name, mean, _median, full, zero in [*parts, total]]
    return _format([f"{len(rows)} students", "mean", "full marks", "zero"], lines)


def _format(header, lines):
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([fmt(header), fmt(["-" * w for w in widths]), *map(fmt, lines)])
