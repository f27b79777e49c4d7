"""Appropriateness of a draft order from the engine's advice (Argonaut 'CDS Hooks for PAMA').

not-appropriate    a recommendation *against* the ordered action applies (red flags already
                   suppress those)
appropriate        a red flag urges the action, or a recommendation *for* it fired, and nothing
                   against applies
no-criteria-apply  no rule about the action applies
None               a rule against the action cannot be decided yet: no rating (the guide says to
                   give none); when a rule against it is *provisional* (it applies unless an
                   exception nobody answered holds), the rating it would have, `assumed`, is
                   stated on the card for that assumption, never sent as the order's rating
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from keuzewijs.engine.contract import Advice, Recommendation
from keuzewijs.packs import Pack

from .settings import CdsSettings
from .shapes import Action

PamaRating = Literal["appropriate", "not-appropriate", "no-criteria-apply"]
PAMA_SYSTEM = "http://fhir.org/argonaut/CodeSystem/pama-rating"
PAMA_RATING = "http://fhir.org/argonaut/Extension/pama-rating"
PAMA_CONSULT_ID = "http://fhir.org/argonaut/Extension/pama-rating-consult-id"
PAMA_QCDSM = "http://fhir.org/argonaut/Extension/pama-rating-qcdsm-consulted"
PAMA_AUC = "http://fhir.org/argonaut/Extension/pama-rating-auc-applied"


@dataclass
class OrderRating:
    rating: PamaRating | None
    against: list[Recommendation] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)  # rule ids that need more data
    provisional: list[Recommendation] = field(default_factory=list)  # against, unless ... open
    assumed: PamaRating | None = None  # the rating if none of the open exceptions holds


def rate(pack: Pack, advice: Advice, action: str) -> OrderRating:
    concerning = [
        r for r in advice.recommendations if r.about == action and r.direction == "against"
    ]
    against = [r for r in concerning if r.status == "applies"]
    if against:
        return OrderRating("not-appropriate", against=against)
    if any(u.about == action for u in advice.urgent):
        return OrderRating("appropriate")
    provisional = [r for r in concerning if r.status == "provisional"]
    if provisional:
        return OrderRating(None, provisional=provisional, assumed="not-appropriate")
    undecided = _undecided_against(pack, advice, action)
    if undecided:
        return OrderRating(None, undecided=undecided)
    if any(r.about == action and r.direction == "for" for r in advice.recommendations):
        return OrderRating("appropriate")
    return OrderRating("no-criteria-apply")


def _undecided_against(pack: Pack, advice: Advice, action: str) -> list[str]:
    """The recommendations against the action that cannot be decided yet (more data needed)."""
    about = {r.id: r for r in pack.rules.recommendations}
    return [
        t.rule
        for t in advice.trace
        if t.kind == "recommendation"
        and t.fired is None
        and t.status is None
        and t.rule in about
        and about[t.rule].about == action
        and about[t.rule].direction.value == "against"
    ]


def rating_action(raw: dict[str, Any], rating: str, settings: CdsSettings, label: str) -> Action:
    """The system action that writes the rating on the draft order (its other PAMA rating
    extensions replaced), with a new consult id; `label` is the description's wording."""
    resource = {**raw}
    keep = [
        e
        for e in resource.get("extension") or []
        if not str(e.get("url", "")).startswith("http://fhir.org/argonaut/Extension/pama-rating")
    ]
    keep.append(
        {
            "url": PAMA_RATING,
            "valueCodeableConcept": {"coding": [{"system": PAMA_SYSTEM, "code": rating}]},
        }
    )
    keep.append({"url": PAMA_CONSULT_ID, "valueUri": f"urn:uuid:{uuid.uuid4()}"})
    if settings.pama_qcdsm_id:
        keep.append({"url": PAMA_QCDSM, "valueString": settings.pama_qcdsm_id})
    keep.append(
        {
            "url": PAMA_AUC,
            "valueUri": settings.public_base_url.rstrip("/") + "/cds-services",
        }
    )
    resource["extension"] = keep
    return Action(type="update", description=f"{label}: {rating}", resource=resource)
