"""The decision aid in a real browser (Debian's Chromium, headless, via Playwright).

For each condition, in Dutch and English, on a desktop (1280 px) and a phone (390 px): the form,
a field error, the urgent mode (action and phone number first, the choices folded away), the
after-surgery mode, the options with icon arrays, no 'fits best' before the patient answered,
the language switch keeping the answers, the SURE test, save, Back after saving, reopen by code,
PDF, the clinician view; axe-core on every state (WCAG A/AA/AAA incl. 7:1 contrast, 0 violations)
and no horizontal page overflow. Plus a keyboard-only run per condition under the real CSP.
Screenshots in build/screenshots/: of a state whose check failed, of every state with
KEUZEWIJS_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from keuzewijs.engine.advise import advise
from keuzewijs.packs.loader import Library
from keuzewijs.validation.vignettes import load_vignettes
from keuzewijs.web.context import load_web_texts
from tests.conftest import in_ci
from tests.web.browser_helpers import (
    AXE,
    CHROMIUM,
    LAUNCH_ARGS,
    click_and_load,
    fill_profile,
    no_horizontal_overflow,
    pdf_text,
    run_axe,
    shot,
)

pytestmark = pytest.mark.slow

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


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
    demo = next((v for v in vignettes if v.demo and not v.expect.urgent), vignettes[0])
    pack = library.pack(condition)
    after = pack.meta.after_treatment
    # the urgent case to show: for a pack with an after-treatment phase, an urgent one after it
    urgent = [v for v in vignettes if v.expect.urgent]
    if after is not None:
        urgent = [v for v in urgent if v.profile.get(after.field) is True] or urgent
    calm_after = next(
        (
            v
            for v in vignettes
            if after is not None
            and v.profile.get(after.field) is True
            and not v.expect.urgent
            and v.demo
        ),
        None,
    )
    return demo, (urgent[0] if urgent else None), calm_after


def _number_field(pack) -> str | None:
    return next(
        (
            f.name
            for f in pack.profile.fields
            if f.type.value in ("integer", "number", "duration")
            and f.asked_of == "patient"
            and f.show_if is None
        ),
        None,
    )


CONDITIONS = ["achilles-tendon-rupture", "hip-fracture", "lumbar-disc-herniation"]


def _conditions(library: Library) -> list[str]:
    return [c for c in CONDITIONS if c in library.packs] + [
        c for c in library.packs if c not in CONDITIONS
    ]


@pytest.mark.parametrize("device", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_full_flow_every_condition(browser, axe_source, live_server, library, lang, device):
    texts = {k: v.get(lang) for k, v in load_web_texts(library).items()}
    other = "en" if lang == "nl" else "nl"
    context = browser.new_context(
        bypass_csp=True, accept_downloads=True, viewport=VIEWPORTS[device], locale=lang
    )
    # The advice page folds its details under headings (issue 19; tests/web/test_phone_first.py
    # measures that): this walk-through opens them, as a patient would, to use every part.
    context.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => "
        "document.querySelectorAll('details.fold').forEach(d => { d.open = true; }))"
    )
    page = context.new_page()
    violations: dict[str, list] = {}
    overflow: list[str] = []

    # axe on every state on the desktop in both languages and on the phone in Dutch (the rules
    # do not depend on the width, except reflow, which the overflow check covers on every state)
    run_rules = device == "desktop" or lang == "nl"

    def check(name: str) -> None:
        found = run_axe(page, f"{device}-{name}", axe_source) if run_rules else []
        if found:
            violations[name] = found
        if device == "phone" and not no_horizontal_overflow(page):
            overflow.append(name)
        shot(page, f"{device}-{name}", failed=bool(found) or name in overflow)

    for condition in _conditions(library):
        pack = library.pack(condition)
        demo, red, calm_after = _cases(library, condition)
        tag = f"{lang}-{condition}"
        page.goto(f"{live_server.url}/{lang}/")
        check(f"{tag}-0-start")
        click_and_load(page, f"a[href='/{lang}/c/{condition}']")
        assert page.locator("h1").inner_text() == pack.meta.name.get(lang)
        patient = [f for f in pack.profile.fields if f.asked_of == "patient"]
        assert page.locator(".profile > .field").count() == len(
            [
                f
                for f in patient
                if f.derived_from is None  # computed from another answer, not asked
                and (f.show_if is None or pack.fields[f.show_if.field].asked_of != "patient")
            ]
        )  # follow-up questions sit inside their parent
        for f in pack.profile.fields:  # clinician questions only in the folded clinician part
            inside = page.locator(f".clinician-fields [data-field='{f.name}']").count()
            wanted = f.asked_of == "clinician" and f.derived_from is None
            assert inside == (1 if wanted else 0), f.name
        check(f"{tag}-1-form")
        number = _number_field(pack)
        if device == "desktop" and number is not None:  # typed, not sent: the switch keeps it
            page.fill(f"#f-{number}", "35")
            click_and_load(page, "#lang-switch")
            assert page.locator("html").get_attribute("lang") == other
            assert page.locator(f"#f-{number}").input_value() == "35"
            page.goto(f"{live_server.url}/{lang}/c/{condition}")

        # (b) a wrong answer: the message stands next to the field, no raw validator text
        if number is not None:
            page.fill(f"#f-{number}", "abc")
            click_and_load(page, "button.primary")
            message = page.locator(f"#e-{number}").inner_text()
            assert message.startswith(texts["form.error_prefix"]) and "abc" not in message
            assert page.locator(f"#f-{number}").get_attribute("aria-invalid") == "true"
            check(f"{tag}-2-form-error")

        # (c) urgent: the action and a phone number first, the choices folded under 'later'
        if red is not None:
            page.goto(f"{live_server.url}/{lang}/c/{condition}")
            fill_profile(page, pack, red.profile)
            click_and_load(page, "button.primary")
            expected = advise(condition, red.profile, lang, library=library)
            first = page.locator("main h1 + section")
            assert "urgent" in (first.get_attribute("class") or "")
            assert first.locator("a.phone[href^='tel:']").count() >= 1
            for item in expected.urgent:
                assert item.action in first.locator(".urgent-action").all_inner_texts()[0] or any(
                    item.action in t for t in first.locator(".urgent-action").all_inner_texts()
                )
            box = first.bounding_box()
            assert box is not None and box["y"] < VIEWPORTS[device]["height"]  # on the first screen
            after = pack.meta.after_treatment
            if after is not None and red.profile.get(after.field) is True:
                assert page.locator("section.after").count() == 1  # recovery and alarm signs
                assert page.locator("table.grid").count() == 0  # no implant choices
            else:
                later = page.locator("details.later")
                assert later.count() == 1 and later.get_attribute("open") is None
                assert page.locator("details.later table.grid").count() == 1
            check(f"{tag}-3-urgent")

        # after the operation, without alarm signs: recovery, not the choices
        if calm_after is not None:
            page.goto(f"{live_server.url}/{lang}/c/{condition}")
            fill_profile(page, pack, calm_after.profile)
            click_and_load(page, "button.primary")
            assert page.locator("section.after").count() == 1
            assert page.locator("table.grid, .weigh-q").count() == 0
            assert page.locator("section.after a.phone").count() >= 1
            check(f"{tag}-3b-after-surgery")

        # (d) options side by side with icon arrays
        page.goto(f"{live_server.url}/{lang}/c/{condition}")
        fill_profile(page, pack, demo.profile)
        click_and_load(page, "button.primary")
        page.wait_for_url(re.compile(r"\?profile="))  # POST answered by a redirect to a GET page
        result = advise(condition, demo.profile, lang, library=library)
        headers = page.locator("table.grid thead th").all_text_contents()
        for option in result.options:
            assert any(h.startswith(option.name) for h in headers), option.name
        numeric = sum(1 for o in result.options for e in o.outcomes if e.risk_per_1000 is not None)
        # an action's numbers for itself alone (its `figures`) are drawn beside its outcomes
        numeric += sum(
            1
            for o in result.actions
            for e in (*o.outcomes, *o.figures)
            if e.risk_per_1000 is not None
        )
        assert page.locator("figure.icons svg[role=img]").count() == numeric
        check(f"{tag}-4-options")
        if numeric:
            click_and_load(page, ".per-toggle a:text-is('1000')")
            assert "1000" in page.locator("figure.icons figcaption").first.inner_text()
            alt = page.locator("figure.icons svg title").first.text_content() or ""
            assert "1000" in alt  # the text alternative follows the denominator
            check(f"{tag}-4b-per-1000")

        # (e) nothing fits 'best' until the patient answered
        assert page.locator(".fit-best").count() == 0
        questions = page.locator("fieldset.weigh-q")
        if questions.count():
            assert page.locator(".fit-none").count() == 1
            check(f"{tag}-5a-not-weighed-yet")
            first_q = questions.first
            first_q.locator("input[value='10']").check()
            click_and_load(page, "button[name=do][value=show]")
            assert page.locator(".fit-best").count() == 1
            assert texts["fit.not_advice"] in page.locator(".fit").inner_text()
            outcome_id = (first_q.get_attribute("id") or "")[2:]
            check(f"{tag}-5b-weighed")
            # the language switch is a link and keeps every answer
            click_and_load(page, "#lang-switch")
            assert page.locator("html").get_attribute("lang") == other
            assert page.locator(f"input[name='w.{outcome_id}'][value='10']").is_checked()
            check(f"{tag}-5c-other-language")
            click_and_load(page, "#lang-switch")
            assert page.locator("html").get_attribute("lang") == lang
        else:  # nothing differs in numbers: said so, and the statements remain
            assert texts["fit.nothing_to_weigh"] in page.locator(".fit").inner_text()
        statements = page.locator("fieldset.statement")
        if statements.count():
            statements.first.locator("input[value='yes']").check()

        # SURE test before the summary (one 'no': flagged for the clinician)
        for sure_item, answer in (("sure", "no"), ("informed", "yes"), ("values", "yes")):
            page.check(f"input[name='sure.{sure_item}'][value='{answer}']")
        page.check("input[name='sure.support'][value='yes']")
        summary = page.locator("section.summary").inner_text()
        for q in ("question.1", "question.2", "question.3"):
            assert texts[q] in summary
        if result.options:
            page.check(f"input[name=chosen][value='{result.options[0].id}']")
        advice_url = page.url.split("#")[0]
        click_and_load(page, "button[name=do][value=save]")
        code = page.locator("#decision-code").inner_text()
        assert re.fullmatch(r"([a-z2-7]{4}-){7}[a-z2-7]{4}", code)
        check(f"{tag}-6-saved")

        # Back after saving: the advice page again, no resubmission prompt
        page.go_back()
        assert page.url.split("#")[0] == advice_url
        assert page.locator("h1").count() == 1 and page.locator("#decision-code").count() == 0
        check(f"{tag}-6b-back-after-save")

        # a wrong code keeps what was typed; the right one opens the summary
        page.goto(f"{live_server.url}/{lang}/")
        page.fill("#code", code[:-1] + "1")
        click_and_load(page, "form.open button")
        assert page.locator("#code-error").count() == 1
        assert page.locator("#code").input_value() == code[:-1] + "1"
        # answered by a redirect (a GET page), focus on the field with its message in view
        assert page.evaluate("document.activeElement.id") == "code"
        error_box = page.locator("#code-error").bounding_box()
        assert error_box is not None and 0 <= error_box["y"] < VIEWPORTS[device]["height"]
        check(f"{tag}-6c-wrong-code")
        page.fill("#code", code.upper().replace("-", " "))
        click_and_load(page, "form.open button")
        assert page.locator("#decision-code").inner_text() == code
        if result.options:
            assert result.options[0].name in page.locator("section.summary").inner_text()

        if device == "desktop":  # the handout itself is tested in test_handout.py
            with page.expect_download() as info:
                page.click("a[href*='handout.pdf']")
            text = pdf_text(Path(info.value.path()).read_bytes())
            assert result.condition_name in text and texts["question.1"] in text

        # clinician view of the same decision: the SURE answers, flagged (3 of 4)
        click_and_load(page, f"a[href^='/{lang}/d/'][href*='/clinician']")
        assert page.locator("table.trace tbody tr").count() == len(result.trace)
        assert page.locator(".sure-result.sure-low").count() == 1
        for source in result.sources:
            assert page.locator(f"#src-{source.id}").count() == 1
        check(f"{tag}-7-clinician")

        page.goto(f"{live_server.url}/{lang}/c/{condition}/about")
        assert pack.meta.review_due.strftime("%d-%m-%Y") in page.locator("main").inner_text()
        check(f"{tag}-8-about")
    context.close()
    assert violations == {}, f"axe violations: {violations}"
    assert overflow == [], f"wider than the 390 px window: {overflow}"


@pytest.mark.parametrize("condition", CONDITIONS)
def test_keyboard_only_flow_with_csp_enforced(browser, live_server, library, condition):
    """Tab, type, arrows and Enter only; the real CSP applies and must report nothing."""
    if condition not in library.packs:
        pytest.skip("pack not present")
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    pack = library.pack(condition)

    def tab_to(predicate_js: str, limit: int = 300) -> None:
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
    shot(page, f"keyboard-{condition}-1-form")
    page.keyboard.press("Enter")  # implicit submission from a text field
    page.wait_for_selector("main h1")
    weigh = page.locator("fieldset.weigh-q").count()
    if weigh:  # the weighing is folded under its heading: open it from the keyboard
        tab_to(
            "document.activeElement.tagName === 'SUMMARY' && "
            "document.activeElement.parentElement.id === 'e'"
        )
        page.keyboard.press("Enter")
        tab_to("document.activeElement.name && document.activeElement.name.startsWith('w.')")
        page.keyboard.press("ArrowUp")  # from 'not sure yet' to 'very important'
        page.keyboard.press("Enter")  # implicit submission: the first button shows the fit
        page.wait_for_selector(".fit-best")
    shot(page, f"keyboard-{condition}-2-advice")
    tab_to("document.activeElement.name === 'do' && document.activeElement.value === 'save'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#decision-code")
    shot(page, f"keyboard-{condition}-3-saved")
    page.go_back()  # the browser's Back: the advice page again, not a resubmission prompt
    page.wait_for_selector("form#state")
    assert "?profile=" in page.url
    assert csp_errors == []
    context.close()


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_hip_statements_point_to_a_group(browser, axe_source, live_server, library, device):
    """Not operating is one of the options (FRAIL-HIP): the hip 'afwegen' statements are asked,
    nothing fits 'best' before an answer, and agreeing with the wish to walk again names the
    operations shown (a group of options), not 'not operating'."""
    lang = "nl"
    pack = library.pack("hip-fracture")
    frail = next(
        v
        for v in load_vignettes(library, "hip-fracture")
        if v.id == "hf-non-operative-frail-care-home"
    )
    context = browser.new_context(bypass_csp=True, viewport=VIEWPORTS[device], locale=lang)
    page = context.new_page()
    page.goto(f"{live_server.url}/{lang}/c/hip-fracture")
    fill_profile(page, pack, frail.profile)
    click_and_load(page, "button.primary")
    page.wait_for_url(re.compile(r"\?profile="))
    assert page.locator("fieldset.statement").count() == len(pack.meta.values_statements)
    assert page.locator(".fit-best, .fit-lean").count() == 0
    page.click("details#e > summary")  # folded under its heading (issue 19)
    page.check("input[name='v.walk-and-manage-myself'][value='yes']")
    click_and_load(page, "button[name=do][value=show]")
    lean = page.locator(".fit-lean").inner_text()
    for option in advise("hip-fracture", frail.profile, lang, library=library).options:
        assert (option.name in lean) == (option.id != "non_operative"), option.id
    name = f"{device}-{lang}-hip-fracture-5d-statements"
    shot(page, name)
    assert run_axe(page, name, axe_source) == []
    assert device != "phone" or no_horizontal_overflow(page)
    context.close()


def test_pages_have_no_inline_script_or_style(live_server, library):
    import httpx

    for path in ["/nl/", "/en/"] + [f"/nl/c/{c}" for c in library.packs]:
        html = httpx.get(live_server.url + path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\son[a-z]+=", html)
        assert " style=" not in html


def test_whole_flow_without_javascript(browser, live_server, library):
    """With JavaScript off every step still works: plain links and form posts, follow-up
    questions shown by CSS once their parent is answered."""
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    for condition in _conditions(library):
        pack = library.pack(condition)
        demo, _, _ = _cases(library, condition)
        page.goto(f"{live_server.url}/en/c/{condition}")
        follow = next((f for f in pack.profile.fields if f.show_if is not None), None)
        if follow is not None and pack.fields[follow.show_if.field].asked_of == "patient":
            assert not page.locator(f"[data-field='{follow.name}']").is_visible()
        fill_profile(page, pack, demo.profile)
        click_and_load(page, "button.primary")
        page.click("details#d > summary")  # native <details>: opens without JavaScript
        click_and_load(page, ".per-toggle a:text-is('1000')")
        assert page.locator(".per-toggle a[aria-current=true]").inner_text() == "1000"
        click_and_load(
            page, f"a[href*='/en/c/{condition}?profile='][href*='edit=1']"
        )  # answers kept
        number = _number_field(pack)
        if number in demo.profile:
            assert page.locator(f"#f-{number}").input_value() == str(demo.profile[number])
        click_and_load(page, "button.primary")
        click_and_load(page, "button[name=do][value=save]")
        assert page.locator("#decision-code").inner_text()
        page.click("#lang-switch")  # language switch on a stored summary
        assert page.locator("html").get_attribute("lang") == "nl"
        shot(page, f"nojs-{condition}-saved-nl")
    context.close()
