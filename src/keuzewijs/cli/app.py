"""`keuzewijs` command line: conditions, profile-schema, advise, validate, safety, demo, serve,
meta, export-fhir, audit, synth, decisions purge."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from keuzewijs.errors import InputFormatError
from keuzewijs.limits import DEFAULT as PROFILE_LIMITS
from keuzewijs.packs import get_library

from .errors import user_errors

app = typer.Typer(
    help="keuzewijs: evidence-based shared decision-making. It informs; patient and clinician "
    "decide.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)

KnowledgeOpt = Annotated[
    Path | None,
    typer.Option(
        "--knowledge", help="knowledge folder (default: $KEUZEWIJS_KNOWLEDGE or ./knowledge)"
    ),
]


@app.command()
@user_errors
def conditions(knowledge: KnowledgeOpt = None, lang: Annotated[str, typer.Option()] = "nl") -> None:
    """List the conditions the knowledge base covers."""
    library = get_library(knowledge)
    for pack in library.packs.values():
        console.print(
            f"[bold]{pack.id}[/bold]  {pack.meta.name.get(lang)} — {pack.meta.summary.get(lang)}"
        )


@app.command("profile-schema")
@user_errors
def profile_schema(condition: str, knowledge: KnowledgeOpt = None) -> None:
    """Print the JSON Schema of a condition's patient profile."""
    pack = get_library(knowledge).pack(condition)
    print(json.dumps(pack.profile_model.model_json_schema(), indent=2, ensure_ascii=False))


def _read_profile(source: str) -> Any:
    """A profile file (or stdin) read and parsed within the JSON limits: a deep, huge or
    non-UTF-8 input is one line and exit 2, never a traceback or unbounded memory."""
    name = "stdin" if source == "-" else source
    cap = PROFILE_LIMITS.max_bytes
    try:
        if source == "-":
            raw = sys.stdin.buffer.read(cap + 1)
        else:
            with Path(source).open("rb") as handle:
                raw = handle.read(cap + 1)
    except OSError as exc:
        raise InputFormatError(f"cannot read profile: {exc.strerror}", path=name) from None
    return PROFILE_LIMITS.loads(raw, where=name)


@app.command()
@user_errors
def advise(
    condition: str,
    profile: Annotated[
        str, typer.Option("--profile", help="profile JSON file, or - for standard input")
    ],
    lang: Annotated[str, typer.Option(help="nl or en")] = "nl",
    fmt: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    knowledge: KnowledgeOpt = None,
) -> None:
    """Advice for one patient profile: urgent warnings, recommendations, options with absolute
    risks."""
    from keuzewijs import engine
    from keuzewijs.present.text import print_advice

    if fmt not in ("text", "json"):
        raise InputFormatError(f"must be text or json (got {fmt!r})", path="--format")
    library = get_library(knowledge)
    result = engine.advise(condition, _read_profile(profile), lang, library=library)
    if fmt == "json":
        print(result.model_dump_json(indent=2))
    else:
        print_advice(result, library.ui, console)


@app.command()
@user_errors
def validate(
    path: Annotated[Path | None, typer.Argument(help="knowledge folder or one pack folder")] = None,
    vignettes: Annotated[
        Path | None,
        typer.Option(help="vignette folder (default: tests/vignettes beside the knowledge folder)"),
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="for deployment: a site missing a phone number it needs fails")
    ] = False,
    sites: Annotated[
        Path | None, typer.Option(help="site folder (default: sites/ beside the knowledge folder)")
    ] = None,
) -> None:
    """Check packs: schema, dangling ids, conditions, sources, vignette coverage of every rule."""
    from keuzewijs.validation.report import run_validation

    status = run_validation(path, vignettes, console, strict=strict, sites_dir=sites)
    if path is None or not (path / "pack.yaml").exists():
        from keuzewijs.cli.valuesets import check_terminology
        from keuzewijs.packs import default_root

        root = (path or default_root()).resolve()
        if (root / "_common" / "valuesets").is_dir():
            status = max(status, check_terminology(root, console))
    if status:
        raise typer.Exit(status)


@app.command()
@user_errors
def safety(
    hazards: Annotated[
        Path | None, typer.Option(help="hazard log (default: safety/hazards.yaml of the checkout)")
    ] = None,
    results: Annotated[
        Path, typer.Option(help="results file of the pytest run (pytest --hazard-results)")
    ] = Path("build/safety/test-results.json"),
    out: Annotated[Path, typer.Option(help="folder for hazard-log.md and traceability.md")] = Path(
        "docs/safety"
    ),
    tests: Annotated[
        bool, typer.Option("--tests", help="only print the node ids the log names, one a line")
    ] = False,
) -> None:
    """Check the hazard log against the last test run: every hazard proven by tests that ran and
    passed; write the hazard log and the traceability matrix (issue 18)."""
    from keuzewijs.packs import default_root
    from keuzewijs.validation import hazards as hz

    log = hz.load_log(hazards or default_root().parent / "safety" / "hazards.yaml")
    if tests:
        print("\n".join(hz.named_tests(log)))
        return
    found = hz.load_results(results)
    rows = hz.trace(log, found)
    out.mkdir(parents=True, exist_ok=True)
    (out / "hazard-log.md").write_text(hz.hazard_log_markdown(log), encoding="utf-8")
    (out / "traceability.md").write_text(hz.traceability_markdown(log, rows), encoding="utf-8")
    failing = hz.problems(log, found)
    for line in failing:
        print(f"safety: {line}", file=sys.stderr)
    if failing:
        raise typer.Exit(1)
    proven = sum(1 for r in rows if r.result == "passed")
    console.print(
        f"✓ {len(log.hazards)} hazards, each proven by passing tests ({proven} test links); "
        f"wrote {out / 'hazard-log.md'} and {out / 'traceability.md'}"
    )


@app.command()
@user_errors
def demo(lang: Annotated[str, typer.Option()] = "nl") -> None:
    """Show the advice for the demo patients of every pack (what `make run` shows before the web
    app)."""
    from keuzewijs.engine import advise_pack
    from keuzewijs.present.text import print_advice
    from keuzewijs.validation.vignettes import load_vignettes

    library = get_library()
    for pack in library.packs.values():
        demo_case = next((v for v in load_vignettes(None, pack.id) if v.demo), None)
        if demo_case is None:
            continue
        console.rule(f"{pack.meta.name.get(lang)} — {demo_case.description}")
        print_advice(advise_pack(library, pack, demo_case.profile, lang), library.ui, console)


from keuzewijs.cli.serve import serve  # noqa: E402 - registration block

app.command("serve")(serve)


from keuzewijs.cli.export_fhir import export_fhir  # noqa: E402

app.command("export-fhir")(export_fhir)


from keuzewijs.cli.meta import meta  # noqa: E402

app.command("meta")(meta)


from keuzewijs.cli.audit import audit, synth  # noqa: E402

app.command("audit")(audit)
app.command("synth")(synth)


from keuzewijs.cli.decisions import decisions  # noqa: E402
from keuzewijs.cli.valuesets import app as valuesets_app  # noqa: E402

app.add_typer(decisions, name="decisions")
app.add_typer(valuesets_app, name="valuesets")


def main() -> None:
    app()
