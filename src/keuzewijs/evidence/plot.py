"""Accessible SVG forest plots, drawn with matplotlib.

One row per study (name, events/total per arm, effect with 95% CI, weight: a square sized
by weight on a CI line), the pooled estimate as a diamond, and the 95% prediction
interval as a bar below it. Ratios are drawn on a log axis. Text stays text in the SVG
(svg.fonttype "none"), so screen readers and search can read it, and the file gets a
<title> and a <desc> (a one-paragraph summary in words) plus role="img", added to the
XML by ElementTree after matplotlib has written it. Key artists carry a `gid` (study-1,
pooled-diamond, prediction-interval) so tests and stylesheets can find them.

Every word on the plot comes from a `labels` mapping (ENGLISH by default); the web passes the
page's language from the UI texts (`forest.<key>` in knowledge/_common/ui.yaml), with the
decimal sign, so a Dutch page gets a Dutch plot.
"""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from .results import MetaResult, back_transform

SVG_NS = "http://www.w3.org/2000/svg"
# The words of the plot and its description. Keys are the UI text keys without `forest.`.
ENGLISH: dict[str, str] = {
    "decimal": ".",
    "RR": "risk ratio",
    "OR": "odds ratio",
    "RD": "risk difference",
    "FE": "fixed effect, inverse variance",
    "MH": "fixed effect, Mantel-Haenszel",
    "DL": "random effects, DerSimonian-Laird tau²",
    "REML": "random effects, REML tau²",
    "PM": "random effects, Paule-Mandel tau²",
    "ci_hksj": "Hartung-Knapp-Sidik-Jonkman CI (t, k-1 df)",
    "ci_wald": "Wald CI (normal)",
    "pi_t": "95% prediction interval t(k-2)",
    "title": "Forest plot: {measure}, {method}",
    "study": "Study",
    "treatment": "Treatment",
    "control": "Control",
    "effect_weight": "{measure} [95% CI]   Weight",
    "pooled": "Pooled",
    "prediction_interval": "95% prediction interval",
    "range": "{low} to {high}",
    "log_scale": "(log scale)",
    "favours": "← favours treatment    favours control →",
    "excluded_double_zero": "excluded (double-zero)",
    "left_out": "left out of this analysis",
    "double_zero": "double-zero study: no information about a ratio",
    "n_studies": "{n} studies",
    "n_studies_one": "1 study",
    "desc": "Forest plot of {studies} ({k} in the analysis), {measure}, {method}. Pooled "
    "{measure} {effect} (95% CI {low} to {high}); I² {i2}%, tau² {tau2}.",
    "desc_pi": "95% prediction interval {low} to {high}.",
    "desc_study": "{name}: {treatment} vs {control}, {effect} ({low} to {high}), weight {weight}%.",
    "desc_excluded": "{name}: {treatment} vs {control}, excluded ({reason}).",
}
# Why a study is left out (evidence/pooling.py's words) -> the label that says it.
_EXCLUDED = {"left out of this analysis": "left_out", "double-zero study": "double_zero"}


def _fmt(x: float, labels: Mapping[str, str] = ENGLISH, spec: str = ".2f") -> str:
    return "–" if math.isnan(x) else f"{x:{spec}}".replace(".", labels["decimal"])


def method_description(res: MetaResult, labels: Mapping[str, str] = ENGLISH) -> str:
    """The pooling method in words (in English: `res.description`)."""
    parts = [labels[res.method], labels["ci_hksj" if res.hksj else "ci_wald"]]
    if res.method not in ("FE", "MH"):
        parts.append(labels["pi_t"])
    return "; ".join(parts)


def _reason(reason: str, labels: Mapping[str, str]) -> str:
    key = next((k for start, k in _EXCLUDED.items() if reason.startswith(start)), None)
    return labels[key] if key else reason


def describe(res: MetaResult, labels: Mapping[str, str] = ENGLISH) -> str:
    """The plot in words (the SVG <desc>)."""
    name = labels[res.measure]
    lo, hi = res.effect_ci
    h = res.heterogeneity
    sentences = [
        labels["desc"].format(
            studies=(
                labels["n_studies_one"]
                if len(res.studies) == 1
                else labels["n_studies"].format(n=len(res.studies))
            ),
            k=res.k,
            measure=name,
            method=method_description(res, labels),
            effect=_fmt(res.effect, labels),
            low=_fmt(lo, labels),
            high=_fmt(hi, labels),
            i2=_fmt(100 * h.i2, labels, ".0f"),
            tau2=_fmt(h.tau2, labels, ".3g"),
        )
    ]
    if res.effect_pi is not None:
        pi_low, pi_high = (_fmt(x, labels) for x in res.effect_pi)
        sentences.append(labels["desc_pi"].format(low=pi_low, high=pi_high))
    for s in res.studies:
        arms = {
            "name": s.study.name,
            "treatment": f"{s.study.treatment_events}/{s.study.treatment_total}",
            "control": f"{s.study.control_events}/{s.study.control_total}",
        }
        if s.excluded is None:
            est, low, high = (back_transform(res.measure, x) for x in (s.estimate, *s.ci))
            sentences.append(
                labels["desc_study"].format(
                    **arms,
                    effect=_fmt(est, labels),
                    low=_fmt(low, labels),
                    high=_fmt(high, labels),
                    weight=_fmt(s.weight, labels, ".1f"),
                )
            )
        else:
            reason = _reason(s.excluded, labels)
            sentences.append(labels["desc_excluded"].format(**arms, reason=reason))
    return " ".join(sentences)


def _note(ax: Any, text: str, x: float, y: float, ha: str = "left", **style: Any) -> None:
    """Text at a figure-fraction x and a data y (the rows of the plot)."""
    ax.annotate(
        text, (x, y), xycoords=("figure fraction", "data"), ha=ha, va="center", fontsize=9, **style
    )


def _interval(est: float, lo: float, hi: float, labels: Mapping[str, str]) -> str:
    sep = "; " if labels["decimal"] == "," else ", "  # '0,49 [0,34; 0,70]' with a decimal comma
    return f"{_fmt(est, labels)} [{_fmt(lo, labels)}{sep}{_fmt(hi, labels)}]"


def _draw_studies(ax: Any, res: MetaResult, labels: Mapping[str, str]) -> list[float]:
    """One row per study: name, events per arm, square and interval, effect and weight."""
    rows = len(res.studies)
    xs: list[float] = []
    for i, s in enumerate(res.studies):
        y = rows - 1 - i
        st = s.study
        _note(ax, st.name, 0.01, y)
        _note(ax, f"{st.treatment_events}/{st.treatment_total}", 0.27, y, "right")
        _note(ax, f"{st.control_events}/{st.control_total}", 0.345, y, "right")
        if s.excluded is None and not math.isnan(s.estimate):
            lo, est, hi = (back_transform(res.measure, x) for x in (s.ci[0], s.estimate, s.ci[1]))
            xs += [lo, hi]
            ax.plot([lo, hi], [y, y], color="black", lw=1, gid=f"study-{i + 1}-ci")
            ax.plot(
                [est],
                [y],
                marker="s",
                color="#1f4e79",
                linestyle="none",
                markersize=3 + 9 * math.sqrt(max(s.weight, 0) / 100),
                gid=f"study-{i + 1}",
            )
            weight = f"{s.weight:5.1f}".replace(".", labels["decimal"])
            right = f"{_interval(est, lo, hi, labels)}   {weight}%"
        else:
            double = s.excluded and "double" in s.excluded
            right = labels["excluded_double_zero"] if double else "–"
        _note(ax, right, 0.74, y)
    return xs


def _draw_pooled(ax: Any, res: MetaResult, labels: Mapping[str, str], y: float) -> list[float]:
    """The pooled effect as a diamond, with its method and interval."""
    lo, est, hi = (
        back_transform(res.measure, res.ci[0]),
        res.effect,
        back_transform(res.measure, res.ci[1]),
    )
    if math.isnan(est):
        return []
    ax.add_patch(
        Polygon(
            [(lo, y), (est, y + 0.35), (hi, y), (est, y - 0.35)],
            closed=True,
            color="#c00000",
            gid="pooled-diamond",
        )
    )
    method = f"{labels['pooled']} ({res.method}{', HKSJ' if res.hksj else ''})"
    _note(ax, method, 0.01, y, weight="bold")
    total = _fmt(100.0, labels, ".1f")
    _note(ax, f"{_interval(est, lo, hi, labels)}   {total}%", 0.74, y, weight="bold")
    return [lo, hi]


def _draw_prediction(ax: Any, res: MetaResult, labels: Mapping[str, str], y: float) -> list[float]:
    pi = res.effect_pi
    if pi is None:
        return []
    ax.plot(
        list(pi), [y, y], color="#c00000", lw=3, solid_capstyle="butt", gid="prediction-interval"
    )
    _note(ax, labels["prediction_interval"], 0.01, y)
    _note(ax, labels["range"].format(low=_fmt(pi[0], labels), high=_fmt(pi[1], labels)), 0.74, y)
    return list(pi)


def _draw_axis(
    ax: Any, res: MetaResult, labels: Mapping[str, str], xs: list[float], ylim: tuple[float, float]
) -> None:
    """The line of no effect, the (log) scale around the intervals, and the axis label."""
    m = res.measure
    ratio = m in ("RR", "OR")
    ax.axvline(1.0 if ratio else 0.0, color="grey", lw=0.8, linestyle="--")
    if ratio:
        ax.set_xscale("log")
        finite = [x for x in xs if x > 0 and math.isfinite(x)] or [0.5, 2.0]
        span = max(abs(math.log(min(finite))), abs(math.log(max(finite))), math.log(1.5)) * 1.1
        ax.set_xlim(math.exp(-span), math.exp(span))
        ax.xaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}".replace(".", labels["decimal"]))
        )
    ax.set_ylim(*ylim)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    scale = f" {labels['log_scale']}" if ratio else ""
    ax.set_xlabel(f"{labels[m].capitalize()}{scale}\n{labels['favours']}", fontsize=9)


def _draw_headers(ax: Any, res: MetaResult, labels: Mapping[str, str], top: float) -> None:
    for x, txt, ha in (
        (0.01, labels["study"], "left"),
        (0.27, labels["treatment"], "right"),
        (0.345, labels["control"], "right"),
        (0.74, labels["effect_weight"].format(measure=res.measure), "left"),
    ):
        ax.annotate(
            txt,
            (x, top),
            xycoords=("figure fraction", "data"),
            ha=ha,
            va="bottom",
            fontsize=9,
            weight="bold",
            annotation_clip=False,
        )


def _draw(res: MetaResult, title: str, labels: Mapping[str, str]) -> Figure:
    rows = len(res.studies)
    fig = Figure(figsize=(10, 1.6 + 0.32 * (rows + 3)))
    ax = fig.add_axes((0.36, 0.14, 0.36, 0.86 - 0.9 / fig.get_figheight()))
    y_pooled, y_pi = -1.0, -2.0
    xs = _draw_studies(ax, res, labels)
    xs += _draw_pooled(ax, res, labels, y_pooled)
    xs += _draw_prediction(ax, res, labels, y_pi)
    bottom = y_pi - 0.8 if res.effect_pi is not None else y_pooled - 0.8
    _draw_axis(ax, res, labels, xs, (bottom, rows - 0.3))
    _draw_headers(ax, res, labels, rows - 0.3 + 0.4)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, weight="bold")
    return fig


def forest_svg(
    res: MetaResult,
    title: str | None = None,
    labels: Mapping[str, str] = ENGLISH,
    lang: str = "en",
) -> str:
    """The forest plot as an SVG document (text), in the words of `labels` (language `lang`)."""
    measure = labels[res.measure].capitalize()
    title = title or labels["title"].format(measure=measure, method=method_description(res, labels))
    fig = _draw(res, title, labels)
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "keuzewijs"}):
        FigureCanvasSVG(fig).print_svg(  # type: ignore[no-untyped-call]  # matplotlib: untyped
            buf, metadata={"Title": title, "Date": None}
        )
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    ET.register_namespace("dc", "http://purl.org/dc/elements/1.1/")
    ET.register_namespace("cc", "http://creativecommons.org/ns#")
    ET.register_namespace("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#")
    root = ET.fromstring(buf.getvalue())
    for old in root.findall(f"{{{SVG_NS}}}title"):  # matplotlib's own, replaced below
        root.remove(old)
    t = ET.Element(f"{{{SVG_NS}}}title", {"id": "forest-title"})
    t.text = title
    d = ET.Element(f"{{{SVG_NS}}}desc", {"id": "forest-desc"})
    d.text = describe(res, labels)
    root.insert(0, d)
    root.insert(0, t)  # <title> must be the first child to name the image
    root.set("role", "img")
    root.set("aria-labelledby", "forest-title forest-desc")
    root.set("lang", lang)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def forest_plot(res: MetaResult, path: Path | str, title: str | None = None) -> Path:
    """Write the forest plot as SVG to `path`."""
    out = Path(path)
    out.write_text(forest_svg(res, title), encoding="utf-8")
    return out
