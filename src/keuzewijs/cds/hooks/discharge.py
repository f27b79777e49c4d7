"""encounter-discharge: urgent cards, and the alarm signs to watch for at home where the pack's
discharge rule holds (cds.yaml `discharge`)."""

from __future__ import annotations

import datetime as dt

from keuzewijs import engine

from ..record import Record
from .base import HookBase, HookOutcome, HookRun


def discharge(base: HookBase, record: Record, now: dt.datetime) -> HookOutcome:
    maker, cards, run = base.maker(), [], HookRun()
    present = set(base.conditions(record, now))
    deceased = record.deceased(now)
    for rule in base.data.cds.discharge:
        if rule.condition not in present:
            continue
        pack = base.library.packs[rule.condition]
        advice = base.advice(run, rule.condition, record, now)
        applies = engine.compiled(base.library, pack).holds(rule.when, advice.profile)
        cards += maker.urgent_cards(advice, run.notes[rule.condition])
        if applies is not True or deceased:  # unknown (e.g. no operation on record): no card
            continue
        cards.append(maker.discharge_card(advice, pack, rule))
    return HookOutcome(cards, [])
