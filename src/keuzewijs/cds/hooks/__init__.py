"""The hook handlers, one module each: what a hook does with the patient's record (find its
packs, ask the engine, make cards)."""

from __future__ import annotations

from typing import Any

from ..config import CdsData, Hook
from ..settings import CdsSettings
from .base import DraftOrder, Handler, HookBase, HookOutcome
from .discharge import discharge
from .orders import OrderHooks
from .patient_view import patient_view

__all__ = ["DraftOrder", "Handler", "HookLogic", "HookOutcome"]


class HookLogic:
    """A handler per hook; order-select and order-sign share the order rating."""

    def __init__(self, data: CdsData, settings: CdsSettings):
        base = HookBase(data, settings)
        self.orders = OrderHooks(base)
        orders = Handler(self.orders.run, rates_orders=True)
        self.handlers: dict[Hook, Handler] = {
            "patient-view": Handler(lambda record, now, _: patient_view(base, record, now)),
            "encounter-discharge": Handler(lambda record, now, _: discharge(base, record, now)),
            "order-select": orders,
            "order-sign": orders,
        }

    def draft_orders(self, hook: str, context: dict[str, Any]) -> list[DraftOrder]:
        """The draft orders the order hooks rate (read before any data is fetched)."""
        return self.orders.draft_orders(hook, context)

    def sort_orders(
        self, hook: str, context: dict[str, Any]
    ) -> tuple[list[DraftOrder], list[dict[str, Any]]]:
        """The draft orders rated, and the unrecognised ones (no order value set matches)."""
        return self.orders.sort_orders(hook, context)
