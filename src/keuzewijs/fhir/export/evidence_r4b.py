"""R4B evidence: Evidence, one per estimate, and Citation, one per source."""

from __future__ import annotations

from typing import Any

from keuzewijs.packs import Pack
from keuzewijs.packs.models import RelativeEstimate

from .common import (
    CERTAINTY,
    PUBLISHER,
    TERMINOLOGY,
    canonical,
    cites,
    concept,
    fid,
    meta,
    sample_size,
)


def _variable(role: str, description: str) -> dict[str, Any]:
    return {
        "variableRole": concept(f"{TERMINOLOGY}/variable-role", role),
        "description": description,
    }


def evidence(pack: Pack, lang: str) -> list[dict[str, Any]]:
    """R4B Evidence, one per estimate."""
    out = []
    for est in pack.evidence.estimates:
        outcome = pack.outcomes[est.outcome]
        variables = [_variable("measuredVariable", outcome.name.get(lang))]
        statistic: dict[str, Any]
        if isinstance(est, RelativeEstimate):
            variables.append(_variable("exposure", pack.options[est.intervention].name.get(lang)))
            variables.append(
                _variable("referenceExposure", pack.options[est.comparator].name.get(lang))
            )
            statistic = {
                "statisticType": {"text": est.measure},
                "quantity": {"value": est.estimate},
                "attributeEstimate": [
                    {
                        "description": "95% CI",
                        "level": 0.95,
                        "range": {"low": {"value": est.ci[0]}, "high": {"value": est.ci[1]}},
                    }
                ],
            }
        else:
            variables.append(_variable("exposure", pack.options[est.option].name.get(lang)))
            # ignored below: without a proportion the model requires events and total
            value = est.proportion if est.proportion is not None else est.events / est.total  # type: ignore[operator]
            statistic = {
                "statisticType": {"text": "proportion"},
                "quantity": {"value": round(value, 6)},
            }
            if est.events is not None:
                statistic["numberOfEvents"] = est.events
        size = sample_size(est)
        if size:
            statistic["sampleSize"] = size
        resource: dict[str, Any] = {
            "resourceType": "Evidence",
            "id": fid(pack.id, est.id),
            "meta": meta("Evidence"),
            "url": canonical("Evidence", f"{pack.id}-{est.id}"),
            "version": pack.meta.version,
            "title": outcome.name.get(lang),
            "status": "active",
            "publisher": PUBLISHER,
            "description": (est.note or outcome.timeframe).get(lang),
            "variableDefinition": variables,
            "statistic": [statistic],
            "relatedArtifact": cites(pack, est.sources, "R4B"),
        }
        if est.certainty is not None:
            resource["certainty"] = [
                {
                    "type": concept(f"{TERMINOLOGY}/certainty-type", "Overall"),
                    "rating": concept(
                        f"{TERMINOLOGY}/certainty-rating", CERTAINTY[est.certainty.value]
                    ),
                }
            ]
        out.append(resource)
    return out


def citations(pack: Pack) -> list[dict[str, Any]]:
    """R4B Citation, one per source."""
    out = []
    for source in pack.sources_file.sources:
        artifact: dict[str, Any] = {"title": [{"text": source.citation}]}
        if source.url:
            artifact["webLocation"] = [{"url": source.url}]
        out.append(
            {
                "resourceType": "Citation",
                "id": fid(pack.id, source.id),
                "meta": meta("Citation"),
                "url": canonical("Citation", f"{pack.id}-{source.id}"),
                "status": "active",
                "publisher": PUBLISHER,
                "title": source.citation[:250],
                "summary": [{"text": source.citation}],
                "citedArtifact": artifact,
            }
        )
    return out
