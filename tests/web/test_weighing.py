"""The weighing formula (step e) and icon-array arithmetic, on hand-made advice."""

from __future__ import annotations

import pytest

from keuzewijs.engine.contract import Advice
from keuzewijs.errors import ProfileError
from keuzewijs.web.icons import icon_array, parse_per, scaled
from keuzewijs.web.weighing import compute_fit, validate_weights


def _effect(oid: str, kind: str, risk: int | None, verdict: str | None = "fewer") -> dict:
    """An outcome; `verdict` is the engine's (issue 17): 'fewer'/'more' when the options differ
    beyond the interval, which is what these formula tests assume unless they say otherwise."""
    return {
        "verdict": verdict,
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


# ---------------------------------------------------------------- 'afwegen' statements
def test_a_statement_is_offered_only_when_it_separates_the_shown_options():
    from keuzewijs.web.weighing import statement_group

    assert statement_group(["a", "b"], ADVICE) == ["a", "b"]  # c is left out: it separates
    assert statement_group(["c", "x"], ADVICE) == ["c"]  # x is not shown for this patient
    assert statement_group(["x"], ADVICE) is None  # nothing of its group is shown
    assert statement_group(["a", "b", "c"], ADVICE) is None  # every shown option: favours none


def test_agreed_statements_point_to_their_group_and_count_once_per_option():
    fit = compute_fit(ADVICE, {}, [["a", "b"]])
    assert fit.expressed and fit.leaning.agreed == 1
    assert fit.leaning.counts == {"a": 1, "b": 1, "c": 0}
    assert fit.leaning.best_ids == ["a", "b"] and fit.leaning.best == ["A", "B"]
    assert fit.best == []  # no weight given: no best fit in numbers
    both = compute_fit(ADVICE, {}, [["a", "b"], ["b"]])
    assert both.leaning.best_ids == ["b"]


def test_statements_pointing_every_way_alike_point_nowhere():
    fit = compute_fit(ADVICE, {}, [["a", "b"], ["c"]])
    assert fit.expressed and fit.leaning.agreed == 2 and fit.leaning.best == []


def test_statements_not_offered_do_not_count():
    fit = compute_fit(ADVICE, {}, [["x"], ["a", "b", "c"]])
    assert not fit.expressed and fit.leaning.agreed == 0 and fit.leaning.best == []


def test_numbers_and_statements_stay_two_results():
    fit = compute_fit(ADVICE, {"harm": 10}, [["b"]])
    assert [f.id for f in fit.best] == ["a"]  # the numbers: less harm with a
    assert fit.leaning.best_ids == ["b"]  # the statement: b; not added up


FRAIL_HIP = {  # FRAIL-HIP criteria met: not operating is one of the options shown
    "age": 95,
    "fracture_type": "femoral_neck",
    "displaced": True,
    "walking_before_fracture": "needs_help_or_unable",
    "cognitive_impairment": True,
    "lives_in_care_home": True,
    "chronically_immobile_with_dementia": True,
    "asa_class": 4,
    "post_operative": False,
}


def _hip_leans(library, profile):
    from keuzewijs.engine.advise import advise

    advice = advise("hip-fracture", profile, "en", library=library)
    pack = library.pack("hip-fracture")
    return advice, {st.id: st.leans_to for st in pack.meta.values_statements}


def test_a_hip_statement_moves_the_fit_toward_its_group(library):
    advice, leans = _hip_leans(library, FRAIL_HIP)
    shown = [o.id for o in advice.options]
    assert "non_operative" in shown
    nothing = compute_fit(advice, {})
    assert not nothing.expressed and nothing.best == [] and nothing.leaning.best == []
    walk = compute_fit(advice, {}, [leans["walk-and-manage-myself"]]).leaning
    assert walk.best_ids == [o for o in shown if o != "non_operative"]
    comfort = compute_fit(advice, {}, [leans["comfort-no-operation"]]).leaning
    assert comfort.best_ids == ["non_operative"]


def test_hip_statements_are_not_counted_when_not_operating_is_withheld(library):
    advice, leans = _hip_leans(library, {**FRAIL_HIP, "age": 69})  # FRAIL-HIP: 70 or older
    assert "non_operative" not in [o.id for o in advice.options]
    fit = compute_fit(advice, {}, list(leans.values()))
    assert not fit.expressed and fit.leaning.agreed == 0


# ---------------------------------------------------------------- issue 17: uncertainty
UNCERTAIN = _advice(
    [
        _option(
            "a",
            [
                _effect("harm", "harm", 100, "little_or_no_difference"),
                _effect("other", "harm", 50, "more"),
            ],
        ),
        _option(
            "b",
            [
                _effect("harm", "harm", 300, "little_or_no_difference"),
                _effect("other", "harm", 20, "fewer"),
            ],
        ),
    ]
)


def test_no_verdict_from_an_outcome_whose_interval_crosses_no_effect():
    fit = compute_fit(UNCERTAIN, {"harm": 10})
    assert fit.close and fit.best == [] and fit.deciding is None
    keys = [k for k, _ in fit.messages()]
    assert keys == ["fit.close", "fit.unclear"]


def test_verdict_only_from_the_clear_outcome_and_says_it_rests_on_one_answer():
    fit = compute_fit(UNCERTAIN, {"harm": 10, "other": 3})
    assert [f.id for f in fit.best] == ["b"]  # less 'other'; 'harm' (a much lower) not counted
    assert fit.deciding is not None and fit.deciding.outcome == "other"
    said = dict(fit.messages())
    assert said["fit.one_answer"] == {"outcome": "Other"}
    assert said["fit.unclear"] == {"outcomes": "Harm"}


def test_one_sentence_reconciles_weighing_and_statements():
    fit = compute_fit(ADVICE, {"harm": 10}, [["b"]])
    said = dict(fit.messages())
    assert said["fit.reconcile"] == {"numbers": "A", "statements": "B"}
    agree = compute_fit(ADVICE, {"harm": 10}, [["a"]])
    assert "fit.reconcile" not in dict(agree.messages())


def test_achilles_early_rehab_rerupture_gives_no_verdict(library):
    from keuzewijs.engine.advise import advise_pack

    pack = library.pack("achilles-tendon-rupture")
    advice = advise_pack(library, pack, {"functional_rehab_available": True}, "nl")
    only_rerupture = compute_fit(advice, {"rerupture": 10})
    assert only_rerupture.close and not only_rerupture.best
    both = compute_fit(advice, {"rerupture": 10, "complications": 3})
    assert [f.id for f in both.best] == ["conservative"]
    assert both.deciding is not None and both.deciding.outcome == "complications"
