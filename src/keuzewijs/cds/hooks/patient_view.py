"""patient-view: per condition, urgent cards for an active red flag, or else a decision aid card
(CardMaker.condition_cards)."""

from __future__ import annotations

import datetime as dt

from ..record import Record
from .base import HookBase, HookOutcome, HookRun


def patient_view(base: HookBase, record: Record, now: dt.datetime) -> HookOutcome:
    maker, cards, run = base.maker(), [], HookRun()
    deceased = record.deceased(now)
    for cond_id in base.conditions(record, now):
        advice = base.advice(run, cond_id, record, now)
        # a decision aid is for a living patient, and never beside an urgent card
        cards += maker.condition_cards(advice, run.notes[cond_id], living=not deceased)
    return HookOutcome(cards, [])
