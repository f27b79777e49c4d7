"""The CLI's text advice at 80 columns: the urgent action is never cut off, every 'check this'
item prints its action, provisional advice is marked with its exceptions ('tenzij ...')."""

from __future__ import annotations

import re

from rich.console import Console

from keuzewijs.engine.advise import advise
from keuzewijs.packs.loader import get_library
from keuzewijs.present.text import print_advice

from ..conftest import KNOWLEDGE

LIB = get_library(KNOWLEDGE)


def _text(condition: str, profile: dict, lang: str = "nl") -> str:
    console = Console(width=80, record=True, soft_wrap=True, color_system=None)
    print_advice(advise(condition, profile, lang, library=LIB), LIB.ui, console)
    return console.export_text()


def _words(text: str) -> str:
    """The text without box drawing and line breaks: what a reader can read in sequence."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def test_urgent_panel_wraps_and_keeps_the_whole_action() -> None:
    profile = {"leg_pain": True, "leg_pain_weeks": 3, "saddle_anaesthesia": True}
    text = _text("lumbar-disc-herniation", profile)
    advice = advise("lumbar-disc-herniation", profile, "nl", library=LIB)
    panel = [line for line in text.splitlines() if line.startswith(("│", "╭", "╰"))]
    assert panel and all(len(line) <= 80 for line in panel)
    assert all(line.rstrip().endswith(("│", "╮", "╯")) for line in panel)  # nothing cropped
    for urgent in advice.urgent:
        assert _words(urgent.action) in _words(text)
        assert _words(urgent.message) in _words(text)


def test_every_item_to_check_prints_its_action() -> None:
    profile = {"leg_pain": True, "leg_pain_weeks": 3}
    advice = advise("lumbar-disc-herniation", profile, "en", library=LIB)
    text = _text("lumbar-disc-herniation", profile, "en")
    assert len(advice.to_check) == 2
    for check in advice.to_check:
        assert f"If yes: {check.action}" in text


def test_provisional_advice_is_marked_with_its_exceptions() -> None:
    profile = {"fracture_type": "pertrochanteric", "hours_since_admission": 30}
    advice = advise("hip-fracture", profile, "nl", library=LIB)
    text = _text("hip-fracture", profile)
    provisional = [r for r in advice.recommendations if r.status == "provisional"]
    assert len(provisional) == 3
    for rec in provisional:
        assert rec.unless is not None and rec.unless.startswith("tenzij ")
        line = next(line for line in text.splitlines() if rec.text in line)
        assert "voorlopig" in line and rec.unless in line
        for item in rec.unless_open:
            assert f"      - {item.question}" in text  # one open question per line
    # the label stands once per provisional recommendation, not once per question
    assert text.count("Dit advies kan vervallen") == len(provisional)


def test_applying_advice_is_not_marked_provisional() -> None:
    profile = {"hours_since_admission": 48, "post_operative": False}
    text = _text("hip-fracture", profile)
    advice = advise("hip-fracture", profile, "nl", library=LIB)
    assert {r.status for r in advice.recommendations} == {"applies"}
    assert "voorlopig" not in text and "tenzij" not in text
