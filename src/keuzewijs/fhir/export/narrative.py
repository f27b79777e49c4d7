"""A generated narrative (`text`, dom-6) for every exported resource: its title, its description
and, for a ValueSet, its definition and expansion, as XHTML a person can read in any viewer."""

from __future__ import annotations

from html import escape
from typing import Any

XHTML = "http://www.w3.org/1999/xhtml"
LIST_MAX = 50  # codes shown in a ValueSet narrative; the full list is in the resource


def with_narrative(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource with `text` (status `generated`) unless it has one."""
    if "text" in resource or resource.get("resourceType") == "Bundle":
        return resource
    parts = [f"<p><b>{escape(_title(resource))}</b></p>"]
    description = resource.get("description")
    if isinstance(description, str) and description:
        parts.append(f"<p>{escape(description)}</p>")
    if resource.get("resourceType") == "ValueSet":
        parts += _valueset(resource)
    div = f'<div xmlns="{XHTML}">{"".join(parts)}</div>'
    return {**resource, "text": {"status": "generated", "div": div}}


def _title(resource: dict[str, Any]) -> str:
    return str(
        resource.get("title")
        or resource.get("name")
        or f"{resource['resourceType']} {resource['id']}"
    )


def _valueset(vs: dict[str, Any]) -> list[str]:
    rules = []
    for inc in vs.get("compose", {}).get("include", []):
        system = inc.get("system", "")
        for f in inc.get("filter", []):
            rules.append(f"{system}: {f['property']} {f['op']} {f['value']}")
        for c in inc.get("concept", []):
            rules.append(f"{system}: {c['code']} {c.get('display', '')}")
        for other in inc.get("valueSet", []):
            rules.append(f"value set {other}")
    out = ["<p>Definition:</p><ul>"] + [f"<li>{escape(r)}</li>" for r in rules] + ["</ul>"]
    expansion = vs.get("expansion")
    if expansion:
        contains = expansion.get("contains", [])
        out.append(
            f"<p>Expansion of {escape(str(expansion.get('timestamp', '')))}: "
            f"{len(contains)} codes</p><ul>"
        )
        out += [
            f"<li>{escape(c['system'])} {escape(c['code'])} {escape(c.get('display', ''))}</li>"
            for c in contains[:LIST_MAX]
        ]
        out.append("</ul>")
    return out
