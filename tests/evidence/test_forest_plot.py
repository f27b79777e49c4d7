"""The forest plot SVG: accessible (title, desc, role), one row per study, diamond, PI;
the numbers printed on it are metafor's (checked against the fixture)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from keuzewijs.evidence.plot import forest_plot
from keuzewijs.evidence.pooling import meta_analysis

from .reference import REFERENCE, studies

NS = {"svg": "http://www.w3.org/2000/svg"}


def test_forest_plot_is_accessible_and_complete(tmp_path: Path) -> None:
    data = studies("bcg")
    res = meta_analysis(data, "RR", "REML")
    path = forest_plot(res, tmp_path / "forest.svg", title="BCG vaccine and tuberculosis")
    root = ET.parse(path).getroot()
    assert root.get("role") == "img"
    first = next(iter(root))
    assert (
        first.tag == "{http://www.w3.org/2000/svg}title"
        and first.text == "BCG vaccine and tuberculosis"
    )
    desc = root.find("svg:desc", NS)
    assert desc is not None and desc.text
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for s in data:  # text stays text (svg.fonttype none): every study is readable
        assert s.name in texts
        assert s.name in desc.text
    assert "Risk ratio (log scale)" in texts
    ids = {el.get("id") for el in root.iter()}
    assert {"pooled-diamond", "prediction-interval"} <= ids
    assert {f"study-{i}" for i in range(1, len(data) + 1)} <= ids
    ref = next(
        c["result"]
        for c in REFERENCE["cases"]
        if (c["dataset"], c["measure"], c["method"], c["hksj"]) == ("bcg", "RR", "REML", False)
    )
    pooled = (
        f"{math.exp(ref['estimate']):.2f} "
        f"[{math.exp(ref['ci_lb']):.2f}, {math.exp(ref['ci_ub']):.2f}]"
    )
    assert pooled in texts
    assert f"{math.exp(ref['pi_lb']):.2f} to {math.exp(ref['pi_ub']):.2f}" in desc.text
    weights = [f"{w:5.1f}%" for w in ref["weights"]]
    assert all(w.strip() in texts for w in weights)
