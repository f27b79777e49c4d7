"""`keuzewijs valuesets expand [--server URL | --omop DIR]`: refresh the committed expansions of
the value sets in `<knowledge>/_common/valuesets/` and report what changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from keuzewijs.packs import get_library, parse_file
from keuzewijs.packs.models import Strict
from keuzewijs.packs.valuesets import dump, load_code_systems, load_valuesets

from .errors import fail, user_errors


class _Systems(Strict):
    """Only the `systems` of fhir-mapping.yaml (the canonical URIs)."""

    model_config = Strict.model_config | {"extra": "ignore"}
    systems: dict[str, str]


app = typer.Typer(help="Value sets (FHIR ValueSet) and their committed expansions.")


@app.command("expand")
@user_errors
def expand(
    server: Annotated[
        str | None, typer.Option("--server", help="FHIR terminology server base URL ($expand)")
    ] = None,
    omop: Annotated[
        Path | None,
        typer.Option("--omop", help="OMOP vocabulary folder (CONCEPT, CONCEPT_ANCESTOR, ...)"),
    ] = None,
    timeout: Annotated[float, typer.Option(help="seconds per $expand request")] = 30.0,
    knowledge: Annotated[Path | None, typer.Option("--knowledge", help="knowledge folder")] = None,
) -> None:
    """Rebuild every expansion: from a terminology server, else an OMOP vocabulary, else from the
    codes listed by hand. Writes the files and prints, per value set, the codes added/removed."""
    import httpx

    from keuzewijs.fhir.expand import OmopVocabulary, expand_all, hand_only, server_expander

    if server and omop:
        raise fail("--server and --omop: give one source")
    library = get_library(knowledge)
    folder = library.root / "_common" / "valuesets"
    valuesets = load_valuesets(folder)
    now = dt.datetime.now(dt.UTC)
    if server:
        with httpx.Client(timeout=timeout) as client:
            new, changes = expand_all(valuesets, server_expander(server, client), now)
    elif omop:
        if not omop.is_dir():
            raise fail(f"--omop: no such folder: {omop}")
        systems = parse_file(library.root / "_common" / "fhir-mapping.yaml", _Systems).systems
        vocab_of = {
            systems[alias]: info.omop_vocabulary
            for alias, info in load_code_systems(library.root / "_common").systems.items()
            if info.omop_vocabulary and alias in systems
        }
        vocabulary = OmopVocabulary(omop, vocab_of)
        new, changes = expand_all(valuesets, vocabulary.expand, now)
    else:
        new, changes = expand_all(valuesets, hand_only, now)
    for vid, vs in new.items():
        (folder / f"{vid}.json").write_text(dump(vs), encoding="utf-8")
    for change in changes:
        print(change.line())
    total = sum(len(c.added) + len(c.removed) for c in changes)
    print(f"{len(new)} value sets expanded, {total} codes changed")


def check_terminology(root: Path, console: Any) -> int:
    """`validate`: every value set has an expansion and its codes a known source; the CDS mapping,
    the orders and the audit refer only to value sets with an expansion (loading them checks
    it); an expansion older than a year is reported (a warning: it still works offline, but
    the terminology has moved on). 0 good, 1 findings."""
    from keuzewijs.audit.mapping import load_mapping
    from keuzewijs.cds.config import load_cds_data
    from keuzewijs.errors import KeuzewijsError
    from keuzewijs.packs.valuesets import problems, stale

    valuesets = load_valuesets(root / "_common" / "valuesets")
    now = dt.datetime.now(dt.UTC)
    found = [f"{vid}: {msg}" for vid, msg in problems(valuesets, now)]
    try:
        load_cds_data(get_library(root))
        load_mapping(root)
    except KeuzewijsError as exc:
        found.append(exc.one_line())
    for line in found:
        console.print(f"[red]✗[/red] value sets: {line}")
    for vid, msg in stale(valuesets, now):
        console.print(
            f"    [yellow]![/yellow] value set {vid}: {msg}; run `keuzewijs valuesets expand`"
        )
    if not found:
        console.print(
            f"[green]✓[/green] value sets: {len(valuesets)}, each with an expansion; the CDS "
            "mapping, the orders and the audit concept sets refer to them"
        )
    return 1 if found else 0
