"""encounter-discharge: urgent cards, and the alarm signs to watch for at home where the pack's
discharge rule holds (cds.yaml `discharge`)."""

from __future__ import annotations

import datetime as dt

from keuzewijs.engine.compiled import compiled

from ..record import Record
from .base import HookBase, Outcome, Run


def discharge(base: HookBase, record: Record, now: dt.datetime) -> Outcome:
    maker, cards, run = base.maker(), [], Run()
    present = set(base.conditions(record, now))
    deceased = record.deceased(now)
    for rule in base.data.cds.discharge:
        if rule.condition not in present:
            continue
        pack = base.library.packs[rule.condition]
        advice = base.advice(run, rule.condition, record, now)
        applies = compiled(base.library, pack).holds(rule.when, advice.profile)
        cards += maker.urgent_cards(advice, run.notes[rule.condition])
        if applies is not True or deceased:  # unknown (e.g. no operation on record): no card
            continue
        cards.append(maker.discharge_card(advice, pack, rule))
    return Outcome(cards, [])
