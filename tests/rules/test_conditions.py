"""The condition language: schema, three-valued evaluation, units, rendering."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from keuzewijs.packs.conditions import Condition, Quantity
from keuzewijs.packs.models import ProfileField, Text
from keuzewijs.rules.evaluate import Evaluation, Evaluator
from keuzewijs.rules.render import Renderer
from keuzewijs.rules.units import convert

COND = TypeAdapter(Condition)


def parse(raw):
    return COND.validate_python(raw)


def test_compare_needs_value_for_binary_ops() -> None:
    with pytest.raises(ValidationError, match="needs a value"):
        parse({"field": "x", "op": "lt"})


def test_unary_op_rejects_value() -> None:
    with pytest.raises(ValidationError, match="takes no value"):
        parse({"field": "x", "op": "is_true", "value": True})


def test_unknown_operator_is_rejected() -> None:
    with pytest.raises(ValidationError, match="op"):
        parse({"field": "x", "op": "approximately", "value": 3})


def test_unknown_shape_is_rejected_with_a_helpful_message() -> None:
    with pytest.raises(ValidationError, match="a condition is"):
        parse({"either": []})


def test_in_needs_a_list() -> None:
    with pytest.raises(ValidationError, match="list of values"):
        parse({"field": "x", "op": "in", "value": "a"})


def test_duration_quantity_parses() -> None:
    node = parse({"field": "w", "op": "gt", "value": {"value": 9, "unit": "months"}})
    assert node.value == Quantity(value=9, unit="months")


UNITS = {"w": "weeks", "flag": None, "kind": None, "set": None}
EV = Evaluator({}, UNITS)


def run(raw, profile):
    ev = Evaluation()
    return EV.evaluate(parse(raw), profile, ev), ev


@pytest.mark.parametrize(
    ("a", "b", "all_", "any_"),
    [
        (True, True, True, True),
        (True, False, False, True),
        (False, False, False, False),
        (True, None, None, True),
        (False, None, False, None),
        (None, None, None, None),
    ],
)
def test_kleene_truth_table(a, b, all_, any_) -> None:
    def leaf(value, name):
        return {"field": name, "op": "is_true"}, ({} if value is None else {name: value})

    (la, pa), (lb, pb) = leaf(a, "p"), leaf(b, "q")
    profile = {**pa, **pb}
    assert run({"all": [la, lb]}, profile)[0] is all_
    assert run({"any": [la, lb]}, profile)[0] is any_
    expected_not = None if a is None else (not a)
    assert run({"not": la}, profile)[0] is expected_not


def test_missing_field_is_reported() -> None:
    value, ev = run(
        {"all": [{"field": "w", "op": "lt", "value": 6}, {"field": "flag", "op": "is_true"}]},
        {"w": 3},
    )
    assert value is None
    assert ev.missing == {"flag"}
    assert ev.used == {"w": 3}


@pytest.mark.parametrize(("weeks", "expected"), [(5.9, True), (6, False), (6.1, False)])
def test_six_week_boundary(weeks, expected) -> None:
    assert run({"field": "w", "op": "lt", "value": 6}, {"w": weeks})[0] is expected


@pytest.mark.parametrize(("weeks", "expected"), [(39.0, False), (39.13, False), (39.2, True)])
def test_nine_month_boundary_in_weeks(weeks, expected) -> None:
    # 9 months = 9 x 365.2425 / 12 / 7 = 39.13 weeks (Gregorian calendar)
    assert (
        run({"field": "w", "op": "gt", "value": {"value": 9, "unit": "months"}}, {"w": weeks})[0]
        is expected
    )


def test_unit_conversion_uses_calendar_definitions() -> None:
    assert convert(1, "weeks", "hours") == 168
    assert convert(12, "months", "years") == pytest.approx(1)
    assert convert(9, "months", "weeks") == pytest.approx(39.13, abs=0.005)


def test_set_operators() -> None:
    assert run({"field": "set", "op": "contains", "value": "a"}, {"set": ["a", "b"]})[0] is True
    assert (
        run({"field": "set", "op": "contains_any", "value": ["c", "d"]}, {"set": ["a"]})[0] is False
    )
    assert run({"field": "set", "op": "contains", "value": "a"}, {})[0] is None


def test_time_window_on_a_field_without_unit_fails_only_when_compared() -> None:
    # the predicate converts the window once; the error still comes when a value is compared
    raw = {"field": "kind", "op": "gt", "value": {"value": 9, "unit": "months"}}
    holds = EV.compile(parse(raw))
    ev = Evaluation()
    assert holds({}, ev) is None
    assert ev.missing == {"kind"}
    with pytest.raises(ValueError, match="duration field"):
        holds({"kind": 3}, Evaluation())


def test_one_predicate_many_profiles_carries_nothing_over() -> None:
    """A predicate is made once per pack and called for every profile: each call must give what
    a fresh evaluation gives (verdict, answers used, answers missing), whatever came before."""
    definitions = {
        "long": type("D", (), {"when": parse({"field": "w", "op": "ge", "value": 6})})(),
    }
    evaluator = Evaluator(definitions, UNITS)
    raw = {
        "any": [
            {"all": [{"ref": "long"}, {"field": "flag", "op": "is_true"}]},
            {"not": {"field": "kind", "op": "in", "value": ["a", "b"]}},
        ]
    }
    holds = evaluator.compile(parse(raw))
    profiles = [
        {},
        {"w": 8, "flag": True},
        {"w": 2, "kind": "a"},
        {"flag": False, "kind": "c"},
        {},
        {"w": 8},
    ]
    for memo in (False, True):  # advise() shares one memo of definitions per profile
        for profile in profiles:
            again, fresh = Evaluation(memo={} if memo else None), Evaluation()
            expected = Evaluator(definitions, UNITS).evaluate(parse(raw), profile, fresh)
            assert holds(profile, again) is expected
            assert (again.used, again.missing) == (fresh.used, fresh.missing)
    assert holds({"w": 8, "flag": True}, Evaluation()) is True
    assert holds({"w": 2, "kind": "a"}, Evaluation()) is False
    ev = Evaluation()
    assert holds({"w": 8}, ev) is None
    assert ev.missing == {"flag", "kind"}


def _fields() -> dict[str, ProfileField]:
    return {
        "leg_pain_weeks": ProfileField(
            name="leg_pain_weeks",
            type="duration",
            unit="weeks",
            label=Text(nl="duur van de beenpijn", en="leg pain duration"),
            question=Text(nl="?", en="?"),
        ),
        "paresis": ProfileField(
            name="paresis",
            type="enum",
            label=Text(nl="verlamming", en="paresis"),
            question=Text(nl="?", en="?"),
            values=[
                {"id": "severe", "label": {"nl": "ernstig", "en": "severe"}},
                {"id": "progressive", "label": {"nl": "toenemend", "en": "progressive"}},
            ],
        ),
    }


def test_render_in_both_languages(library) -> None:
    definitions = {
        "alarm": type("D", (), {"label": Text(nl="alarmsymptomen", en="alarm symptoms")})()
    }
    renderer = Renderer(_fields(), definitions, library.ui)
    node = parse(
        {"all": [{"field": "leg_pain_weeks", "op": "lt", "value": 6}, {"not": {"ref": "alarm"}}]}
    )
    assert (
        renderer.render(node, "en") == "leg pain duration less than 6 weeks and no alarm symptoms"
    )
    assert (
        renderer.render(node, "nl")
        == "duur van de beenpijn minder dan 6 weken en geen alarmsymptomen"
    )
    node = parse({"field": "paresis", "op": "in", "value": ["severe", "progressive"]})
    assert renderer.render(node, "en") == "paresis is severe or progressive"
    node = parse({"field": "leg_pain_weeks", "op": "gt", "value": {"value": 9, "unit": "months"}})
    assert renderer.render(node, "nl") == "duur van de beenpijn meer dan 9 maanden"
