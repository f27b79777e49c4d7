"""Helpers for the Playwright tests: Debian's Chromium, axe-core injection, form filling from a
profile, the overflow check."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from keuzewijs.packs.loader import Pack
from keuzewijs.web.forms import question_shown
from tests.conftest import REPO

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO / "build" / "screenshots"
AXE = REPO / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_REPORT = SCREENSHOTS / "axe"


def click_and_load(page: Any, selector: str) -> None:
    """Click something that loads a new page, and wait until that page has loaded. `click` waits
    only until the navigation is committed; a `locator.count()` right after it (which does not
    wait) could count in a half-parsed page: `.fit-best` counted 0 once under three xdist
    workers, where the finished page had 1."""
    page.click(selector)
    page.wait_for_load_state("load")


def shot(page: Any, name: str, *, failed: bool = False) -> Path | None:
    """A full-page PNG of this state when a check on it failed, or for every state when asked
    (KEUZEWIJS_SCREENSHOTS=1): the 39 PNGs of one walk-through (nl, desktop) took 23 s."""
    if not failed and os.environ.get("KEUZEWIJS_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def run_axe(page: Any, name: str, axe_source: str) -> list[dict[str, Any]]:
    """Inject axe-core (the context bypasses CSP for this), run it, save the report; return them."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    # WCAG 2.x A, AA and AAA (AAA contrast 7:1 included) and WCAG 2.2 AA.
    result = page.evaluate(
        """async () => await axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag2aaa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": len(v["nodes"]),
            "targets": [n["target"] for n in v["nodes"][:5]],
        }
        for v in result["violations"]
    ]
    AXE_REPORT.mkdir(parents=True, exist_ok=True)
    (AXE_REPORT / f"{name}.json").write_text(
        json.dumps({"url": page.url, "violations": violations}, indent=2)
    )
    return violations  # every violation counts, whatever its impact


def fill_profile(page: Any, pack: Pack, profile: dict[str, Any]) -> None:
    """Answer the generated form as a patient would, from a profile dict: in the form's order
    (a follow-up after its parent), opening the clinician part when a field sits in it."""
    for spec in pack.profile.fields:
        name = spec.name
        if name not in profile or not question_shown(profile, pack, name):
            continue
        value = profile[name]
        closed = page.locator(f'details:not([open]):has([data-field="{name}"]) > summary')
        if closed.count():
            closed.first.click()
        kind = spec.type.value
        if kind in ("integer", "number", "duration"):
            page.fill(f"#f-{name}", str(value))
        elif kind == "boolean":
            page.check(f'input[name="p.{name}"][value="{"true" if value else "false"}"]')
        elif kind == "enum":
            page.check(f'input[name="p.{name}"][value="{value}"]')
        else:
            for item in value or ["__none__"]:
                page.check(f'input[name="p.{name}"][value="{item}"]')


def no_horizontal_overflow(page: Any) -> bool:
    """The page is no wider than the window (a wide table may scroll inside its own box)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)
