"""A checker of CDS Hooks responses, written from the CDS Hooks 2.0.1 text (HL7/cds-hooks, tag
v2.0.1, input/pagecontent/index.md: 'Card Attributes', 'Source', 'Suggestion', 'Action', 'Link',
'System Action', 'Coding', 'Extensions'). It shares no code with the service, so a bug in the
service's own models cannot hide here. `tests/cds/conftest.py` runs it on every hook response the
tests receive.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

CARD_KEYS = {
    "uuid",
    "summary",
    "detail",
    "indicator",
    "source",
    "suggestions",
    "selectionBehavior",
    "overrideReasons",
    "links",
    "extension",
}
INDICATORS = {"info", "warning", "critical"}
SELECTION = {"at-most-one", "any"}
ACTION_TYPES = {"create", "update", "delete"}
LINK_TYPES = {"absolute", "smart"}
# 'such as reverse-domain-name notation': at least two dot-separated labels before the name.
NAMESPACED = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\.[A-Za-z0-9._-]+$")
RELATIVE_REF = re.compile(r"^[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")


def _absolute(url: Any) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _string(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _coding(c: Any, where: str, display_required: bool) -> list[str]:
    out = []
    if not isinstance(c, dict):
        return [f"{where}: a Coding is an object"]
    if not _string(c.get("code")):
        out.append(f"{where}.code: required string")
    if not _string(c.get("system")):
        out.append(f"{where}.system: required string")
    if display_required and not _string(c.get("display")):
        out.append(f"{where}.display: required for override reasons")
    return out


def _extension(ext: Any, where: str) -> list[str]:
    if not isinstance(ext, dict):
        return [f"{where}: the value of an extension is a JSON object"]
    return [f"{where}.{k}: key not namespaced" for k in ext if not NAMESPACED.match(k)]


def check_action(a: Any, where: str, *, system: bool = False) -> list[str]:
    if not isinstance(a, dict):
        return [f"{where}: an Action is an object"]
    out = []
    if a.get("type") not in ACTION_TYPES:
        out.append(f"{where}.type: one of {sorted(ACTION_TYPES)}")
    if not system and not _string(a.get("description")):
        out.append(f"{where}.description: required string")
    if "description" in a and not isinstance(a["description"], str):
        out.append(f"{where}.description: a string")
    resource = a.get("resource")
    if a.get("type") in ("create", "update") and not (
        isinstance(resource, dict) and _string(resource.get("resourceType"))
    ):
        out.append(f"{where}.resource: a FHIR resource for {a.get('type')}")
    if "resourceId" in a:
        rid = a["resourceId"]
        if not isinstance(rid, str):
            out.append(f"{where}.resourceId: a string (got {type(rid).__name__})")
        elif not RELATIVE_REF.match(rid):
            out.append(f"{where}.resourceId: a relative reference like 'ServiceRequest/1'")
    if a.get("type") == "delete" and "resourceId" not in a:
        out.append(f"{where}.resourceId: should be given for delete")
    return out


def check_card(card: Any, where: str = "card") -> list[str]:
    if not isinstance(card, dict):
        return [f"{where}: a Card is an object"]
    out = [f"{where}.{k}: not a Card attribute" for k in card if k not in CARD_KEYS]
    summary = card.get("summary")
    if not _string(summary):
        out.append(f"{where}.summary: required string")
    elif len(summary) >= 140:
        out.append(f"{where}.summary: must be <140 characters (has {len(summary)})")
    if card.get("indicator") not in INDICATORS:
        out.append(f"{where}.indicator: one of {sorted(INDICATORS)}")
    if "uuid" in card and not _string(card["uuid"]):
        out.append(f"{where}.uuid: a string")
    if "detail" in card and not isinstance(card["detail"], str):
        out.append(f"{where}.detail: markdown string")
    source = card.get("source")
    if not isinstance(source, dict) or not _string(source.get("label")):
        out.append(f"{where}.source.label: required string")
    else:
        for key in ("url", "icon"):
            if key in source and not _absolute(source[key]):
                out.append(f"{where}.source.{key}: an absolute URL")
        if "topic" in source:
            out += _coding(source["topic"], f"{where}.source.topic", display_required=False)
    suggestions = card.get("suggestions")
    if suggestions is not None:
        if not isinstance(suggestions, list):
            out.append(f"{where}.suggestions: an array")
            suggestions = []
        if card.get("selectionBehavior") not in SELECTION:
            out.append(f"{where}.selectionBehavior: required with suggestions, {sorted(SELECTION)}")
        recommended = 0
        for i, s in enumerate(suggestions):
            sw = f"{where}.suggestions[{i}]"
            if not isinstance(s, dict) or not _string(s.get("label")):
                out.append(f"{sw}.label: required string")
                continue
            if "isRecommended" in s:
                if not isinstance(s["isRecommended"], bool):
                    out.append(f"{sw}.isRecommended: a boolean")
                recommended += s["isRecommended"] is True
            for j, a in enumerate(s.get("actions") or []):
                out += check_action(a, f"{sw}.actions[{j}]")
        if recommended > 1 and card.get("selectionBehavior") != "any":
            out.append(f"{where}: several recommended suggestions need selectionBehavior 'any'")
    elif "selectionBehavior" in card and card["selectionBehavior"] not in SELECTION:
        out.append(f"{where}.selectionBehavior: one of {sorted(SELECTION)}")
    for i, reason in enumerate(card.get("overrideReasons") or []):
        out += _coding(reason, f"{where}.overrideReasons[{i}]", display_required=True)
    for i, link in enumerate(card.get("links") or []):
        lw = f"{where}.links[{i}]"
        if not isinstance(link, dict):
            out.append(f"{lw}: a Link is an object")
            continue
        if not _string(link.get("label")):
            out.append(f"{lw}.label: required string")
        if link.get("type") not in LINK_TYPES:
            out.append(f"{lw}.type: one of {sorted(LINK_TYPES)}")
        if link.get("type") == "absolute" and not _absolute(link.get("url")):
            out.append(f"{lw}.url: an absolute URL")
        if "appContext" in link and link.get("type") != "smart":
            out.append(f"{lw}.appContext: only for smart links")
    if "extension" in card:
        out += _extension(card["extension"], f"{where}.extension")
    return out


def check_response(body: Any) -> list[str]:
    """Every rule broken by a CDS service response (an empty list when it follows them)."""
    if not isinstance(body, dict) or not isinstance(body.get("cards"), list):
        return ["response: an object with a 'cards' array"]
    out = []
    for i, card in enumerate(body["cards"]):
        out += check_card(card, f"cards[{i}]")
    for i, action in enumerate(body.get("systemActions") or []):
        out += check_action(action, f"systemActions[{i}]", system=True)
    return out
