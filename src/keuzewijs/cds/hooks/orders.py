"""order-select and order-sign: rate the draft orders a pack has rules for (PAMA rating as a
system action) and explain why with cards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..config import OrderMapping
from ..mapping import has_diagnosis
from ..order_cards import OrderCards
from ..rating import rate, rating_action
from ..record import Record, parse_resource, references_patient
from ..shapes import Action, Card
from .base import DraftOrder, HookBase, HookOutcome, HookRun


class OrderHooks:
    """The handler of both order hooks, with the order mappings of cds.yaml as code matchers."""

    def __init__(self, base: HookBase):
        self.base, self.settings = base, base.settings
        self.orders = [
            (o, base.data.matcher(o.codes, f"cds.yaml: orders[{i}]"))
            for i, o in enumerate(base.data.cds.orders)
        ]

    def order_cards(self) -> OrderCards:
        base = self.base
        return OrderCards(base.data.cds, base.settings, base.settings.lang, base.library)

    def draft_orders(self, hook: str, context: dict[str, Any]) -> list[DraftOrder]:
        """The draft orders this service rates: ServiceRequests (other order types are not read, so
        they are not validated), selected (order-select), for this patient, with a mapped code."""
        return self.sort_orders(hook, context)[0]

    def sort_orders(
        self, hook: str, context: dict[str, Any]
    ) -> tuple[list[DraftOrder], list[dict[str, Any]]]:
        """The draft orders this service rates, and the ServiceRequests of this patient (selected,
        for order-select) whose code matches no order value set: those get no rating, and the
        response says which they were (`unrecognised`)."""
        out: list[DraftOrder] = []
        unrecognised: list[dict[str, Any]] = []
        for i, raw, order in _patient_orders(hook, context):
            match = self._order_mapping(hook, order)
            if match is not None:
                out.append(DraftOrder(i, raw, order, match))
            elif not self._any_mapping(order):
                unrecognised.append(_unrecognised(i, order))
        return out, unrecognised

    def run(self, record: Record, now: dt.datetime, drafts: list[DraftOrder]) -> HookOutcome:
        maker, cards, actions, run = self.order_cards(), [], [], HookRun()
        for draft in drafts:
            cards_for, action = self._rate(maker, run, record, now, draft)
            cards += cards_for
            if action is not None:
                actions.append(action)
        return HookOutcome(cards, actions)

    def _rate(
        self, maker: OrderCards, run: HookRun, record: Record, now: dt.datetime, draft: DraftOrder
    ) -> tuple[list[Card], Action | None]:
        """The cards for one draft order, and the rating to write on it (None: no rating)."""
        order, ref = draft.order, draft.ref
        match = draft.mapping
        cmap = self.base.builders[match.condition]
        if not has_diagnosis(record, self.base.data, cmap.diagnosis, now, order.reasonCode or []):
            return [], self._rating_action(draft.raw, "no-criteria-apply") if ref else None
        advice = self.base.advice(run, match.condition, record, now)
        pack = self.base.library.packs[match.condition]
        result = rate(pack, advice, match.action)
        label = (order.code.text if order.code and order.code.text else None) or ref or "?"
        notes = run.notes[match.condition]
        if result.provisional:  # 'not now, unless ...': say so, with the assumed rating
            return [
                maker.provisional_card(advice, rec, ref, result.assumed, notes)
                for rec in result.provisional
            ], None
        if result.rating is None:
            return [maker.undetermined_card(advice, result.undecided, ref, label, notes)], None
        action = self._rating_action(draft.raw, result.rating) if ref else None
        cards = [maker.against_card(advice, rec, ref, label, notes) for rec in result.against]
        cards += [
            maker.inform_card(advice, rec, ref, notes)
            for rec in advice.recommendations
            if rec.id in match.inform and rec not in result.against
        ]
        return cards, action

    def _any_mapping(self, order: Any) -> bool:
        """Rated by some hook (a discectomy at order-select is known, just rated at signing)."""
        return any(matcher.concept(order.code) for _, matcher in self.orders)

    def _order_mapping(self, hook: str, order: Any) -> OrderMapping | None:
        for mapping, matcher in self.orders:
            if hook in mapping.hooks and matcher.concept(order.code):
                return mapping
        return None

    def _rating_action(self, raw: dict[str, Any], rating: str) -> Action:
        return rating_action(raw, rating, self.settings, self.base.maker().t("order.rating"))


def _patient_orders(
    hook: str, context: dict[str, Any]
) -> Iterator[tuple[int, dict[str, Any], Any]]:
    """(entry index, raw resource, parsed order) of each draft ServiceRequest, selected (for
    order-select), for this hook's patient."""
    selected = set(context.get("selections") or []) if hook == "order-select" else None
    entries = context["draftOrders"].get("entry") or []
    for i, entry in enumerate(entries):
        raw = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(raw, dict) or raw.get("resourceType") != "ServiceRequest":
            continue
        if selected is not None and f"ServiceRequest/{raw.get('id')}" not in selected:
            continue  # not selected (an order without an id cannot be)
        order = parse_resource(raw, f"context.draftOrders.entry[{i}].resource")
        subject = order.subject.reference if order.subject else None
        if subject and not references_patient(subject, context["patientId"]):
            continue  # an order for another patient is not this hook's patient's order
        yield i, raw, order


def _unrecognised(i: int, order: Any) -> dict[str, Any]:
    """How the response names an order whose code matches no order value set."""
    codings = order.code.coding if order.code and order.code.coding else []
    return {
        "order": f"ServiceRequest/{order.id}" if order.id else f"entry[{i}]",
        "codes": [f"{c.system or ''}|{c.code or ''}" for c in codings],
    }
