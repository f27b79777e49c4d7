"""`keuzewijs meta FILE.csv`: pool study-level 2x2 data, print or export the result.

A plain function with a Typer-compatible signature; the app registers it with
`app.command("meta")(meta)`. It converts its own user errors (exit 2, one line), so it
behaves the same whether or not the app wraps it in `user_errors`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from keuzewijs.errors import InputFormatError, KeuzewijsError

from .errors import fail


def meta(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: study,treatment_events,treatment_total,control_events,control_total[,group "
            "columns]"
        ),
    ],
    measure: Annotated[str, typer.Option("--measure", help="RR, OR or RD")] = "RR",
    method: Annotated[str, typer.Option("--method", help="FE, MH, DL, REML or PM")] = "REML",
    hksj: Annotated[
        bool, typer.Option("--hksj", help="Hartung-Knapp-Sidik-Jonkman confidence interval")
    ] = False,
    by: Annotated[
        str | None, typer.Option("--by", help="grouping column: subgroup analysis")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    plot: Annotated[
        Path | None, typer.Option("--plot", help="write an SVG forest plot here")
    ] = None,
) -> None:
    """Meta-analysis of 2x2 study data (validated against R's metafor)."""
    try:
        _run(file, measure.upper(), method.upper(), hksj, by, fmt, plot)
    except KeuzewijsError as exc:
        raise fail(exc.one_line()) from None


def _run(
    file: Path, measure: str, method: str, hksj: bool, by: str | None, fmt: str, plot: Path | None
) -> None:
    # The evidence layer (numpy, scipy) is imported here, not at start-up: its own lists of
    # measures and methods are what the options are checked against.
    from keuzewijs.evidence import MEASURES, METHODS, meta_analysis, read_studies, subgroup_analysis

    if measure not in MEASURES:
        raise InputFormatError(
            f"must be one of {', '.join(MEASURES)} (got {measure!r})", path="--measure"
        )
    if method not in METHODS:
        raise InputFormatError(
            f"must be one of {', '.join(METHODS)} (got {method!r})", path="--method"
        )
    if hksj and method == "MH":
        raise InputFormatError("HKSJ applies to FE, DL, REML and PM, not MH", path="--hksj")
    if fmt not in ("text", "json"):
        raise InputFormatError(f"must be text or json (got {fmt!r})", path="--format")
    studies, extra = read_studies(file)
    if by is not None and by not in extra:
        raise InputFormatError(
            f"no such grouping column in {file} (have: {', '.join(extra) or 'none'})", path="--by"
        )
    try:
        # ignored below: measure and method are checked against their Literal by Typer
        overall = meta_analysis(studies, measure, method, hksj=hksj)  # type: ignore[arg-type]
        # ignored below: measure and method are checked against their Literal by Typer
        sub = subgroup_analysis(studies, by, measure, method, hksj=hksj) if by else None  # type: ignore[arg-type]
    except ValueError as exc:
        raise InputFormatError(str(exc), path=str(file)) from None
    if plot is not None:
        from keuzewijs.evidence.plot import forest_plot

        try:
            forest_plot(overall, plot, title=f"{file.stem}: {measure}, {method}")
        except OSError as exc:
            raise InputFormatError(f"cannot write: {exc.strerror}", path=str(plot)) from None
    if fmt == "json":
        doc = {"overall": overall.to_dict()}
        if sub is not None:
            doc["subgroup_analysis"] = sub.to_dict()
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    console = Console(soft_wrap=True)
    _print_result(console, overall, "All studies")
    if sub is not None:
        for name, res in sub.subgroups.items():
            _print_result(console, res, f"{by} = {name}")
        console.print(
            f"[bold]Test for subgroup differences[/bold]: Q = {sub.q_between:.2f}, df = {sub.df}, "
            f"p = {_p(sub.p_value)}"
        )
    if plot is not None:
        console.print(f"forest plot written to {plot}")


def _fmt(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.2f}" if abs(x) >= 0.01 or x == 0 else f"{x:.3g}"


def _p(p: float) -> str:
    return "–" if math.isnan(p) else "<0.0001" if p < 1e-4 else f"{p:.4f}"


# ignored below: res is a pooled or subgroup result (two result classes)
def _print_result(console: Console, res, heading: str) -> None:  # type: ignore[no-untyped-def]
    from keuzewijs.evidence import back_transform

    m = res.measure
    if res.k == 0:
        console.print(f"[bold]{heading}[/bold]: no study carries information about the {m}\n")
        return
    table = Table(title=f"{heading}: {m}, {res.description}", title_justify="left")
    for col in ("study", "treatment", "control", f"{m} [95% CI]", "weight"):
        table.add_column(col, justify="left" if col == "study" else "right")
    for s in res.studies:
        st = s.study
        eff = (
            f"{_fmt(back_transform(m, s.estimate))} [{_fmt(back_transform(m, s.ci[0]))}, "
            f"{_fmt(back_transform(m, s.ci[1]))}]"
            if not math.isnan(s.estimate)
            else "–"
        )
        note = " (excluded)" if s.excluded else " *" if s.corrected else ""
        table.add_row(
            st.name,
            f"{st.treatment_events}/{st.treatment_total}",
            f"{st.control_events}/{st.control_total}",
            eff + note,
            f"{s.weight:.1f}%",
        )
    lo, hi = res.effect_ci
    table.add_row(
        "[bold]pooled[/bold]",
        "",
        "",
        f"[bold]{_fmt(res.effect)} [{_fmt(lo)}, {_fmt(hi)}][/bold]",
        "100%",
    )
    console.print(table)
    h = res.heterogeneity
    console.print(
        f"k = {res.k}; p = {_p(res.p_value)}; tau² = {h.tau2:.4g}; I² = {100 * h.i2:.1f}%; "
        f"H² = {h.h2:.2f}; Q = {h.q:.2f} (df = {h.df}, p = {_p(h.p_value)})"
    )
    if res.effect_pi is not None:
        console.print(
            f"95% prediction interval: {_fmt(res.effect_pi[0])} to {_fmt(res.effect_pi[1])}"
        )
    for note in res.notes:
        console.print(f"note: {note}")
    if any(s.corrected for s in res.studies):
        console.print("* 0.5 added to each cell (zero cell)")
    console.print()
