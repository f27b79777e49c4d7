"""Subgroup results and the test for subgroup differences against metafor."""

from __future__ import annotations

from typing import Any

import pytest

from keuzewijs.evidence.subgroups import subgroup_analysis

from .reference import REFERENCE, check, listify, studies


@pytest.mark.parametrize(
    "entry", REFERENCE["subgroups"], ids=lambda e: f"{e['measure']}-{e['method']}"
)
def test_subgroups_match_metafor(entry: dict[str, Any]) -> None:
    data = studies(entry["dataset"], with_group=True)
    res = subgroup_analysis(data, entry["by"], entry["measure"], entry["method"])
    assert list(res.subgroups) == listify(entry["groups"])
    for group, ref, call in zip(entry["groups"], entry["results"], entry["calls"], strict=True):
        sub = res.subgroups[group]
        where = f"{group}: {call}"
        check("estimate", sub.estimate, ref["estimate"], where)
        check("ci", sub.ci[0], ref["ci_lb"], where)
        check("ci", sub.ci[1], ref["ci_ub"], where)
        check("tau2", sub.heterogeneity.tau2, ref["tau2"], where)
        check("Q", sub.heterogeneity.q, ref["QE"], where)
        check("I2", 100 * sub.heterogeneity.i2, ref["I2"], where)
        weights = [s.weight for s in sub.studies]
        assert len(weights) == len(listify(ref["weights"])), where
        for o, t in zip(weights, listify(ref["weights"]), strict=True):
            check("weight", o, t, where)
    where = entry["between_call"]
    check("Q", res.q_between, entry["Q_between"], where)
    assert res.df == entry["df"]
    check("p_value", res.p_value, entry["p_between"], where)
