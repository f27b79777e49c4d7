"""The weighing formula (step e) and icon-array arithmetic, on hand-made advice."""

from __future__ import annotations

import pytest

from keuzewijs.engine.contract import Advice
from keuzewijs.errors import ProfileError
from keuzewijs.web.icons import icon_array, parse_per, scaled
from keuzewijs.web.weighing import compute_fit, validate_weights


def _effect(oid: str, kind: str, risk: int | None) -> dict:
    return {
        "id": oid,
        "name": oid.title(),
        "kind": kind,
        "risk_per_1000": risk,
        "ci_per_1000": None,
        "relative_effect": None,
        "certainty": None,
        "timeframe": "1 year",
        "role": "observed",
        "method": "m",
        "evidence_id": "e",
        "sources": [],
    }


def _option(oid: str, effects: list[dict]) -> dict:
    return {
        "id": oid,
        "kind": "option",
        "name": oid.upper(),
        "what_happens": {"text": "t", "sources": []},
        "pros": [],
        "cons": [],
        "recovery": None,
        "living_with": None,
        "applicable": True,
        "outcomes": effects,
    }


def _advice(options: list[dict]) -> Advice:
    return Advice.model_validate(
        {
            "contract_version": "2.0",
            "condition": "c",
            "condition_name": "C",
            "knowledge_version": "v",
            "lang": "en",
            "disclaimer": "d",
            "urgent": [],
            "to_check": [],
            "recommendations": [],
            "options": options,
            "actions": [],
            "needs": [],
            "trace": [],
            "sources": [],
            "profile": {},
        }
    )


ADVICE = _advice(
    [
        _option("a", [_effect("harm", "harm", 100), _effect("cure", "benefit", 600)]),
        _option("b", [_effect("harm", "harm", 300), _effect("cure", "benefit", 900)]),
        _option("c", []),
    ]
)


def test_score_adds_benefits_and_takes_off_harms():
    fit = compute_fit(ADVICE, {"harm": 10, "cure": 0})
    assert {f.id: f.score for f in fit.fits} == {"a": -1.0, "b": -3.0}  # - 10 x 100/1000 ...
    assert [f.id for f in fit.best] == ["a"] and fit.deciding.outcome == "harm"
    assert fit.comparison.not_weighable == ["C"]  # shown, not hidden, but cannot be weighed


def test_a_benefit_counts_as_a_benefit():
    fit = compute_fit(ADVICE, {"cure": 10})
    assert {f.id: f.score for f in fit.fits} == {"a": 6.0, "b": 9.0}  # + 10 x 600/1000 ...
    assert [f.id for f in fit.best] == ["b"] and fit.deciding.kind == "benefit"


def test_nothing_fits_best_before_the_patient_answers():
    for weights in ({}, {"harm": 0, "cure": 0}):
        fit = compute_fit(ADVICE, weights)
        assert not fit.expressed and fit.best == [] and fit.deciding is None


def test_equal_scores_are_a_tie():
    advice = _advice(
        [
            _option("a", [_effect("x", "harm", 100), _effect("y", "benefit", 500)]),
            _option("b", [_effect("x", "harm", 200), _effect("y", "benefit", 600)]),
        ]
    )
    fit = compute_fit(advice, {"x": 10, "y": 10})  # -1 + 5 = 4 and -2 + 6 = 4
    assert fit.tie and len(fit.best) == 2 and fit.deciding is None


def test_only_outcomes_with_a_number_for_every_option_that_differ_are_weighed():
    advice = _advice(
        [
            _option(
                "a", [_effect("x", "harm", 10), _effect("y", "harm", 500), _effect("z", "harm", 7)]
            ),
            _option("b", [_effect("x", "harm", 20), _effect("z", "harm", 7)]),
        ]
    )
    comp = compute_fit(advice, {"x": 5, "y": 10, "z": 10}).comparison
    assert [w.id for w in comp.weighable] == ["x"]
    assert comp.partial == ["Y"] and comp.equal == ["Z"]


@pytest.mark.parametrize(
    "weights", [{"harm": 11}, {"harm": -1}, {"nope": 3}, {"harm": True}, {"harm": "5"}]
)
def test_bad_weights_are_field_errors(weights):
    with pytest.raises(ProfileError) as err:
        validate_weights(ADVICE, weights)
    assert err.value.path.startswith("weights.")


def test_icon_array_scaling():
    assert (
        scaled(12, 100) == 1
        and scaled(5, 100) == 1
        and scaled(4, 100) == 0
        and scaled(52, 1000) == 52
    )
    a = icon_array("k", 52, (35, 78), 1000)
    assert (a.cols * a.rows, a.full_rows, a.remainder) == (1000, 1, 12)
    assert (
        parse_per("1000") == 1000
        and parse_per("7") == 100
        and parse_per(None) == 100
        and parse_per("x") == 100
    )
