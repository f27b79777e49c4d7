"""What every hook handler shares: the packs the record has, the engine's advice per pack (once
per call), and the card maker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from keuzewijs.engine import advise_pack
from keuzewijs.engine.contract import Advice

from ..cards import CardMaker
from ..config import CdsData, OrderMapping
from ..mapping import Mapped, Note, ProfileBuilder, has_diagnosis
from ..record import Record
from ..settings import CdsSettings
from ..shapes import Action, Card


@dataclass
class HookOutcome:
    cards: list[Card]
    system_actions: list[Action]


@dataclass
class DraftOrder:
    """A draft ServiceRequest the service rates, with the mapping that names its pack action."""

    index: int
    raw: dict[str, Any]
    order: Any
    mapping: OrderMapping

    @property
    def ref(self) -> str | None:
        """Its relative reference; None for a draft without an id (it cannot be deleted or updated
        by reference, so it gets cards but no suggestion or system action)."""
        return f"ServiceRequest/{self.order.id}" if self.order.id else None


@dataclass
class HookRun:
    """Advice per pack for one hook call, computed once, with the mapping trace."""

    advice: dict[str, Advice] = field(default_factory=dict)
    notes: dict[str, list[Note]] = field(default_factory=dict)


@dataclass(frozen=True)
class Handler:
    """What one hook does with a call: `run(record, now, drafts)`. A hook that `rates_orders` gets
    the draft orders it rates (`HookLogic.draft_orders`, read before any data is fetched: without
    one there is nothing to say); the others get an empty list."""

    run: Callable[[Record, dt.datetime, list[DraftOrder]], HookOutcome]
    rates_orders: bool = False


class HookBase:
    """The CDS data, settings and a profile builder per pack with a FHIR mapping."""

    def __init__(self, data: CdsData, settings: CdsSettings):
        self.data, self.settings = data, settings
        self.library = data.library
        self.mapping = data.mapping
        self.builders = {
            cid: ProfileBuilder(
                data, self.library.packs[cid], cmap, f"fhir-mapping.yaml: conditions.{cid}"
            )
            for cid, cmap in self.mapping.conditions.items()
            if cid in self.library.packs
        }

    def maker(self) -> CardMaker:
        return CardMaker(self.data.cds, self.settings, self.settings.lang, self.library)

    def advice(self, run: HookRun, cond_id: str, record: Record, now: dt.datetime) -> Advice:
        if cond_id not in run.advice:
            pack = self.library.packs[cond_id]
            mapped: Mapped = self.builders[cond_id].build(record, now)
            run.advice[cond_id] = advise_pack(
                self.library, pack, mapped.profile, self.settings.lang
            )
            run.notes[cond_id] = mapped.notes
        return run.advice[cond_id]

    def conditions(self, record: Record, now: dt.datetime) -> list[str]:
        return [
            cid
            for cid, builder in self.builders.items()
            if has_diagnosis(record, self.data, builder.diagnosis, now)
        ]
