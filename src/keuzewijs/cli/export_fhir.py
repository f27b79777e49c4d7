"""`keuzewijs export-fhir CONDITION [--out DIR] [--decision CODE]`: the pack (and a stored decision)
as FHIR."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from keuzewijs.packs.loader import get_library

from .errors import user_errors


def _write(path: Path, resource: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(resource, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(path)


@user_errors
def export_fhir(
    condition: str,
    out: Annotated[Path, typer.Option("--out", help="folder to write into")] = Path("build/fhir"),
    decision: Annotated[
        str | None,
        typer.Option("--decision", help="also export this stored decision (its code) as a Bundle"),
    ] = None,
    lang: Annotated[str, typer.Option(help="nl or en")] = "nl",
    knowledge: Annotated[Path | None, typer.Option("--knowledge", help="knowledge folder")] = None,
) -> None:
    """Write a condition's knowledge as FHIR R4B resources (PlanDefinition with FHIRPath conditions,
    ActivityDefinition, Evidence, Citation, Questionnaire), each validated, plus a collection
    Bundle."""
    from keuzewijs.errors import InputFormatError
    from keuzewijs.fhir.export import collection, export_pack

    if lang not in ("nl", "en"):
        raise InputFormatError(f"must be nl or en (got {lang!r})", path="--lang")
    library = get_library(knowledge)
    pack = library.pack(condition)
    resources = export_pack(pack, lang)
    folder = out / pack.id
    for resource in resources:
        _write(folder / f"{resource['resourceType']}-{resource['id']}.json", resource)
    _write(folder / "bundle.json", collection(resources))
    if decision is not None:
        from keuzewijs.fhir.decision import decision_bundle
        from keuzewijs.settings import load_settings
        from keuzewijs.store.db import make_engine, session_factory
        from keuzewijs.store.repository import DecisionStore

        stored = DecisionStore(session_factory(make_engine(load_settings()))).get(decision)
        if stored.condition != pack.id:
            raise InputFormatError(
                f"this decision is about '{stored.condition}', not '{pack.id}'", path="--decision"
            )
        _write(folder / "decision-bundle.json", decision_bundle(library, stored))
