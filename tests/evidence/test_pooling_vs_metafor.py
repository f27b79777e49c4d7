"""Every pooled quantity of every fixture case against metafor (rma / rma.mh / leave1out)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from keuzewijs.evidence.effect_sizes import effect_sizes
from keuzewijs.evidence.pooling import meta_analysis
from keuzewijs.evidence.results import MetaResult
from keuzewijs.evidence.sensitivity import leave_one_out

from .reference import REFERENCE, case_id, check, listify, studies

CASES = [c for c in REFERENCE["cases"] if "result" in c]
L1O = [c for c in CASES if "leave1out" in c]


def test_fixture_has_every_case_and_no_errors() -> None:
    # 8 datasets x 3 measures x (FE, MH, and DL/REML/PM with and without HKSJ)
    assert len(REFERENCE["cases"]) == 8 * 3 * 8
    assert [c for c in REFERENCE["cases"] if "error" in c] == []
    assert REFERENCE["generated_by"]["metafor"]


def compare(res: MetaResult, ref: dict[str, Any], where: str, usable: np.ndarray | None) -> None:
    check("estimate", res.estimate, ref["estimate"], where)
    check("se", res.se, ref["se"], where)
    check("ci", res.ci[0], ref["ci_lb"], where)
    check("ci", res.ci[1], ref["ci_ub"], where)
    check("statistic", res.statistic, ref["zval"], where)
    check("p_value", res.p_value, ref["pval"], where)
    check("tau2", res.heterogeneity.tau2, ref["tau2"], where)
    check("Q", res.heterogeneity.q, ref["QE"], where)
    check("p_value", res.heterogeneity.p_value, ref["QEp"], where)
    check("I2", 100 * res.heterogeneity.i2, ref["I2"], where)
    check("H2", res.heterogeneity.h2, ref["H2"], where)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_pooled_result_matches_metafor(case: dict[str, Any]) -> None:
    data = studies(case["dataset"])
    res = meta_analysis(data, case["measure"], case["method"], hksj=case["hksj"])
    ref = case["result"]
    where = f"{case_id(case)} [{case['call']}]"
    compare(res, ref, where, None)
    # Weights: metafor lists only the studies in the model (rma drops double-zero studies,
    # rma.mh keeps every table).
    ours = [s.weight for s in res.studies if case["method"] == "MH" or s.excluded is None]
    theirs = listify(ref["weights"])
    assert len(ours) == len(theirs), where
    for o, t in zip(ours, theirs, strict=True):
        check("weight", o, t, where)
    if case["method"] != "MH":
        assert res.k == ref["k"], where
    if "pi_lb" in ref:
        assert res.prediction_interval is not None, where
        check("prediction", res.prediction_interval[0], ref["pi_lb"], where)
        check("prediction", res.prediction_interval[1], ref["pi_ub"], where)
    else:
        assert res.prediction_interval is None, where


@pytest.mark.parametrize("case", L1O, ids=case_id)
def test_leave_one_out_matches_metafor(case: dict[str, Any]) -> None:
    data = studies(case["dataset"])
    ref = case["leave1out"]
    series = leave_one_out(data, case["measure"], case["method"], hksj=case["hksj"])
    if case["method"] != "MH":
        # metafor's leave1out omits only the studies that are in the model.
        es = effect_sizes(
            case["measure"],
            *zip(
                *[
                    (s.treatment_events, s.treatment_total, s.control_events, s.control_total)
                    for s in data
                ],
                strict=False,
            ),
        )
        series = [x for x, ok in zip(series, es.usable, strict=True) if ok]
    assert len(series) == len(listify(ref["estimate"]))
    for i, (omitted, res) in enumerate(series):
        where = f"{case_id(case)} without {omitted.name}"
        check("estimate", res.estimate, listify(ref["estimate"])[i], where)
        check("se", res.se, listify(ref["se"])[i], where)
        check("ci", res.ci[0], listify(ref["ci_lb"])[i], where)
        check("ci", res.ci[1], listify(ref["ci_ub"])[i], where)
        check("Q", res.heterogeneity.q, listify(ref["QE"])[i], where)
        check("p_value", res.heterogeneity.p_value, listify(ref["QEp"])[i], where)
        check("I2", 100 * res.heterogeneity.i2, listify(ref["I2"])[i], where)
        check("H2", res.heterogeneity.h2, listify(ref["H2"])[i], where)
        if ref["tau2"] is not None:
            check("tau2", res.heterogeneity.tau2, listify(ref["tau2"])[i], where)


@pytest.mark.parametrize(
    "entry", REFERENCE["escalc"], ids=lambda e: f"{e['dataset']}-{e['measure']}"
)
def test_effect_sizes_match_escalc(entry: dict[str, Any]) -> None:
    data = studies(entry["dataset"])
    es = effect_sizes(
        entry["measure"],
        *np.array(
            [
                (s.treatment_events, s.treatment_total, s.control_events, s.control_total)
                for s in data
            ]
        ).T,
    )
    for i, (y, v) in enumerate(zip(listify(entry["yi"]), listify(entry["vi"]), strict=True)):
        where = f"{entry['dataset']}-{entry['measure']} study {i + 1}"
        if y is None:  # metafor drop00: a double-zero study has no effect
            assert not es.usable[i], where
            continue
        assert es.usable[i], where
        check("yi", float(es.yi[i]), y, where)
        check("vi", float(es.vi[i]), v, where)
