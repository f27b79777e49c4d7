"""The value sets a pack's CDS mapping and order codes use (knowledge/_common/valuesets/), as
exported FHIR ValueSet resources: the same files the CDS service and the audit read."""

from __future__ import annotations

import json
from typing import Any

from keuzewijs.packs import Pack, read_yaml
from keuzewijs.packs.valuesets import dump, load_valuesets

from .common import PUBLISHER, meta


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        out = {node["valueset"]} if isinstance(node.get("valueset"), str) else set()
        for value in node.values():
            out |= _refs(value)
        return out
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


def pack_valuesets(pack: Pack) -> list[dict[str, Any]]:
    common = pack.root.parent / "_common"
    folder = common / "valuesets"
    if not folder.is_dir():
        return []
    mapping = read_yaml(common / "fhir-mapping.yaml") or {}
    cds = read_yaml(common / "cds.yaml") or {}
    wanted = _refs((mapping.get("conditions") or {}).get(pack.id))
    wanted |= _refs([o for o in cds.get("orders") or [] if o.get("condition") == pack.id])
    valuesets = load_valuesets(folder)
    todo, seen = sorted(wanted), set()
    while todo:
        vid = todo.pop()
        if vid in seen or vid not in valuesets:
            continue
        seen.add(vid)
        todo += valuesets[vid].includes()
    out = []
    for vid in sorted(seen):
        resource = json.loads(dump(valuesets[vid]))
        # the file is the definition; the export adds what a shared FHIR artefact carries
        out.append(
            {
                "resourceType": "ValueSet",
                "id": resource.pop("id"),
                "meta": meta("ValueSet"),
                **{k: v for k, v in resource.items() if k != "resourceType"},
                "experimental": False,
                "publisher": PUBLISHER,
            }
        )
    return out
