"""The decision aid in a real browser (Debian's Chromium, headless, via Playwright).

For each condition in both languages: form errors, urgent warnings for a red-flag case, all
options with icon arrays (per 100 and per 1000), weighing, save, reopen by code, PDF text,
the clinician view; axe-core on every page (no serious or critical violations). Plus one flow
by keyboard only, with the CSP enforced. Screenshots: build/screenshots/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from keuzewijs.engine.advise import advise
from keuzewijs.packs.loader import Library
from keuzewijs.validation.vignettes import load_vignettes
from tests.conftest import in_ci
from tests.web.browser_helpers import (
    AXE,
    CHROMIUM,
    LAUNCH_ARGS,
    fill_profile,
    pdf_text,
    run_axe,
    shot,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM) or not AXE.exists():
        if in_ci():
            pytest.fail(
                "chromium or axe-core missing: scripts/setup-test-deps.sh should have installed "
                "them"
            )
        pytest.skip("chromium or axe-core not installed (run scripts/setup-test-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def _cases(library: Library, condition: str):
    vignettes = load_vignettes(library, condition)
    demo = next((v for v in vignettes if v.demo), vignettes[0])
    red = next((v for v in vignettes if v.expect.urgent), None)
    return demo, red


def _number_field(pack) -> str | None:
    return next(
        (f.name for f in pack.profile.fields if f.type.value in ("integer", "number", "duration")),
        None,
    )


CONDITIONS = ["achilles-tendon-rupture", "hip-fracture", "lumbar-disc-herniation"]


def _conditions(library: Library) -> list[str]:
    return [c for c in CONDITIONS if c in library.packs] + [
        c for c in library.packs if c not in CONDITIONS
    ]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_full_flow_every_condition(browser, axe_source, live_server, library, lang):
    texts = {
        k: v.get(lang)
        for k, v in __import__("keuzewijs.web.context", fromlist=["x"])
        .load_web_texts(library)
        .items()
    }
    context = browser.new_context(
        bypass_csp=True, accept_downloads=True, viewport={"width": 1280, "height": 900}, locale=lang
    )
    page = context.new_page()
    blocking: dict[str, list] = {}

    def check(name: str) -> None:
        shot(page, name)
        found = run_axe(page, name, axe_source)
        if found:
            blocking[name] = found

    for condition in _conditions(library):
        pack = library.pack(condition)
        demo, red = _cases(library, condition)
        tag = f"{lang}-{condition}"
        page.goto(f"{live_server.url}/{lang}/")
        check(f"{tag}-0-start")
        page.click(f"a[href='/{lang}/c/{condition}']")
        assert page.locator("h1").inner_text() == pack.meta.name.get(lang)
        assert page.locator(".profile .field").count() == len(
            pack.profile.fields
        )  # form = profile schema
        check(f"{tag}-1-form")

        # (b) a wrong answer: the message stands next to the field
        number = _number_field(pack)
        if number is not None:
            page.fill(f"#f-{number}", "abc")
            page.click("button.primary")
            message = page.locator(f"#e-{number}").inner_text()
            assert texts["form.error_prefix"] in message and (lang == "nl" or "abc" in message)
            assert page.locator(f"#f-{number}").get_attribute("aria-invalid") == "true"
            check(f"{tag}-2-form-error")

        # (c) red flag: urgent warning first
        if red is not None:
            page.goto(f"{live_server.url}/{lang}/c/{condition}")
            fill_profile(page, pack, red.profile)
            page.click("button.primary")
            urgent = page.locator("section.urgent")
            expected = advise(condition, red.profile, lang, library=library)
            for item in expected.urgent:
                assert item.message in urgent.inner_text()
            first_section = page.locator("main section").first
            assert "urgent" in (first_section.get_attribute("class") or "")
            check(f"{tag}-3-urgent")

        # (d) options side by side with icon arrays
        page.goto(f"{live_server.url}/{lang}/c/{condition}")
        fill_profile(page, pack, demo.profile)
        page.click("button.primary")
        result = advise(condition, demo.profile, lang, library=library)
        headers = page.locator("table.grid thead th").all_inner_texts()
        for option in result.options:
            assert any(h.startswith(option.name) for h in headers), option.name
        numeric = sum(1 for o in result.options for e in o.outcomes if e.risk_per_1000 is not None)
        numeric += sum(1 for o in result.actions for e in o.outcomes if e.risk_per_1000 is not None)
        arrays = page.locator("figure.icons svg[role=img]")
        assert arrays.count() == numeric
        if numeric:
            assert re.search(r"\b100\b", page.locator("figure.icons figcaption").first.inner_text())
            page.click(".per-toggle button[value='1000']")
            assert "1000" in page.locator("figure.icons figcaption").first.inner_text()
            alt = page.locator("figure.icons svg title").first.text_content() or ""
            assert "1000" in alt  # text alternative follows the denominator
        check(f"{tag}-4-options")

        # (e) weighing: move every slider to the end, then work out the fit
        sliders = page.locator("input[type=range]")
        for i in range(sliders.count()):
            sliders.nth(i).fill("10" if i == 0 else "1")
        if sliders.count():
            page.click("#e-h ~ button, section[aria-labelledby=e-h] button")
            assert page.locator(".fit").count() == 1
            assert texts["fit.not_advice"] in page.locator(".fit").inner_text()
        check(f"{tag}-5-weights")

        # (f) summary: the three good questions; save with a chosen option
        summary = page.locator("section.summary").inner_text()
        for q in ("question.1", "question.2", "question.3"):
            assert texts[q] in summary
        if result.options:
            page.check(f"input[name=chosen][value='{result.options[0].id}']")
        page.click(f"button[formaction='/{lang}/c/{condition}/save']")
        code = page.locator("#decision-code").inner_text()
        assert re.fullmatch(r"([a-z2-7]{4}-){7}[a-z2-7]{4}", code)
        check(f"{tag}-6-saved")

        # reopen by code from the start page
        page.goto(f"{live_server.url}/{lang}/")
        page.fill("#code", code.upper().replace("-", " "))
        page.click("form.open button")
        assert page.locator("#decision-code").inner_text() == code
        if result.options:
            assert result.options[0].name in page.locator("section.summary").inner_text()

        # PDF handout
        with page.expect_download() as info:
            page.click("a[href$='handout.pdf?per=1000'], a[href*='handout.pdf']")
        text = pdf_text(Path(info.value.path()).read_bytes())
        assert pack.knowledge_version in text.replace(" ", "") or pack.knowledge_version in text
        assert result.condition_name in text
        assert texts["question.1"] in text
        if result.sources:
            assert result.sources[0].citation[:30] in text

        # clinician view of the same advice
        page.click(f"a[href^='/{lang}/d/'][href*='/clinician']")
        assert page.locator("table.trace tbody tr").count() == len(result.trace)
        for source in result.sources:
            assert page.locator(f"#src-{source.id}").count() == 1
        check(f"{tag}-7-clinician")
    context.close()
    assert blocking == {}, f"serious/critical axe violations: {blocking}"


def test_keyboard_only_flow_with_csp_enforced(browser, live_server, library):
    """Tab, type, arrows and Enter only; the real CSP applies and must report nothing."""
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    condition = _conditions(library)[0]
    pack = library.pack(condition)

    def tab_to(predicate_js: str, limit: int = 200) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(predicate_js):
                return
        raise AssertionError(f"never reached by Tab: {predicate_js}")

    page.goto(f"{live_server.url}/nl/")
    tab_to(f"document.activeElement.getAttribute('href') === '/nl/c/{condition}'")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/nl/c/{condition}")
    age = _number_field(pack)
    assert age is not None
    tab_to(f"document.activeElement.id === 'f-{age}'")
    page.keyboard.type("35")
    shot(page, "keyboard-1-form")
    page.keyboard.press("Enter")  # implicit submission from a text field
    page.wait_for_selector("section[aria-labelledby=d-h]")
    sliders = page.locator("input[type=range]").count()
    if sliders:
        tab_to("document.activeElement.type === 'range'")
        page.keyboard.press("End")
        tab_to(
            "document.activeElement.closest('section[aria-labelledby=e-h]') && "
            "document.activeElement.tagName === 'BUTTON'"
        )
        page.keyboard.press("Enter")
        page.wait_for_selector(".fit")
    shot(page, "keyboard-2-advice")
    tab_to("document.activeElement.getAttribute('formaction') === '/nl/c/" + condition + "/save'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#decision-code")
    shot(page, "keyboard-3-saved")
    assert page.locator("#decision-code").inner_text()
    assert csp_errors == []
    context.close()


def test_pages_have_no_inline_script_or_style(live_server, library):
    import httpx

    for path in ["/nl/", "/en/"] + [f"/nl/c/{c}" for c in library.packs]:
        html = httpx.get(live_server.url + path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\son[a-z]+=", html)
        assert " style=" not in html


def test_whole_flow_without_javascript(browser, live_server, library):
    """Progressive enhancement: with JavaScript off every step still works (plain form posts)."""
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    for condition in _conditions(library):
        pack = library.pack(condition)
        demo, _ = _cases(library, condition)
        page.goto(f"{live_server.url}/en/c/{condition}")
        fill_profile(page, pack, demo.profile)
        page.click("button.primary")
        page.click(".per-toggle button[value='1000']")
        assert page.locator(".per-toggle button[aria-pressed=true]").inner_text() == "1000"
        page.click("button[formaction$='/edit']")  # back to the form, answers kept
        number = _number_field(pack)
        if number in demo.profile:
            assert page.locator(f"#f-{number}").input_value() == str(demo.profile[number])
        page.click("button.primary")
        page.click(f"button[formaction='/en/c/{condition}/save']")
        assert page.locator("#decision-code").inner_text()
        page.click("nav[aria-label] a[lang=nl]")  # language switch on a stored summary
        assert page.locator("html").get_attribute("lang") == "nl"
        shot(page, f"nojs-{condition}-saved-nl")
    context.close()
