"""Issue 17, property: no presenter (the page's grid rows, the CLI text) shows a comparison row
whose arms differ in population or time frame, and none says 'fewer' or 'more' when the
interval of the difference crosses no effect."""

from __future__ import annotations

import io
import re

from hypothesis import HealthCheck, given, settings
from rich.console import Console

from keuzewijs.engine.advise import advise_pack
from keuzewijs.present.text import print_advice
from keuzewijs.web.context import load_web_texts
from keuzewijs.web.view import build_view
from tests.engine.test_properties import LIB, case

TEXTS = load_web_texts(LIB)
FEWER_MORE = re.compile(r"minder vaak bij|vaker bij|less often with|more often with", re.I)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case())
def test_grid_rows_are_like_for_like_and_say_no_fewer_when_unclear(drawn) -> None:
    pack, profile, lang = drawn
    advice = advise_pack(LIB, pack, profile, lang)
    view = build_view(advice, pack, TEXTS, 100, {})
    for row in view.rows:
        assert len(row.timeframes) <= 1, (row.id, row.timeframes)
        assert len(row.populations) <= 1, (row.id, row.populations)
        effects = [c.effect for c in row.cells if c.effect is not None]
        if all(e.verdict in ("little_or_no_difference", "no_interval") for e in effects):
            assert not any(FEWER_MORE.search(v) for v in row.verdicts), row.verdicts
            for cell in row.cells:
                if cell.effect is not None and cell.effect.verdict_text:
                    assert not FEWER_MORE.search(cell.effect.verdict_text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case())
def test_cli_text_says_fewer_or_more_only_for_clear_rows(drawn) -> None:
    pack, profile, lang = drawn
    advice = advise_pack(LIB, pack, profile, lang)
    out = io.StringIO()
    print_advice(advice, LIB.ui, Console(file=out, width=400, color_system=None, soft_wrap=True))
    clear = sum(r.verdict in ("fewer", "more") for r in advice.comparisons)
    said = len(FEWER_MORE.findall(out.getvalue()))
    assert said <= clear, (said, clear)
