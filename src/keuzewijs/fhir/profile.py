"""A patient profile as FHIR: a Questionnaire per pack, a QuestionnaireResponse per profile.

This is the representation the generated FHIRPath conditions read (`%profile`). A missing
field is a missing item (FHIRPath: empty = unknown). A known empty set ("none of these") is the
item answered with the exclusive option `none-of-the-above` (SDC extension
questionnaire-optionExclusive), the way a standard form filler writes it: an item without answers
is what form fillers leave out, which would read as unknown.
"""

from __future__ import annotations

from typing import Any

from keuzewijs.packs import Pack
from keuzewijs.packs.models import FieldType, ProfileField

BASE_URL = "https://keuzewijs.nl/fhir"

ANSWER_TYPE = {
    FieldType.integer: ("valueInteger", "integer"),
    FieldType.number: ("valueDecimal", "decimal"),
    FieldType.duration: ("valueDecimal", "decimal"),
    FieldType.boolean: ("valueBoolean", "boolean"),
    FieldType.enum: ("valueCoding", "choice"),
    FieldType.set: ("valueCoding", "choice"),
}


NONE_OF_THE_ABOVE = "none-of-the-above"
OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
NONE_DISPLAY = {"nl": "Geen van deze", "en": "None of these"}


def none_answer(pack: Pack, spec: ProfileField) -> dict[str, Any]:
    return {"valueCoding": {"system": value_system(pack, spec), "code": NONE_OF_THE_ABOVE}}


def questionnaire_url(pack: Pack) -> str:
    return f"{BASE_URL}/Questionnaire/{pack.id}-profile"


def value_system(pack: Pack, spec: ProfileField) -> str:
    return f"{BASE_URL}/CodeSystem/{pack.id}-{spec.name.replace('_', '-')}"


def _answer(pack: Pack, spec: ProfileField, value: Any) -> dict[str, Any]:
    key, _ = ANSWER_TYPE[spec.type]
    if key == "valueCoding":
        return {key: {"system": value_system(pack, spec), "code": value}}
    if key == "valueDecimal":
        return {key: float(value)}
    return {key: value}


def questionnaire_response(pack: Pack, profile: dict[str, Any], lang: str = "nl") -> dict[str, Any]:
    items = []
    for spec in pack.profile.fields:
        if spec.name not in profile or profile[spec.name] is None:
            continue
        value = profile[spec.name]
        values = value if spec.type == FieldType.set else [value]
        item: dict[str, Any] = {"linkId": spec.name, "text": spec.question.get(lang)}
        if values:
            item["answer"] = [_answer(pack, spec, v) for v in values]
        else:  # a known empty set: answered 'none of these', never an item without answers
            item["answer"] = [none_answer(pack, spec)]
        items.append(item)
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": f"{questionnaire_url(pack)}|{pack.meta.version}",
        "item": items,
    }


def questionnaire(pack: Pack, lang: str = "nl") -> dict[str, Any]:
    items = []
    for spec in pack.profile.fields:
        _, qtype = ANSWER_TYPE[spec.type]
        item: dict[str, Any] = {"linkId": spec.name, "text": spec.question.get(lang), "type": qtype}
        if spec.type == FieldType.set:
            item["repeats"] = True
        if spec.values:
            item["answerOption"] = [
                {
                    "valueCoding": {
                        "system": value_system(pack, spec),
                        "code": v.id,
                        "display": v.label.get(lang),
                    }
                }
                for v in spec.values
            ]
            if spec.type == FieldType.set:
                assert NONE_OF_THE_ABOVE not in spec.value_ids(), spec.name
                item["answerOption"].append(
                    {
                        "valueCoding": {
                            "system": value_system(pack, spec),
                            "code": NONE_OF_THE_ABOVE,
                            "display": NONE_DISPLAY.get(lang, NONE_DISPLAY["en"]),
                        },
                        "extension": [{"url": OPTION_EXCLUSIVE, "valueBoolean": True}],
                    }
                )
        items.append(item)
    return {
        "resourceType": "Questionnaire",
        "id": f"{pack.id}-profile",
        "url": questionnaire_url(pack),
        "version": pack.meta.version,
        "name": pack.id.replace("-", "_") + "_profile",
        "title": pack.meta.name.get(lang),
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }
