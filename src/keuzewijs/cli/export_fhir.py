"""`keuzewijs export-fhir CONDITION [--out DIR] [--fhir-version R4|R4B] [--decision CODE]`:
the pack (and a stored decision) as FHIR R4 (default) or R4B."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from keuzewijs.packs import get_library

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
    fhir_version: Annotated[
        str, typer.Option("--fhir-version", help="R4 (4.0.1, default) or R4B (4.3.0)")
    ] = "R4",
    lang: Annotated[str, typer.Option(help="nl or en")] = "nl",
    knowledge: Annotated[Path | None, typer.Option("--knowledge", help="knowledge folder")] = None,
) -> None:
    """Write a condition's knowledge as FHIR resources (PlanDefinition with FHIRPath conditions and
    its input Library, ActivityDefinition, Questionnaire, evidence and citations, an
    ImplementationGuide manifest), plus a collection Bundle. R4 by default; --fhir-version R4B."""
    from keuzewijs.errors import InputFormatError
    from keuzewijs.fhir.export import FHIR_VERSIONS, FhirVersion, collection, export_pack

    if lang not in ("nl", "en"):
        raise InputFormatError(f"must be nl or en (got {lang!r})", path="--lang")
    if fhir_version.upper() not in FHIR_VERSIONS:
        raise InputFormatError(
            f"must be {' or '.join(FHIR_VERSIONS)} (got {fhir_version!r})", path="--fhir-version"
        )
    version: FhirVersion = "R4" if fhir_version.upper() == "R4" else "R4B"
    library = get_library(knowledge)
    pack = library.pack(condition)
    resources = export_pack(pack, lang, version)
    folder = out / pack.id
    for resource in resources:
        _write(folder / f"{resource['resourceType']}-{resource['id']}.json", resource)
    _write(folder / "bundle.json", collection(resources, version))
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
        _write(folder / "decision-bundle.json", decision_bundle(library, stored, version))
