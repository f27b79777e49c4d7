"""Helpers for the Playwright tests: Debian's Chromium, axe-core injection, form filling from a
profile."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from keuzewijs.packs.loader import Pack
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
BLOCKING = ("serious", "critical")


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def run_axe(page: Any, name: str, axe_source: str) -> list[dict[str, Any]]:
    """Inject axe-core (the context bypasses CSP for this), run it, save the report; return blocking
    ones."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
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
    return [v for v in violations if v["impact"] in BLOCKING]


def fill_profile(page: Any, pack: Pack, profile: dict[str, Any]) -> None:
    """Answer the generated form as a patient would, from a profile dict."""
    for name, value in profile.items():
        spec = pack.fields[name]
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


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)
