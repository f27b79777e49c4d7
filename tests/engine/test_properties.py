"""Property tests over every pack: any valid profile gets advice, and safety invariants hold."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keuzewijs.engine.advise import advise_pack
from keuzewijs.engine.contract import Advice
from keuzewijs.packs.loader import Pack, get_library
from keuzewijs.packs.models import FieldType, ProfileField

from ..conftest import KNOWLEDGE

LIB = get_library(KNOWLEDGE)


def _value(spec: ProfileField) -> st.SearchStrategy[Any]:
    low = spec.minimum if spec.minimum is not None else 0
    high = spec.maximum if spec.maximum is not None else 10_000
    if spec.type == FieldType.boolean:
        return st.booleans()
    if spec.type == FieldType.integer:
        return st.integers(int(low), int(high))
    if spec.type in (FieldType.number, FieldType.duration):
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    ids = spec.value_ids()
    if spec.type == FieldType.enum:
        return st.sampled_from(ids)
    return st.lists(st.sampled_from(ids), unique=True)


def profiles(pack: Pack) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of the pack's fields, each with any valid value (missing = unknown)."""
    return st.fixed_dictionaries({}, optional={f.name: _value(f) for f in pack.profile.fields})


def case() -> st.SearchStrategy[tuple[Pack, dict[str, Any], str]]:
    return st.sampled_from(sorted(LIB.packs.values(), key=lambda p: p.id)).flatmap(
        lambda pack: st.tuples(st.just(pack), profiles(pack), st.sampled_from(["nl", "en"]))
    )


def _check_invariants(pack: Pack, profile: dict[str, Any], advice: Advice) -> None:
    # Urgent red flags are never accompanied by 'wait'/'against' advice for the same action.
    urged = {u.about for u in advice.urgent}
    for rec in advice.recommendations:
        assert not (rec.direction == "against" and rec.about in urged), (rec.id, urged)
    # Every cited source is in the pack, every 'needs' field is in the schema.
    for rec in advice.recommendations:
        assert all(s.id in pack.sources for s in rec.sources)
    assert {n.field for n in advice.needs} <= set(pack.fields)
    assert not ({n.field for n in advice.needs} & set(profile)), "a known field is never 'needed'"
    # Every rule of the pack appears in the trace exactly once.
    rule_ids = [r.id for r in pack.rules.rules]
    traced = [t.rule for t in advice.trace if t.kind in ("red_flag", "recommendation")]
    assert sorted(traced) == sorted(rule_ids)
    # A rule whose situation holds (status applies or provisional) is shown unless suppressed; a
    # rule without status is never shown; `fired` is the three-valued `when and not unless`.
    # shown now, or folded under 'later' by a fired red flag (issue 18)
    shown = {r.id: r.status for r in (*advice.recommendations, *advice.later)}
    for entry in advice.trace:
        if entry.kind == "recommendation":
            visible = entry.status is not None and entry.suppressed_by is None
            assert (entry.rule in shown) == visible, entry
            if visible:
                assert shown[entry.rule] == entry.status
            if entry.status == "applies":
                assert entry.fired is True
            elif entry.status == "provisional" and entry.fired is True:
                assert advice.to_check, entry  # made provisional by an undecided red flag
            elif entry.status == "provisional":
                assert entry.fired is None, entry
    # Absolute risks are probabilities per 1000 and inside their interval.
    for option in (*advice.options, *advice.actions):
        for out in option.outcomes:
            if out.risk_per_1000 is not None:
                assert 0 <= out.risk_per_1000 <= 1000
            if out.ci_per_1000 is not None and out.risk_per_1000 is not None:
                assert out.ci_per_1000[0] <= out.risk_per_1000 <= out.ci_per_1000[1]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case())
def test_any_valid_profile_gets_advice(drawn) -> None:
    pack, profile, lang = drawn
    advice = advise_pack(LIB, pack, profile, lang)
    assert advice.condition == pack.id and advice.lang == lang
    assert Advice.model_validate_json(advice.model_dump_json()) == advice
    _check_invariants(pack, profile, advice)


@settings(max_examples=200, deadline=None)
@given(case())
def test_advice_is_a_pure_function(drawn) -> None:
    pack, profile, lang = drawn
    assert advise_pack(LIB, pack, profile, lang) == advise_pack(LIB, pack, dict(profile), lang)
