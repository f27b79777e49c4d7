"""One rule, two places: the audit's classification of a patient equals what `advise` says.

Hypothesis draws patients from the synthetic OMOP data. For each, the audit's profile builder
(the same one that feeds the indicator) gives the profile at the index date; the core engine
advises on that profile, and the rule the indicator refers to must be shown (fired, not
suppressed) exactly when the audit counts the patient in the numerator, and be unknown exactly
when the audit reports the patient as undetermined.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keuzewijs.audit.cohort import profile_table
from keuzewijs.audit.run import load
from keuzewijs.audit.translate import member_column
from keuzewijs.engine.advise import advise
from keuzewijs.packs.loader import get_library
from keuzewijs.packs.models import FieldType

from ..conftest import KNOWLEDGE

LIBRARY = get_library(KNOWLEDGE)
CASES = [
    (p.id, i.id, v) for p in LIBRARY.packs.values() for i in p.indicators for v in i.variant_ids()
]


def to_profile(pack, row: dict[str, Any]) -> dict[str, Any]:
    profile: dict[str, Any] = {}
    for spec in pack.profile.fields:
        if spec.type == FieldType.set:
            held = {v: row[member_column(spec.name, v)] for v in spec.value_ids()}
            if None not in held.values():
                profile[spec.name] = [v for v, h in held.items() if h]
        elif row[spec.name] is not None:
            profile[spec.name] = row[spec.name]
    return profile


@pytest.mark.parametrize(("pack_id", "indicator_id", "variant"), CASES)
def test_audit_classification_equals_engine_advice(
    duck, synthetic, as_of, mapping, pack_id, indicator_id, variant
):
    pack = LIBRARY.pack(pack_id)
    ind = next(i for i in pack.indicators if i.id == indicator_id)
    rows = duck.to_pyarrow(
        profile_table(load(duck, synthetic, as_of), mapping, pack, ind, variant)
    ).to_pylist()
    assert rows, "no eligible patients in the synthetic data"
    assert {r["verdict"] for r in rows} >= {True, False}

    @settings(max_examples=60, deadline=None)
    @given(st.sampled_from(rows))
    def check(row):
        advice = advise(pack_id, to_profile(pack, row), "en", library=LIBRARY)
        entry = next(e for e in advice.trace if e.rule == ind.rule)
        shown = None if entry.fired is None else bool(entry.fired and entry.suppressed_by is None)
        assert row["verdict"] == shown, (
            f"person {row['person_id']}: audit {row['verdict']}, engine {shown}"
        )
        if shown:  # shown in the advice itself, not only in the trace
            assert ind.rule in {r.id for r in advice.recommendations} | {
                u.id for u in advice.urgent
            }

    check()
