"""Checks of what the EHR sends beyond its shape: a hook call's context fields per hook, and a
feedback item against the card it is about."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .problems import HookProblem, from_validation
from .shapes import CONTEXT_FIELDS, HookRequest
from .store import FeedbackRow, IssuedCard

_KIND_TEXT: dict[type, str] = {str: "a non-empty string", list: "a list", dict: "a FHIR Bundle"}


def validated_request(body: Any, hook_name: str) -> HookRequest:
    try:
        hook = HookRequest.model_validate(body)
    except ValidationError as exc:
        raise from_validation(exc) from None
    if hook.hook != hook_name:
        raise HookProblem(
            400, f"this service answers the '{hook_name}' hook (got {hook.hook!r})", path="hook"
        )
    for name, kind in CONTEXT_FIELDS[hook_name].items():
        value = hook.context.get(name)
        if not isinstance(value, kind) or (kind is str and not value):
            what = _KIND_TEXT[kind]
            raise HookProblem(
                400, f"required for {hook_name}, must be {what}", path=f"context.{name}"
            )
    if "selections" in CONTEXT_FIELDS[hook_name] and not all(
        isinstance(s, str) for s in hook.context["selections"]
    ):
        raise HookProblem(
            400, "must be a list of references like 'ServiceRequest/123'", path="context.selections"
        )
    if "draftOrders" in CONTEXT_FIELDS[hook_name] and not isinstance(
        hook.context["draftOrders"].get("entry", []), list
    ):
        raise HookProblem(400, "must be a list", path="context.draftOrders.entry")
    # The draftOrders Bundle itself is not validated (a Bundle without `type`, as in the Argonaut
    # PAMA requests, is still read); only the ServiceRequests the service rates are
    # (hooks/orders.py).
    return hook


def feedback_row(
    service_id: str, index: int, item: Any, issued: dict[str, IssuedCard]
) -> FeedbackRow:
    card = issued.get(str(item.card))
    reason = item.overrideReason.reason if item.overrideReason else None
    if (
        item.outcome == "overridden"
        and reason is not None
        and card is not None
        and card.offered_reasons
    ) and reason.code not in card.offered_reasons:
        raise HookProblem(
            400,
            f"not a reason this card offered (allowed: {', '.join(card.offered_reasons)})",
            path=f"feedback[{index}].overrideReason.reason.code",
        )
    if item.outcome == "accepted" and item.overrideReason is not None:
        raise HookProblem(
            400,
            "only an overridden card has an override reason",
            path=f"feedback[{index}].overrideReason",
        )
    return FeedbackRow(
        service_id=service_id,
        card_uuid=str(item.card),
        outcome=item.outcome,
        override_reason_system=reason.system if reason else None,
        override_reason_code=reason.code if reason else None,
        user_comment=item.overrideReason.userComment if item.overrideReason else None,
        accepted_suggestions=[s.id for s in item.acceptedSuggestions or []],
        offered_reasons=list(card.offered_reasons) if card else None,
        rule=card.rule if card else None,
        order_ref=card.order if card else None,
        outcome_timestamp=item.outcomeTimestamp,
    )
