"""Accessible SVG forest plots, drawn with matplotlib.

One row per study (name, events/total per arm, effect with 95% CI, weight: a square sized
by weight on a CI line), the pooled estimate as a diamond, and the 95% prediction
interval as a bar below it. Ratios are drawn on a log axis. Text stays text in the SVG
(svg.fonttype "none"), so screen readers and search can read it, and the file gets a
<title> and a <desc> (a one-paragraph summary in words) plus role="img", added to the
XML by ElementTree after matplotlib has written it. Key artists carry a `gid` (study-1,
pooled-diamond, prediction-interval) so tests and stylesheets can find them.
"""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from .results import MetaResult, back_transform

SVG_NS = "http://www.w3.org/2000/svg"
LABELS = {"RR": "Risk ratio", "OR": "Odds ratio", "RD": "Risk difference"}


def _fmt(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.2f}"


def describe(res: MetaResult) -> str:
    """The plot in words (the SVG <desc>)."""
    name = LABELS[res.measure].lower()
    lo, hi = res.effect_ci
    h = res.heterogeneity
    text = (
        f"Forest plot of {len(res.studies)} studies ({res.k} in the analysis), {name}, "
        f"{res.description}. Pooled {name} {_fmt(res.effect)} (95% CI {_fmt(lo)} to {_fmt(hi)}); "
        f"I² {100 * h.i2:.0f}%, tau² {h.tau2:.3g}."
    )
    if res.effect_pi is not None:
        text += f" 95% prediction interval {_fmt(res.effect_pi[0])} to {_fmt(res.effect_pi[1])}."
    return (
        text
        + " "
        + " ".join(
            f"{s.study.name}: {s.study.treatment_events}/{s.study.treatment_total} vs "
            f"{s.study.control_events}/{s.study.control_total}, "
            + (
                f"{_fmt(back_transform(res.measure, s.estimate))} "
                f"({_fmt(back_transform(res.measure, s.ci[0]))} to "
                f"{_fmt(back_transform(res.measure, s.ci[1]))}), "
                f"weight {s.weight:.1f}%."
                if s.excluded is None
                else f"excluded ({s.excluded})."
            )
            for s in res.studies
        )
    )


def _draw(res: MetaResult, title: str) -> Figure:
    m = res.measure
    ratio = m in ("RR", "OR")
    rows = len(res.studies)
    fig = Figure(figsize=(10, 1.6 + 0.32 * (rows + 3)))
    ax = fig.add_axes((0.36, 0.14, 0.36, 0.86 - 0.9 / fig.get_figheight()))

    def tr(x: float) -> float:
        return back_transform(m, x)

    y_pooled, y_pi = -1.0, -2.0
    xs: list[float] = []
    for i, s in enumerate(res.studies):
        y = rows - 1 - i
        st = s.study
        fig_text = [
            (0.01, st.name, "left"),
            (0.27, f"{st.treatment_events}/{st.treatment_total}", "right"),
            (0.345, f"{st.control_events}/{st.control_total}", "right"),
        ]
        for x, txt, ha in fig_text:
            ax.annotate(
                txt, (x, y), xycoords=("figure fraction", "data"), ha=ha, va="center", fontsize=9
            )
        if s.excluded is None and not math.isnan(s.estimate):
            lo, est, hi = tr(s.ci[0]), tr(s.estimate), tr(s.ci[1])
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
            right = f"{_fmt(est)} [{_fmt(lo)}, {_fmt(hi)}]   {s.weight:5.1f}%"
        else:
            right = "excluded (double-zero)" if s.excluded and "double" in s.excluded else "–"
        ax.annotate(
            right,
            (0.74, y),
            xycoords=("figure fraction", "data"),
            ha="left",
            va="center",
            fontsize=9,
        )
    lo, est, hi = tr(res.ci[0]), res.effect, tr(res.ci[1])
    if not math.isnan(est):
        xs += [lo, hi]
        ax.add_patch(
            Polygon(
                [(lo, y_pooled), (est, y_pooled + 0.35), (hi, y_pooled), (est, y_pooled - 0.35)],
                closed=True,
                color="#c00000",
                gid="pooled-diamond",
            )
        )
        ax.annotate(
            f"Pooled ({res.method}{', HKSJ' if res.hksj else ''})",
            (0.01, y_pooled),
            xycoords=("figure fraction", "data"),
            ha="left",
            va="center",
            fontsize=9,
            weight="bold",
        )
        ax.annotate(
            f"{_fmt(est)} [{_fmt(lo)}, {_fmt(hi)}]   100.0%",
            (0.74, y_pooled),
            xycoords=("figure fraction", "data"),
            ha="left",
            va="center",
            fontsize=9,
            weight="bold",
        )
    pi = res.effect_pi
    if pi is not None:
        xs += list(pi)
        ax.plot(
            list(pi),
            [y_pi, y_pi],
            color="#c00000",
            lw=3,
            solid_capstyle="butt",
            gid="prediction-interval",
        )
        ax.annotate(
            "95% prediction interval",
            (0.01, y_pi),
            xycoords=("figure fraction", "data"),
            ha="left",
            va="center",
            fontsize=9,
        )
        ax.annotate(
            f"{_fmt(pi[0])} to {_fmt(pi[1])}",
            (0.74, y_pi),
            xycoords=("figure fraction", "data"),
            ha="left",
            va="center",
            fontsize=9,
        )
    null = 1.0 if ratio else 0.0
    ax.axvline(null, color="grey", lw=0.8, linestyle="--")
    if ratio:
        ax.set_xscale("log")
        finite = [x for x in xs if x > 0 and math.isfinite(x)] or [0.5, 2.0]
        span = max(abs(math.log(min(finite))), abs(math.log(max(finite))), math.log(1.5)) * 1.1
        ax.set_xlim(math.exp(-span), math.exp(span))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    ax.set_ylim(y_pi - 0.8 if pi is not None else y_pooled - 0.8, rows - 0.3)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(
        f"{LABELS[m]}{' (log scale)' if ratio else ''}\n← favours treatment    favours control →",
        fontsize=9,
    )
    top = rows - 0.3 + 0.4
    for x, txt, ha in (
        (0.01, "Study", "left"),
        (0.27, "Treatment", "right"),
        (0.345, "Control", "right"),
        (0.74, f"{m} [95% CI]   Weight", "left"),
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
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, weight="bold")
    return fig


def forest_svg(res: MetaResult, title: str | None = None) -> str:
    """The forest plot as an SVG document (text)."""
    title = title or f"Forest plot: {LABELS[res.measure]}, {res.description}"
    fig = _draw(res, title)
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
    d.text = describe(res)
    root.insert(0, d)
    root.insert(0, t)  # <title> must be the first child to name the image
    root.set("role", "img")
    root.set("aria-labelledby", "forest-title forest-desc")
    root.set("lang", "en")
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def forest_plot(res: MetaResult, path: Path | str, title: str | None = None) -> Path:
    """Write the forest plot as SVG to `path`."""
    out = Path(path)
    out.write_text(forest_svg(res, title), encoding="utf-8")
    return out
