"""The Ibis translation of every rule condition gives the engine's three-valued verdict.

Random profiles (hypothesis), biased to the thresholds in the packs, are evaluated by the engine's
evaluator (the reference) and by the translated expression on DuckDB; both must say TRUE, FALSE or
unknown for every condition of every pack, and the effective verdict of every recommendation
(with suppression by red flags) must equal what `advise` puts in its trace.
"""

from __future__ import annotations

import ibis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keuzewijs.audit.translate import IbisTranslator, rule_verdict
from keuzewijs.engine.advise import advise_pack
from keuzewijs.engine.compiled import compiled
from keuzewijs.packs.conditions import when_and_not_unless
from keuzewijs.packs.loader import get_library
from keuzewijs.packs.profile import validate_profile
from keuzewijs.rules.evaluate import Evaluation

from ..conftest import KNOWLEDGE
from .profiles import profile_strategy, to_arrow

LIBRARY = get_library(KNOWLEDGE)
PACKS = sorted(LIBRARY.packs)


def conditions(pack):
    out = {f"definition:{k}": d.when for k, d in pack.rules.definitions.items()}
    out.update({f"implication:{i.id}": i.if_ for i in pack.rules.implications})
    out.update(
        {
            f"rule:{r.id}": cond
            for r in pack.rules.rules
            if (cond := when_and_not_unless(r.when, r.unless)) is not None
        }
    )
    out.update(
        {f"option:{o.id}": o.applies_when for o in pack.options_file.options if o.applies_when}
    )
    return out


def evaluate_on(con, pack, profiles, exprs_for):
    table = con.create_table("profiles", to_arrow(pack, profiles), overwrite=True)
    exprs = exprs_for(table)
    result = con.to_pyarrow(table.select("row", **exprs).order_by("row")).to_pylist()
    return [{k: row[k] for k in exprs} for row in result]


@pytest.fixture(scope="module")
def duck():
    con = ibis.duckdb.connect()
    yield con
    con.disconnect()


@pytest.mark.parametrize("condition_id", PACKS)
def test_every_condition_matches_the_evaluator(duck, condition_id):
    pack = LIBRARY.pack(condition_id)
    evaluator = compiled(LIBRARY, pack).evaluator
    conds = conditions(pack)
    seen: set[bool | None] = set()

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(profile_strategy(pack), min_size=1, max_size=60))
    def check(profiles):
        got = evaluate_on(
            duck,
            pack,
            profiles,
            lambda t: {
                k.replace(":", "__").replace("-", "_"): IbisTranslator(pack, t).visit(c)
                for k, c in conds.items()
            },
        )
        for profile, row in zip(profiles, got, strict=True):
            for key, cond in conds.items():
                expected = evaluator.evaluate(
                    cond, validate_profile(pack.profile_model, profile), Evaluation()
                )
                actual = row[key.replace(":", "__").replace("-", "_")]
                assert actual == expected, f"{key} on {profile}: engine {expected}, SQL {actual}"
                seen.add(expected)

    check()
    assert seen == {True, False, None}  # every side of three-valued logic was exercised


@pytest.mark.parametrize("condition_id", PACKS)
def test_rule_verdict_matches_advise_trace(duck, condition_id):
    """Suppression of 'against' advice by a fired red flag is part of the verdict, as in
    advise()."""
    pack = LIBRARY.pack(condition_id)
    rule_ids = [r.id for r in pack.rules.rules]

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(profile_strategy(pack), min_size=1, max_size=30))
    def check(profiles):
        got = evaluate_on(
            duck,
            pack,
            profiles,
            lambda t: {f"r{i}": rule_verdict(pack, rid, t) for i, rid in enumerate(rule_ids)},
        )
        for profile, row in zip(profiles, got, strict=True):
            trace = {e.rule: e for e in advise_pack(LIBRARY, pack, profile, "en").trace}
            for i, rid in enumerate(rule_ids):
                entry = trace[rid]
                expected = (
                    None
                    if entry.fired is None
                    else bool(entry.fired and entry.suppressed_by is None)
                )
                assert row[f"r{i}"] == expected, (
                    f"{rid} on {profile}: advise {expected}, SQL {row[f'r{i}']}"
                )

    check()
