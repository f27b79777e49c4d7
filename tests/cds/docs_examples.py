"""docs/cds-hooks.md, generated from the tests' own requests and the service's real answers.

    .venv/bin/python -m tests.cds.docs_examples      # rewrite docs/cds-hooks.md
tests/cds/test_docs.py fails when the file is stale, so the examples stay true.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from keuzewijs.cds.config import load_cds_data
from keuzewijs.cds.terminology import ValueSetRef
from keuzewijs.packs.loader import get_library

from ..conftest import KNOWLEDGE, REPO
from . import requests as rq
from .conftest import make_client

DOC = REPO / "docs" / "cds-hooks.md"
INTRO = Path(__file__).parent / "docs_intro.md"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def _stable(text: str) -> str:
    """Random card/suggestion uuids become fixed ones, in order of appearance (hookInstance kept)."""
    seen: dict[str, str] = {}

    def repl(match: re.Match[str]) -> str:
        value = match.group(0)
        if value == rq.HOOK_INSTANCE:
            return value
        return seen.setdefault(value, f"00000000-0000-4000-8000-{len(seen) + 1:012d}")

    return _UUID.sub(repl, text)


def _json(value: Any) -> str:
    return "```json\n" + json.dumps(value, indent=2, ensure_ascii=False) + "\n```"


def examples(library: Any) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(title, service id, explanation, request body) for every documented exchange."""
    out = [
        (
            "patient-view: a patient with a hip fracture",
            "keuzewijs-patient-view",
            "Active hip-fracture diagnosis in the record: one info card linking to the decision aid, prefilled with the profile the mapping derived (age from birthDate, fracture type from the ICD-10 code, eGFR from LOINC).",
            rq.hip_patient_view(),
        ),
        (
            "patient-view: a red flag after the operation",
            "keuzewijs-patient-view",
            "After a hip replacement the record holds dyspnoea: the pack's red flag fires and becomes a critical card, before the decision-aid card.",
            rq.hip_urgent_patient_view(),
        ),
        (
            "encounter-discharge after a hip-fracture operation",
            "keuzewijs-encounter-discharge",
            "The operation is in the record, so the pack's 'operated' definition holds: an info card with the alarm signs (the pack's red flags about contacting the care team) and a link to the printable version.",
            rq.hip_discharge(),
        ),
    ]
    if "lumbar-disc-herniation" in library.packs:  # the order examples need the lumbar pack's rules
        out += rq.doc_examples()
    return out


def render() -> str:
    library = get_library(KNOWLEDGE)
    data = load_cds_data(library)
    client = make_client(library)
    parts = [
        INTRO.read_text(encoding="utf-8").rstrip(),
        "",
        "## Mapping from FHIR to the profile",
        "",
    ]
    parts.append(
        "Generated from `knowledge/_common/fhir-mapping.yaml`. Systems: "
        + ", ".join(f"`{k}` = {v}" for k, v in data.mapping.systems.items())
        + "."
    )
    parts.append("")
    parts.append(
        "| condition | profile field | from | codes (system: code display [source]) | value |"
    )
    parts.append("| --- | --- | --- | --- | --- |")
    terms = data.terminology

    def listing(codes) -> str:
        out = []
        for item in codes:
            if isinstance(item, ValueSetRef):
                out.append(f"value set `{item.valueset}`")
            else:
                family = " (family)" if item.match == "prefix" else ""
                out.append(f"{item.system}: {item.code}{family} {item.display} [{item.source}]")
        return "; ".join(out)

    for cond, cmap in data.mapping.conditions.items():
        diag = listing(cmap.diagnosis)
        parts.append(
            f"| {cond} | *(has the condition)* | Condition / order reasonCode | {diag} | |"
        )
        for fm in cmap.fields:
            codes = listing(fm.codes) or "birthDate"
            value = (
                fm.value.kind
                + (f" = {fm.value.value}" if fm.value.value is not None else "")
                + (f" ({fm.value.unit})" if fm.value.unit else "")
            )
            if fm.absent is False:
                value += "; absent = false"
            if fm.max_age is not None:
                value += (
                    f"; at most {fm.max_age.value:g} {fm.max_age.unit} old ({fm.max_age.basis})"
                )
            parts.append(f"| {cond} | `{fm.field}` | {fm.resource} | {codes} | {value} |")
    parts += ["", "### Value sets (`knowledge/_common/valuesets/`)", ""]
    parts += ["| value set | includes | codes |", "| --- | --- | --- |"]
    for vid, vs in terms.valuesets.items():
        parts.append(f"| `{vid}` {vs.title} | {', '.join(vs.include)} | {listing(vs.codes)} |")
    parts += ["", "System aliases and OIDs (`valuesets/code-systems.yaml`):", ""] + [
        f"- `{k}`: {', '.join(info.aliases) or '-'}; codes normalised: {info.normalise}"
        + (f"; uses the codes of `{info.same_codes_as}`" if info.same_codes_as else "")
        for k, info in terms.systems.items()
    ]
    parts += ["", "Sources of the codes:", ""] + [
        f"- `{k}`: {v}" for k, v in data.mapping.sources.items()
    ]
    parts += ["", "## Orders the order hooks rate", ""]
    if data.cds.orders:
        parts += ["| order codes | condition | pack action | hooks |", "| --- | --- | --- | --- |"]
        for o in data.cds.orders:
            codes = listing(o.codes)
            parts.append(f"| {codes} | {o.condition} | `{o.action}` | {', '.join(o.hooks)} |")
    else:
        parts.append("*(none configured)*")
    parts += [
        "",
        "## Discovery",
        "",
        "`GET /cds-services`",
        "",
        _json(client.get("/cds-services").json()),
    ]
    for title, service, why, body in examples(library):
        response = client.post(f"/cds-services/{service}", json=body)
        assert response.status_code == 200, response.text
        parts += [
            "",
            f"## {title}",
            "",
            why,
            "",
            f"`POST /cds-services/{service}` (with `Authorization: Bearer <JWT>`)",
            "",
            _json(body),
            "",
            f"Response `{response.status_code}`:",
            "",
            _json(response.json()),
        ]
    card = client.post("/cds-services/keuzewijs-patient-view", json=rq.hip_patient_view()).json()[
        "cards"
    ][0]["uuid"]
    feedback = {
        "feedback": [
            {"card": card, "outcome": "accepted", "outcomeTimestamp": "2026-11-22T10:05:00Z"}
        ]
    }
    response = client.post("/cds-services/keuzewijs-patient-view/feedback", json=feedback)
    parts += [
        "",
        "## Feedback",
        "",
        "`POST /cds-services/keuzewijs-patient-view/feedback`",
        "",
        _json(feedback),
        "",
        f"Response `{response.status_code}` (empty body); stored in table `cds_feedback`.",
    ]
    bad = rq.hip_patient_view()
    del bad["context"]["patientId"]
    response = client.post("/cds-services/keuzewijs-patient-view", json=bad)
    parts += [
        "",
        "## A malformed request",
        "",
        "The same request without `context.patientId`:",
        "",
        f"Response `{response.status_code}` `{response.headers['content-type']}`:",
        "",
        _json(response.json()),
    ]
    response = client.post(
        "/cds-services/keuzewijs-patient-view", json=rq.without_prefetch(rq.hip_patient_view())
    )
    parts += [
        "",
        "## Data that cannot be had",
        "",
        "The same request without `prefetch` and without `fhirServer`:",
        "",
        f"Response `{response.status_code}`:",
        "",
        _json(response.json()),
    ]
    return _stable("\n".join(parts)) + "\n"


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
    print(DOC)
