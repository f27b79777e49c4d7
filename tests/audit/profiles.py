"""Random profiles for a pack, biased towards the thresholds its conditions use (the edges where
a translation goes wrong), with every field also missing (unknown) some of the time."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from hypothesis import strategies as st

from keuzewijs.audit.translate import field_columns, member_column
from keuzewijs.packs.loader import Pack
from keuzewijs.packs.models import FieldType, ProfileField
from keuzewijs.rules.thresholds import thresholds

ARROW = {"boolean": pa.bool_(), "int64": pa.int64(), "float64": pa.float64(), "string": pa.string()}


def _value(spec: ProfileField, edges: set[float]) -> st.SearchStrategy[Any]:
    if spec.type == FieldType.boolean:
        return st.booleans()
    if spec.type == FieldType.enum:
        return st.sampled_from(spec.value_ids())
    if spec.type == FieldType.set:
        return st.lists(st.sampled_from(spec.value_ids()), unique=True)
    lo = spec.minimum if spec.minimum is not None else 0.0
    hi = spec.maximum if spec.maximum is not None else max([lo + 100.0, *(e * 3 for e in edges)])
    near = [x for e in edges for x in (e, e - 1, e + 1, e - 1e-9, e + 1e-9) if lo <= x <= hi]
    if spec.type == FieldType.integer:
        ints = sorted({round(x) for x in near if lo <= round(x) <= hi})
        whole = st.integers(int(lo), int(hi))
        return st.one_of(st.sampled_from(ints), whole) if ints else whole
    base = st.floats(lo, hi, allow_nan=False)
    return st.one_of(st.sampled_from(near), base) if near else base


def profile_strategy(pack: Pack) -> st.SearchStrategy[dict[str, Any]]:
    edges = thresholds(pack)
    parts = {
        spec.name: st.one_of(st.none(), _value(spec, edges.get(spec.name, set())))
        for spec in pack.profile.fields
    }
    return st.fixed_dictionaries(parts).map(lambda p: {k: v for k, v in p.items() if v is not None})


def to_arrow(pack: Pack, profiles: list[dict[str, Any]]) -> pa.Table:
    """Profiles as a table with one column per field (set fields: one boolean column per value)."""
    columns: dict[str, list[Any]] = {}
    types: dict[str, str] = {}
    for spec in pack.profile.fields:
        types.update(field_columns(spec))
        for profile in profiles:
            value = profile.get(spec.name)
            if spec.type == FieldType.set:
                for v in spec.value_ids():
                    held = None if value is None else v in value
                    columns.setdefault(member_column(spec.name, v), []).append(held)
            else:
                columns.setdefault(spec.name, []).append(value)
    columns["row"] = list(range(len(profiles)))
    schema = pa.schema(
        [(name, ARROW[kind]) for name, kind in types.items()] + [("row", pa.int64())]
    )
    return pa.table({name: columns[name] for name in schema.names}, schema=schema)
