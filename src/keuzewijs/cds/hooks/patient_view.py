"""patient-view: urgent cards for an active red flag, and a decision aid card per condition."""

from __future__ import annotations

import datetime as dt

from ..record import Record
from .base import HookBase, HookOutcome, HookRun


def patient_view(base: HookBase, record: Record, now: dt.datetime) -> HookOutcome:
    maker, cards, run = base.maker(), [], HookRun()
    deceased = record.deceased(now)
    for cond_id in base.conditions(record, now):
        advice = base.advice(run, cond_id, record, now)
        cards += maker.urgent_cards(advice)
        if not deceased:  # a decision aid is for a living patient
            cards.append(maker.decision_aid_card(advice, run.notes[cond_id]))
    return HookOutcome(cards, [])
