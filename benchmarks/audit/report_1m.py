"""The issue's end-to-end check: `keuzewijs synth` + `keuzewijs audit` for 1 M patients, timed, and
a
screenshot of the HTML report in Chromium.

    .venv/bin/python benchmarks/audit/report_1m.py [--patients 1000000]

Writes build/report-1m/ (synthetic OMOP, report.html, results) and
build/screenshots/audit-report.png.
Prints the wall time of each command (the generator and the audit run as a user runs them).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KEUZEWIJS = [sys.executable, "-m", "keuzewijs.cli"]


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def screenshot(html: Path, png: Path) -> None:
    from playwright.sync_api import sync_playwright

    png.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(html.as_uri())
        page.screenshot(path=str(png), full_page=True)
        browser.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=1_000_000)
    args = ap.parse_args()
    out = REPO / "build" / "report-1m"
    data = out / "omop"
    synth_s = timed(
        [*KEUZEWIJS, "synth", "--patients", str(args.patients), "--out", str(data), "--seed", "3"]
    )
    print(
        f"keuzewijs synth --patients {args.patients:,}: {synth_s:.1f} s (incl. the planted truth, "
        f"computed by the engine)"
    )
    report = out / "report.html"
    audit_s = timed(
        [*KEUZEWIJS, "audit", str(data), "--by", "provider", "--by", "period", "--out", str(report)]
    )
    print(
        f"keuzewijs audit --by provider --by period: {audit_s:.1f} s -> {report.relative_to(REPO)}"
    )
    png = REPO / "build" / "screenshots" / "audit-report.png"
    screenshot(report, png)
    print(f"screenshot: {png.relative_to(REPO)}")


if __name__ == "__main__":
    main()
