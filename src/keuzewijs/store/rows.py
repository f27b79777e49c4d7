"""The one ORM <-> dataclass mapper: a dataclass and a table class share field names, so a row is
copied field by field both ways (decisions in repository.py, CDS feedback in cds/feedback.py).
Fields the two sides do not share are passed explicitly (the code, timestamps in another form)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, TypeVar

from .models import Base

D = TypeVar("D")
R = TypeVar("R", bound=Base)


def _aware(value: Any) -> Any:
    # SQLite drops the zone of a timestamp; every timestamp is stored in UTC
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def from_row(cls: type[D], row: Base, **given: Any) -> D:
    """A `cls` dataclass from a row: every field of `cls` not in `given` is read from the row's
    attribute of the same name (naive datetimes read as UTC)."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]  # a dataclass
    values = {n: _aware(getattr(row, n)) for n in names if n not in given and hasattr(row, n)}
    return cls(**values, **given)


def to_row(table: type[R], obj: Any, **given: Any) -> R:
    """A `table` row from a dataclass: every column not in `given` is read from the attribute of
    the same name on `obj`; columns `obj` lacks are left to their defaults."""
    columns = [c.key for c in table.__mapper__.column_attrs]
    values = {n: getattr(obj, n) for n in columns if n not in given and hasattr(obj, n)}
    return table(**values, **given)


def as_dict(row: Base) -> dict[str, Any]:
    """Every column of a row by name."""
    return {c.key: getattr(row, c.key) for c in type(row).__mapper__.column_attrs}
