"""A stored decision as a FHIR Bundle: the summary as a DocumentReference, the profile as a
QuestionnaireResponse (the representation the PlanDefinition's FHIRPath conditions read, the
`profile` parameter of the pack's logic Library).

R4 (default) is plain JSON checked by tests/fhir against the official R4 schema; R4B goes through
the fhir.resources R4B models. The decision's code is a secret (it opens the record) and is never
exported.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

from keuzewijs.cds.config import load_cds_data
from keuzewijs.packs import Library, Pack
from keuzewijs.store.repository import StoredDecision

from .export.common import CORE, FhirVersion
from .profile import questionnaire_response
from .validate import validated


def summary_markdown(library: Library, decision: StoredDecision) -> str:
    lang, advice, ui = decision.lang, decision.advice, library.ui
    texts = load_cds_data(library).cds

    def t(key: str, **kw: Any) -> str:
        return texts.text(key, lang, **kw)

    lines = [
        f"# {t('export.title', condition=advice['condition_name'])}",
        "",
        f"{t('export.knowledge')}: {decision.knowledge_version}",
    ]
    if advice.get("urgent"):
        lines += ["", f"## {ui['heading.urgent'].get(lang)}"] + [
            f"- {u['message']} {u['action']}" for u in advice["urgent"]
        ]
    if advice.get("recommendations"):
        lines += ["", f"## {ui['heading.recommendations'].get(lang)}"] + [
            f"- {r['text']}" for r in advice["recommendations"]
        ]
    if advice.get("later"):  # issue 18: what the urgent step folded, after it, as on the page
        lines += ["", f"## {ui['heading.later'].get(lang)}"] + [
            f"- {r['text']}" for r in advice["later"]
        ]
    names = {o["id"]: o["name"] for o in (*advice.get("options", []), *advice.get("actions", []))}
    if decision.chosen_option:
        lines += [
            "",
            f"## {t('export.chosen')}",
            f"- {names.get(decision.chosen_option, decision.chosen_option)}",
        ]
    if decision.weights:
        lines += ["", f"## {t('export.priorities')}"] + [
            f"- {k}: {v}" for k, v in sorted(decision.weights.items())
        ]
    lines += ["", advice.get("disclaimer", "")]
    return "\n".join(lines).strip() + "\n"


def _as_is(resource: dict[str, Any]) -> dict[str, Any]:
    return resource


def answers_response(pack: Pack, answers: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """What the pages asked beside the profile, as a QuestionnaireResponse: the SURE test
    (`sure.<item>`, yes = true) and the values statements (`statement.<id>`, agreed = true)."""
    statements = {s.id: s.text.get(lang) for s in pack.meta.values_statements}
    items: list[dict[str, Any]] = [
        {"linkId": f"sure.{item}", "answer": [{"valueBoolean": bool(value)}]}
        for item, value in (answers.get("sure") or {}).items()
    ]
    items += [
        {
            "linkId": f"statement.{sid}",
            **({"text": statements[sid]} if sid in statements else {}),
            "answer": [{"valueBoolean": said == "yes"}],
        }
        for sid, said in (answers.get("statements") or {}).items()
    ]
    if not items:
        return None
    return {"resourceType": "QuestionnaireResponse", "status": "completed", "item": items}


def decision_bundle(
    library: Library, decision: StoredDecision, version: FhirVersion = "R4"
) -> dict[str, Any]:
    check = validated if version == "R4B" else _as_is
    pack = library.pack(decision.condition)
    created = decision.created_at.astimezone(dt.UTC).isoformat()
    qr_id, doc_id = str(uuid.uuid4()), str(uuid.uuid4())
    qr = questionnaire_response(pack, decision.profile, decision.lang)
    qr.update(id=qr_id, meta={"profile": [CORE + "QuestionnaireResponse"]}, authored=created)
    text = summary_markdown(library, decision)
    related = [{"reference": f"urn:uuid:{qr_id}"}]
    doc: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": doc_id,
        "meta": {"profile": [CORE + "DocumentReference"]},
        "status": "current",
        "docStatus": "final",
        "type": {
            "text": load_cds_data(library).cds.text(
                "export.title", decision.lang, condition=pack.meta.name.get(decision.lang)
            )
        },
        "date": created,
        "description": decision.knowledge_version,
        "content": [
            {
                "attachment": {
                    "contentType": "text/markdown; charset=utf-8",
                    "language": decision.lang,
                    "data": base64.b64encode(text.encode()).decode(),
                    "title": pack.meta.name.get(decision.lang),
                    "creation": created,
                }
            }
        ],
        "context": {"related": related},
    }
    extra = []
    asked = answers_response(pack, decision.answers or {}, decision.lang)
    if asked is not None:
        asked_id = str(uuid.uuid4())
        asked.update(
            id=asked_id, meta={"profile": [CORE + "QuestionnaireResponse"]}, authored=created
        )
        related.append({"reference": f"urn:uuid:{asked_id}"})
        extra.append({"fullUrl": f"urn:uuid:{asked_id}", "resource": check(asked)})
    entries = [
        {"fullUrl": f"urn:uuid:{doc_id}", "resource": check(doc)},
        {"fullUrl": f"urn:uuid:{qr_id}", "resource": check(qr)},
        *extra,
    ]
    return check(
        {
            "resourceType": "Bundle",
            "meta": {"profile": [CORE + "Bundle"]},
            "type": "collection",
            "timestamp": created,
            "entry": entries,
        }
    )
