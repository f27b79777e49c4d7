"""`keuzewijs audit DATA` and `keuzewijs synth`: the population audit of the packs' wise choices.

Heavy libraries (ibis, duckdb, pyspark, numpy, matplotlib) are imported inside the functions so
the CLI's cold start stays fast. User errors become one line and exit code 2.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from keuzewijs.errors import InputFormatError, KeuzewijsError
from keuzewijs.packs import Library, get_library

from .errors import fail

console = Console(soft_wrap=True)
BY = ("provider", "period")


def audit(
    data: Annotated[
        str,
        typer.Argument(
            help="folder of OMOP tables (Parquet or CSV), or postgresql://... with --backend "
            "postgres"
        ),
    ],
    backend: Annotated[str, typer.Option("--backend", help="duckdb, spark or postgres")] = "duckdb",
    by: Annotated[
        list[str] | None, typer.Option("--by", help="provider or period (repeatable)")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="write the HTML report here")] = None,
    results: Annotated[
        Path | None,
        typer.Option(
            "--results", help="stem for results .csv and .parquet (default: next to --out)"
        ),
    ] = None,
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", help="only this indicator id (repeatable)")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help=(
                "extraction date (YYYY-MM-DD); later dates are set aside as future "
                "(default: the manifest's, cdm_source.source_release_date, or today)"
            ),
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="nl or en")] = "en",
    memory_limit: Annotated[
        str, typer.Option("--memory-limit", help="DuckDB/Spark memory, e.g. 3GB")
    ] = "3GB",
    knowledge: Annotated[Path | None, typer.Option("--knowledge", help="knowledge folder")] = None,
) -> None:
    """Per indicator: numerator, denominator and rate with 95% Wilson CI; HTML report with funnel
    plots."""
    try:
        _audit(
            data, backend, by or [], out, results, indicator, as_of, lang, memory_limit, knowledge
        )
    except KeuzewijsError as exc:
        raise fail(exc.one_line()) from None


def _as_of(value: str | None, folder: Path | None) -> dt.date | None:
    if value is not None:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise InputFormatError(
                f"must be a date YYYY-MM-DD (got {value!r})", path="--as-of"
            ) from None
    manifest = folder / "manifest.json" if folder else None
    if manifest and manifest.exists():
        return dt.date.fromisoformat(json.loads(manifest.read_text(encoding="utf-8"))["as_of"])
    return None  # cdm_source.source_release_date when the data have it, else today (run.load)


def _check_options(data: str, backend: str, by: list[str], lang: str) -> bool:
    """Refuse a bad --by, --lang or a DATA that does not fit the backend; True: DATA is a URL."""
    for b in by:
        if b not in BY:
            raise InputFormatError(f"must be one of {', '.join(BY)} (got {b!r})", path="--by")
    if lang not in ("nl", "en"):
        raise InputFormatError(f"must be nl or en (got {lang!r})", path="--lang")
    is_url = data.startswith(("postgresql://", "postgres://"))
    if is_url != (backend == "postgres"):
        raise InputFormatError(
            "--backend postgres takes postgresql://user@host/db; duckdb and spark take a folder",
            path="DATA",
        )
    return is_url


def _check_indicators(library: Library, only: list[str] | None) -> None:
    known = [i.id for p in library.packs.values() for i in p.indicators]
    for ind in only or []:
        if ind not in known:
            raise InputFormatError(
                f"unknown indicator '{ind}'; known: {', '.join(known)}", path="--indicator"
            )


def _audit(
    data: str,
    backend: str,
    by: list[str],
    out: Path | None,
    results: Path | None,
    only: list[str] | None,
    as_of: str | None,
    lang: str,
    memory_limit: str,
    knowledge: Path | None,
) -> None:
    from rich.progress import Progress

    from keuzewijs.audit.backends import connect
    from keuzewijs.audit.mapping import load_mapping
    from keuzewijs.audit.report import write_report
    from keuzewijs.audit.run import load, run_audit

    is_url = _check_options(data, backend, by, lang)
    folder = None if is_url else Path(data)
    library = get_library(knowledge)
    _check_indicators(library, only)
    mapping = load_mapping(library)
    extracted = _as_of(as_of, folder)
    total = sum(
        len(i.variant_ids())
        for p in library.packs.values()
        for i in p.indicators
        if not only or i.id in only
    )
    with (
        connect(backend, url=data if is_url else None, memory_limit=memory_limit) as con,
        Progress(console=console, transient=True) as bar,
    ):
        task = bar.add_task("audit", total=total + 1)
        omop = load(con, folder, extracted)
        bar.advance(task)
        result = run_audit(
            con, omop, library, mapping, by=by, only=only, step=lambda _: bar.advance(task)
        )
    _print(result, lang, library)
    synthetic = bool(folder and (folder / "manifest.json").exists())
    if out is not None:
        write_report(out, result, library, data, lang, synthetic)
        console.print(f"report: {out}")
    stem = results or (out.with_suffix("") if out else None)
    if stem is not None:
        for path in result.write(str(stem) + ("" if results else "-results")):
            console.print(f"results: {path}")


def _print(result, lang: str, library) -> None:
    from rich.table import Table

    from keuzewijs.audit.report import texts

    t = texts(library)
    w = lambda key: t[key].get(lang)  # noqa: E731
    table = Table(show_lines=False)
    for head in (
        w("indicator"),
        w("variant"),
        w("numerator"),
        w("denominator"),
        w("rate"),
        w("ci"),
        w("undetermined"),
    ):
        table.add_column(
            head, justify="left" if head in (w("indicator"), w("variant")) else "right"
        )
    for r in result.overall():
        pct = "–" if r.rate is None else f"{100 * r.rate:.1f}%"
        ci = "–" if r.ci_low is None else f"{100 * r.ci_low:.1f}–{100 * r.ci_high:.1f}%"
        table.add_row(
            r.indicator,
            r.variant,
            f"{r.numerator:,}",
            f"{r.denominator:,}",
            pct,
            ci,
            f"{r.undetermined:,}",
        )
    # A table of numbers is unreadable when squeezed: at least 110 columns, even in a pipe.
    wide = Console(width=max(console.width, 110))
    wide.print(table)
    wide.print(f"{w('concept_sets')}. {w('vocabulary')}: {w(f'vocabulary.{result.vocabulary}')}")
    sets = Table()
    for head in (w("concept_set"), w("persons"), w("events"), w("concepts")):
        sets.add_column(head, justify="left" if head == w("concept_set") else "right")
    for c in result.concept_sets:
        sets.add_row(
            c.name,
            f"{c.persons:,}",
            f"{c.events:,}",
            "-" if c.concepts is None else f"{c.concepts:,}",
        )
    wide.print(sets)
    read = sum(result.rows_read.values())
    aside = sum(r["rows"] for r in result.set_aside)
    parts = ", ".join(f"{r['table']}/{r['reason']}: {r['rows']:,}" for r in result.set_aside)
    console.print(
        f"{w('rows_read')}: {read:,}; {w('set_aside.total')}: {aside:,}"
        + (f" ({parts})" if parts else "")
    )
    # Loud, on stderr: an indicator without a single eligible patient usually means the concept
    # sets do not fit the data's coding, not that care was flawless.
    errors = Console(stderr=True, soft_wrap=True)
    for warning in result.warnings:
        errors.print(f"[bold red]{w('warning')}:[/] {warning.text(t, lang)}", highlight=False)


def synth(
    patients: Annotated[
        int, typer.Option("--patients", min=1, help="number of synthetic patients")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="folder to write the OMOP tables (Parquet) to")
    ],
    seed: Annotated[int, typer.Option("--seed", help="random seed (same seed, same data)")] = 0,
    background: Annotated[
        float,
        typer.Option(
            "--events-per-patient",
            min=0,
            help="mean number of ordinary background events per patient",
        ),
    ] = 8.0,
    truth: Annotated[
        bool,
        typer.Option(
            "--truth/--no-truth", help="compute the planted truth with the engine (manifest.json)"
        ),
    ] = True,
    knowledge: Annotated[Path | None, typer.Option("--knowledge", help="knowledge folder")] = None,
) -> None:
    """Write SYNTHETIC OMOP CDM data (labelled as such) with a known, planted share of low-value
    care."""
    try:
        _synth(patients, out, seed, background, truth, knowledge)
    except KeuzewijsError as exc:
        raise fail(exc.one_line()) from None


def _synth(
    patients: int, out: Path, seed: int, background: float, truth: bool, knowledge: Path | None
) -> None:
    from rich.progress import Progress

    from keuzewijs.audit.mapping import load_mapping
    from keuzewijs.audit.synth import DOMAIN_TABLE, generate

    if out.exists() and any(out.iterdir()):
        raise InputFormatError("folder exists and is not empty; choose a new folder", path="--out")
    library = get_library(knowledge)
    out.mkdir(parents=True, exist_ok=True)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("synth", total=patients)
        result = generate(
            library,
            load_mapping(library),
            patients,
            out,
            seed=seed,
            background=background,
            with_truth=truth,
            progress=lambda n: bar.advance(task, n),
        )
    rows = sum(result.rows[t] for t in DOMAIN_TABLE.values())
    console.print(
        f"SYNTHETIC data: {patients:,} patients, {rows:,} event rows -> {out} (see README.md, "
        f"manifest.json)"
    )
