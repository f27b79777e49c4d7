"""The JSON form and the zero-cell policy, on fixture data (numbers checked against metafor)."""

from __future__ import annotations

import json

import pytest

from keuzewijs.evidence.pooling import meta_analysis

from .reference import REFERENCE, check, studies


def _case(dataset: str, measure: str, method: str) -> dict:  # type: ignore[type-arg]
    return next(
        c
        for c in REFERENCE["cases"]
        if (c["dataset"], c["measure"], c["method"], c["hksj"]) == (dataset, measure, method, False)
    )


def test_json_round_trip_carries_the_metafor_numbers() -> None:
    res = meta_analysis(studies("bcg"), "RR", "REML")
    doc = json.loads(res.to_json())
    ref = _case("bcg", "RR", "REML")["result"]
    check("estimate", doc["estimate"], ref["estimate"], "json estimate")
    check("ci", doc["ci"][0], ref["ci_lb"], "json ci")
    check("tau2", doc["heterogeneity"]["tau2"], ref["tau2"], "json tau2")
    assert doc["scale"] == "log"
    assert doc["effect"] == pytest.approx(2.718281828459045 ** ref["estimate"], rel=1e-7)
    assert len(doc["studies"]) == 13
    assert doc["method"] == "REML"


def test_double_zero_studies_are_reported_not_silently_dropped() -> None:
    res = meta_analysis(studies("double_zero"), "RR", "DL")
    excluded = {s.study.name: s.excluded for s in res.studies if s.excluded}
    assert set(excluded) == {"A", "E"}  # 0/40 vs 0/40 and 40/40 vs 40/40
    assert res.k == _case("double_zero", "RR", "DL")["result"]["k"] == 3
    assert any("double-zero" in n for n in res.notes)
    # For a risk difference they are informative and stay in.
    rd = meta_analysis(studies("double_zero"), "RD", "DL")
    assert rd.k == _case("double_zero", "RD", "DL")["result"]["k"] == 5
    assert [s.excluded for s in rd.studies] == [None] * 5


def test_single_study_json_has_nulls_for_undefined_quantities() -> None:
    doc = json.loads(meta_analysis(studies("single"), "OR", "REML").to_json())
    assert doc["prediction_interval"] is None
    assert doc["heterogeneity"]["df"] == 0
    check(
        "p_value",
        doc["heterogeneity"]["p_value"],
        _case("single", "OR", "REML")["result"]["QEp"],
        "single",
    )
