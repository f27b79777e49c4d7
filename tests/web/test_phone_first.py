"""Phone first (issue 19), measured in Debian's Chromium on a 390x844 phone and a 1280 px desktop:
the number to call now above the fold after surgery, chosen by the (injected) clock from a test
site with a ward; and no table cell narrower than 8 characters, in patient and clinician views.
Screenshots: build/screenshots/phone-first/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from keuzewijs.packs.loader import Library
from keuzewijs.profile_link import profile_token
from keuzewijs.validation.vignettes import load_vignettes
from tests.conftest import REPO, in_ci
from tests.support.net import free_port
from tests.web.browser_helpers import CHROMIUM, LAUNCH_ARGS, SCREENSHOTS
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TEST_SITES = REPO / "tests" / "fixtures" / "sites"
# Three alarm signs ticked after a hip operation.
THREE_SIGNS = {
    "post_operative": True,
    "symptoms": [
        "persistent_fever_over_38",
        "leg_painful_stiff_red_or_swollen",
        "wound_red_or_open",
    ],
}
MIN_CELL_CHARS = 8


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if in_ci():
            pytest.fail("chromium missing: scripts/setup-test-deps.sh should have installed it")
        pytest.skip("chromium not installed (run scripts/setup-test-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield b
        b.close()


def _server(root: Path, name: str, clock: str) -> LiveServer:
    env = {
        "KEUZEWIJS_SITES": str(TEST_SITES),
        "KEUZEWIJS_SITE": "testziekenhuis",
        "KEUZEWIJS_CLOCK": clock,
    }
    return LiveServer(
        f"sqlite:///{root / f'{name}.db'}", free_port(), root / f"{name}.log", env
    ).start()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveServer]]:
    """The test hospital at 14:00 on a Monday and at 23:00 (Amsterdam, winter time)."""
    root = tmp_path_factory.mktemp("phone-first")
    running = {
        "14:00": _server(root, "afternoon", "2026-12-07T14:00:00+01:00"),
        "23:00": _server(root, "night", "2026-12-07T23:00:00+01:00"),
    }
    try:
        yield running
    finally:
        for server in running.values():
            server.stop()


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(
    ("clock", "number", "label"),
    [
        ("14:00", "0000 100 200", {"nl": "Afdeling Traumachirurgie", "en": "Trauma surgery ward"}),
        (
            "23:00",
            "0000 900 900",
            {
                "nl": "Huisartsenpost ('s avonds, 's nachts, in het weekend)",
                "en": "GP out-of-hours service (evenings, nights, weekends)",
            },
        ),
    ],
)
def test_number_to_call_now_is_above_the_fold_after_surgery(
    browser, servers, lang, clock, number, label
):
    page = browser.new_context(viewport=PHONE, locale=lang).new_page()
    page.goto(f"{servers[clock].url}/{lang}/c/hip-fracture?profile={profile_token(THREE_SIGNS)}")
    now = page.locator(".call-now a.phone-now").first
    assert now.inner_text() == number
    assert label[lang] in page.locator(".call-now").first.inner_text()
    box = now.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    # 112 too, also on the first screen
    emergency = page.locator(".phones-list a.phone[href='tel:112']").first
    box112 = emergency.bounding_box()
    assert box112 is not None and box112["y"] + box112["height"] <= PHONE["height"], box112
    out = SCREENSHOTS / "phone-first"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / f"{lang}-hip-three-signs-{clock.replace(':', '')}.png"))
    page.context.close()


NARROWEST_CELL = """() => {
  const cells = [...document.querySelectorAll('main table th, main table td')]
    .filter(c => c.offsetParent !== null && c.getClientRects().length)
    // not the column headers the phone's card layout hides visually (they stay for screen readers)
    .filter(c => c.parentElement.parentElement.getBoundingClientRect().width > 2);
  let worst = null;
  for (const c of cells) {
    const style = getComputedStyle(c);
    const probe = document.createElement('span');
    probe.style.font = style.font;
    probe.style.position = 'absolute';
    probe.style.visibility = 'hidden';
    probe.textContent = '0'.repeat(10);
    document.body.appendChild(probe);
    const ch = probe.getBoundingClientRect().width / 10;
    probe.remove();
    const inner = c.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const chars = inner / ch;
    if (!worst || chars < worst.chars) worst = {chars, text: c.innerText.slice(0, 40)};
  }
  return worst;
}"""


def _demo(library: Library, condition: str) -> dict:
    vignettes = load_vignettes(library, condition)
    return next(v for v in vignettes if v.demo and not v.expect.urgent).profile


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_table_cell_narrower_than_8_characters(browser, live_server, library, lang, viewport):
    """Every table on the patient and clinician pages keeps its columns readable: the content of
    the narrowest cell is at least 8 characters ('0' in the cell's font) wide."""
    page = browser.new_context(viewport=viewport, locale=lang).new_page()
    worst: list[tuple[float, str, str]] = []
    for condition in library.packs:
        token = profile_token(_demo(library, condition))
        for view in ("", "/clinician"):
            url = f"{live_server.url}/{lang}/c/{condition}{view}?profile={token}"
            page.goto(url)
            for closed in page.locator("main details:not([open]) > summary").all():
                if closed.is_visible():
                    closed.click()  # folded tables count too
            found = page.evaluate(NARROWEST_CELL)
            if found is not None:
                worst.append((found["chars"], f"{condition}{view}", found["text"]))
    assert worst, "no table measured"
    narrow = [w for w in worst if w[0] < MIN_CELL_CHARS]
    assert not narrow, narrow
    page.context.close()


def test_language_switch_keeps_what_was_entered_on_the_advice_page(browser, live_server, library):
    """Weights, SURE answers and the chosen option ticked but not sent survive the language
    switch."""
    page = browser.new_context(viewport=PHONE, locale="nl").new_page()
    condition = "achilles-tendon-rupture"
    page.goto(
        f"{live_server.url}/nl/c/{condition}?profile={profile_token(_demo(library, condition))}"
    )
    for section in ("e", "sure"):  # folded under their headings: open them as a patient would
        page.click(f"details#{section} > summary")
    question = page.locator("fieldset.weigh-q").first
    name = question.locator("input").first.get_attribute("name")
    question.locator("input[value='10']").check()
    page.check("input[name='sure.sure'][value='no']")
    page.check("input[name='sure.informed'][value='yes']")
    option = page.locator("input[name=chosen]").nth(1).get_attribute("value")
    page.check(f"input[name=chosen][value='{option}']")
    page.click("#lang-switch")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(f"input[name='{name}'][value='10']").is_checked()
    assert page.locator("input[name='sure.sure'][value='no']").is_checked()
    assert page.locator("input[name='sure.informed'][value='yes']").is_checked()
    assert page.locator(f"input[name=chosen][value='{option}']").is_checked()
    page.context.close()


SCREENS = """() => {
  const top = e => e.getBoundingClientRect().top + window.scrollY;
  const bottom = e => e.getBoundingClientRect().bottom + window.scrollY;
  const grid = document.querySelector('.faq');
  const save = document.querySelector("button[name=do][value=save]");
  return {grid: grid ? top(grid) / window.innerHeight : null,
          save: save ? bottom(save) / window.innerHeight : null};
}"""


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_comparison_within_2_screens_and_save_within_8(browser, live_server, library, lang):
    """On a 390x844 phone, each condition's demo case: the comparison (the Option Grid) starts
    within the first 2 screens and the save button ends within 8."""
    page = browser.new_context(viewport=PHONE, locale=lang).new_page()
    measured = {}
    for condition in library.packs:
        token = profile_token(_demo(library, condition))
        page.goto(f"{live_server.url}/{lang}/c/{condition}?profile={token}")
        measured[condition] = page.evaluate(SCREENS)
        out = SCREENSHOTS / "phone-first"
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / f"{lang}-{condition}-first-screen.png"))
    for condition, m in measured.items():
        assert m["grid"] is not None and m["grid"] < 2, (condition, m)
        assert m["save"] is not None and m["save"] <= 8, (condition, m)
    page.context.close()
