"""Study-level 2x2 data from CSV, validated to one-line errors that name row and column.

Columns: study, treatment_events, treatment_total, control_events, control_total, and any
number of optional grouping columns (for subgroup analysis). Rows are numbered as lines of
the file, the header being row 1, so "row 3" is what an editor shows as line 3.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from keuzewijs.errors import InputFormatError, brief

from .effect_sizes import Measure
from .pooling import Method, meta_analysis
from .results import MetaResult, Study

# A count of participants: ten digits hold every person alive; more is a typo or an attack
# (a 400-digit count overflowed the float arithmetic).
MAX_COUNT_DIGITS = 10
COUNT_COLUMNS = ("treatment_events", "treatment_total", "control_events", "control_total")
REQUIRED = ("study", *COUNT_COLUMNS)


def _where(path: Path | str, row: int, column: str | None = None) -> str:
    return f"{path}: row {row}" + (f", column {column}" if column else "")


def _count(raw: str | None, path: Path | str, row: int, column: str) -> int:
    if raw is None or raw.strip() == "":
        raise InputFormatError("missing value", path=_where(path, row, column))
    text = raw.strip()
    try:
        value = int(text) if len(text) <= MAX_COUNT_DIGITS + 1 else None
    except ValueError:
        value = None
    if value is None or abs(value) >= 10**MAX_COUNT_DIGITS:
        raise InputFormatError(
            f"must be a whole number of at most {MAX_COUNT_DIGITS} digits (got {brief(text)})",
            path=_where(path, row, column),
        )
    if value < 0:
        raise InputFormatError(
            f"must not be negative (got {value})", path=_where(path, row, column)
        )
    return value


def _header(first: list[str], path: Path | str) -> list[str]:
    """The header row: every required column, none twice."""
    header = [h.strip() for h in first]
    for col in REQUIRED:
        if col not in header:
            raise InputFormatError(
                f"missing column {col!r} (need {', '.join(REQUIRED)})", path=_where(path, 1, col)
            )
    dupes = {h for h in header if header.count(h) > 1}
    if dupes:
        raise InputFormatError(f"column {sorted(dupes)[0]!r} appears twice", path=_where(path, 1))
    return header


def _counts(rec: dict[str, str], path: Path | str, line: int) -> dict[str, int]:
    """The four counts of a row: totals at least 1, events no more than their total."""
    n = {c: _count(rec.get(c), path, line, c) for c in COUNT_COLUMNS}
    for arm in ("treatment", "control"):
        if n[f"{arm}_total"] == 0:
            raise InputFormatError("must be at least 1", path=_where(path, line, f"{arm}_total"))
        if n[f"{arm}_events"] > n[f"{arm}_total"]:
            raise InputFormatError(
                f"{n[f'{arm}_events']} events is more than the {arm}_total of {n[f'{arm}_total']}",
                path=_where(path, line, f"{arm}_events"),
            )
    return n


def parse_studies(text: str, path: Path | str = "<csv>") -> tuple[list[Study], list[str]]:
    """Studies and the names of the extra (grouping) columns."""
    reader = csv.reader(io.StringIO(text))
    rows = [r for r in reader]
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputFormatError(
            "the file is empty; expected a header: " + ",".join(REQUIRED), path=str(path)
        )
    header = _header(rows[0], path)
    extra = [h for h in header if h not in REQUIRED and h]
    studies: list[Study] = []
    seen: set[str] = set()
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) > len(header):
            raise InputFormatError(
                f"{len(cells)} values for {len(header)} columns", path=_where(path, line)
            )
        rec = dict(zip(header, cells, strict=False))
        name = (rec.get("study") or "").strip()
        if not name:
            raise InputFormatError("study name is empty", path=_where(path, line, "study"))
        if name in seen:
            raise InputFormatError(
                f"study {name!r} appears twice", path=_where(path, line, "study")
            )
        seen.add(name)
        n = _counts(rec, path, line)
        groups = {g: (rec.get(g) or "").strip() for g in extra}
        studies.append(
            Study(
                name,
                treatment_events=n["treatment_events"],
                treatment_total=n["treatment_total"],
                control_events=n["control_events"],
                control_total=n["control_total"],
                groups=groups,
            )
        )
    if not studies:
        raise InputFormatError("no study rows below the header", path=str(path))
    return studies, extra


def read_studies(path: Path | str) -> tuple[list[Study], list[str]]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputFormatError("not a UTF-8 text file", path=str(path)) from None
    except OSError as exc:
        raise InputFormatError(f"cannot read: {exc.strerror}", path=str(path)) from None
    return parse_studies(text, path)


def pool_csv(
    path: Path | str, measure: Measure = "RR", method: Method = "REML", *, hksj: bool = False
) -> MetaResult:
    """Read a study CSV (e.g. one beside a knowledge pack) and pool it.

    Raises InputFormatError (one line, naming row and column) for a malformed file, and
    ValueError for an invalid measure/method combination.
    """
    studies, _ = read_studies(path)
    return meta_analysis(studies, measure, method, hksj=hksj)
