"""The HTML audit report: per indicator its rule, counts with Wilson intervals and a funnel plot."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from keuzewijs import engine
from keuzewijs.engine import Compiled
from keuzewijs.packs import Indicator, Library, Pack
from keuzewijs.packs.models import UiTexts

from .results import AuditResult, Row, funnel_limits

TextByKey = Callable[[str], str]  # a text by key, escaped for HTML


def texts(library: Library) -> dict[str, Any]:
    return library.common("audit.yaml", UiTexts).texts


def funnel_svg(rows: list[Row], overall: Row, t: dict[str, Any], lang: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    pts = [r for r in rows if r.denominator > 0]
    p0 = overall.rate or 0.0
    fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=100)
    top = max([r.denominator for r in pts] + [10])
    n = np.unique(np.geomspace(1, top * 1.1, 200).round().astype(int))
    for level, style in ((0.95, "--"), (0.998, ":")):
        lo, hi = funnel_limits(p0, n, level)
        ax.plot(n, lo, style, color="#555", linewidth=1)
        ax.plot(n, hi, style, color="#555", linewidth=1, label=f"{level:.1%}")
    ax.axhline(p0, color="#1a6", linewidth=1, label=t["funnel.overall"].get(lang))
    if pts:
        sizes = np.array([r.denominator for r in pts])
        rates = np.array([r.rate for r in pts])
        lo, hi = funnel_limits(p0, sizes, 0.998)
        out = (rates < lo) | (rates > hi)
        ax.scatter(sizes[~out], rates[~out], s=18, color="#246")
        ax.scatter(sizes[out], rates[out], s=26, color="#c22", marker="D")
        for r, o in zip(pts, out, strict=False):
            if o:
                ax.annotate(
                    r.group,
                    (r.denominator, r.rate),
                    fontsize=7,
                    xytext=(3, 3),
                    textcoords="offset points",
                )
    ax.set_xlabel(t["funnel.x"].get(lang))
    ax.set_ylabel(t["funnel.y"].get(lang))
    ax.set_ylim(0, max(0.05, min(1.0, max([p0 * 2.2] + [r.rate or 0 for r in pts]) * 1.1)))
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def render(
    result: AuditResult, library: Library, data_label: str, lang: str, synthetic: bool
) -> str:
    t = texts(library)
    w = lambda key: html.escape(t[key].get(lang))  # noqa: E731
    e = html.escape
    out = [
        f"<!doctype html><html lang='{lang}'><head><meta "
        f"charset='utf-8'><title>{w('title')}</title>",
        "<style>body{font-family:'DejaVu Sans',sans-serif;max-width:60rem;margin:1.5rem "
        "auto;color:#111;padding:0 1rem}"
        "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #bbb;padding:.2rem "
        ".5rem;text-align:right}"
        "td:first-child,th:first-child,td.t{text-align:left}.warn{background:#fde2c8;padding:.4rem "
        ".8rem;font-weight:bold}"
        "section{border-top:2px solid "
        "#246;margin-top:1.5rem}.rule{background:#eef3fa;padding:.4rem .8rem}</style></head><body>",
        f"<h1>{w('title')}</h1>",
    ]
    if synthetic:
        out.append(f"<p class='warn'>{w('synthetic')}</p>")
    out.append(
        f"<p>{w('intro')}</p><p>{w('data')}: <code>{e(data_label)}</code> · {w('backend')}: "
        f"{e(result.backend)}<br>"
        f"{w('knowledge')}: {e(', '.join(result.knowledge.values()))}</p>"
    )
    if result.warnings:
        out.append(f"<h2>{w('warnings')}</h2>")
        out += [f"<p class='warn'>{e(x.text(t, lang))}</p>" for x in result.warnings]
    out += _concept_sets(result, w, e)
    out += _set_aside(result, t, w, e, lang)
    for pack in library.packs.values():
        comp = engine.compiled(library, pack)
        for ind in pack.indicators:
            overall = [r for r in result.overall() if r.indicator == ind.id]
            if overall:
                out += _indicator(result, pack, comp, ind, overall, t, w, lang)
    out.append("</body></html>")
    return "\n".join(out)


def _concept_sets(result: AuditResult, w: TextByKey, e: TextByKey) -> list[str]:
    out: list[str] = []
    out.append(
        f"<h2>{w('concept_sets')}</h2><p>{w('vocabulary')}: "
        f"{w(f'vocabulary.{result.vocabulary}')}</p><table><tr><th>{w('concept_set')}</th>"
        f"<th>{w('persons')}</th><th>{w('events')}</th><th>{w('concepts')}</th></tr>"
    )
    for c in result.concept_sets:
        concepts = "-" if c.concepts is None else f"{c.concepts:,}"
        out.append(
            f"<tr><td>{e(c.name)}</td><td>{c.persons:,}</td><td>{c.events:,}</td>"
            f"<td>{concepts}</td></tr>"
        )
    out.append("</table>")
    return out


def _set_aside(
    result: AuditResult, t: dict[str, Any], w: TextByKey, e: TextByKey, lang: str
) -> list[str]:
    out: list[str] = []
    out.append(f"<h2>{w('set_aside')}</h2>")
    if result.rows_read:
        out.append(f"<p>{w('rows_read')}: {sum(result.rows_read.values()):,}</p>")
    if result.set_aside:
        out.append(
            f"<table><tr><th>{w('table')}</th><th>{w('reason')}</th><th>{w('rows')}</th></tr>"
        )
        for aside in result.set_aside:
            reason = t.get(f"reason.{aside['reason']}")
            why = reason.get(lang) if reason else aside["reason"]
            out.append(
                f"<tr><td>{e(aside['table'])}</td><td class='t'>{e(why)}</td>"
                f"<td>{aside['rows']:,}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append(f"<p>{w('set_aside.none')}</p>")
    return out


def _indicator(
    result: AuditResult,
    pack: Pack,
    comp: Compiled,
    ind: Indicator,
    overall: list[Row],
    t: dict[str, Any],
    w: TextByKey,
    lang: str,
) -> list[str]:
    """One indicator's section: its rule, the overall rates, the breakdowns, its sources."""
    e = html.escape
    out: list[str] = []
    out.append(f"<section><h2>{e(ind.name.get(lang))}</h2><p>{e(ind.description.get(lang))}</p>")
    out.append(
        f"<p class='rule'>{w('rule')}: <code>{e(ind.rule)}</code><br>{w('rule.applies')}: "
        f"{e(comp.condition_text(ind.rule, lang))}</p>"
    )
    out.append(f"<p>{w('red_flags')}: {e(ind.red_flag_exclusion.get(lang))}</p>")
    out.append(
        f"<table><tr><th>{w('variant')}</th><th>{w('numerator')}</th><th>{w('denominator')}</th>"
        f"<th>{w('rate')}</th><th>{w('ci')}</th><th>{w('undetermined')}</th></tr>"
    )
    for r in overall:
        out.append(
            f"<tr><td>{e(r.variant)}</td><td>{r.numerator:,}</td><td>{r.denominator:,}</td><td>{_pct(r.rate)}</td>"
            f"<td>{_pct(r.ci_low)} – {_pct(r.ci_high)}</td><td>{r.undetermined:,}</td></tr>"
        )
    out.append("</table>")
    for r in overall:
        providers = [
            p
            for p in result.rows
            if p.indicator == ind.id and p.variant == r.variant and p.by == "provider"
        ]
        if providers:
            out.append(f"<h3>{w('funnel')} — {e(r.variant)}</h3>")
            out.append(funnel_svg(providers, r, t, lang))
        periods = [
            p
            for p in result.rows
            if p.indicator == ind.id and p.variant == r.variant and p.by == "period"
        ]
        if periods:
            out.append(
                f"<h3>{w('period')} — {e(r.variant)}</h3><table><tr><th>{w('period')}</th>"
                f"<th>{w('numerator')}</th>"
                f"<th>{w('denominator')}</th><th>{w('rate')}</th><th>{w('ci')}</th></tr>"
            )
            for p in sorted(periods, key=lambda x: x.group):
                out.append(
                    f"<tr><td>{e(p.group)}</td><td>{p.numerator:,}</td><td>{p.denominator:,}</td><td>{_pct(p.rate)}</td>"
                    f"<td>{_pct(p.ci_low)} – {_pct(p.ci_high)}</td></tr>"
                )
            out.append("</table>")
    cited = {s.id: s for s in (*pack.sources_file.sources, *ind.references)}
    out.append(f"<p>{w('sources')}:</p><ul>")
    for ref in ind.sources:
        out.append(f"<li>{e(cited[ref.id].citation)} — {e(ref.locator)}</li>")
    out.append("</ul></section>")
    return out


def write_report(
    path: Path, result: AuditResult, library: Library, data_label: str, lang: str, synthetic: bool
) -> None:
    path.write_text(render(result, library, data_label, lang, synthetic), encoding="utf-8")
