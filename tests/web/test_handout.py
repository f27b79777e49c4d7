"""The PDF handout: readable print (body at least 11 pt, 12 pt for hip fracture, tables at least
10 pt, nothing under 9 pt, read from the PDF), no page less than a third full but the last, only
the phone numbers for the patient's condition, room for notes, the three good questions, the code
in groups of 4 and a QR code. Every page is rendered to PNG (pypdfium2) into
build/screenshots/handout/."""

from __future__ import annotations

import io
import math
import re

import pytest
from pypdf import PdfReader

from keuzewijs.validation.vignettes import load_vignettes
from tests.web.browser_helpers import SCREENSHOTS, pdf_text

# Readable sizes for an older reader (issue 19): the body, tables, and the smallest print.
BODY_PT = {"achilles-tendon-rupture": 11, "lumbar-disc-herniation": 11, "hip-fracture": 12}
TABLE_PT, SMALLEST_PT = 10, 9
# A guard against a runaway handout, not a target: the print is large now, so hip fracture (up to
# five operations side by side) runs longest.
MAX_PAGES = {"achilles-tendon-rupture": 4, "lumbar-disc-herniation": 5, "hip-fracture": 7}
MM = 72 / 25.4
TOP_MARGIN, BOTTOM_MARGIN = 10 * MM, 12 * MM  # print.css @page


def text_runs(data: bytes) -> list[list[tuple[str, float, float]]]:
    """Per page: every piece of text with its size in pt as printed (font size times the text and
    page matrices) and its baseline's height above the bottom of the page."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        runs: list[tuple[str, float, float]] = []

        def visit(text, cm, tm, _font, size, runs=runs):
            if not text.strip():
                return
            _a, _b, c, d, e, f = tm
            ca, cb, cc, cd, _ce, cf = cm
            scale = math.hypot(c * ca + d * cc, c * cb + d * cd)
            runs.append((text.strip(), round(size * scale, 2), e * cb + f * cd + cf))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


def page_fill(data: bytes) -> list[float]:
    """Per page, the share of the text area (between the margins) down to the lowest line of text
    (the page number in the bottom margin not counted)."""
    height = float(PdfReader(io.BytesIO(data)).pages[0].mediabox.height)
    top, bottom = height - TOP_MARGIN, BOTTOM_MARGIN
    fills = []
    for runs in text_runs(data):
        lows = [y for _t, _s, y in runs if y > bottom + 2]
        fills.append((top - min(lows)) / (top - bottom) if lows else 0.0)
    return fills


def size_of(runs: list[list[tuple[str, float, float]]], needle: str) -> float:
    """The size of the first piece of text that starts the given text (a line may wrap)."""
    head = needle[:20]
    for page in runs:
        for text, size, _y in page:
            if text.startswith(head) or head in text:
                return size
    raise AssertionError(f"{needle!r} not found in the PDF")


def _csrf(client) -> str:
    html = client.get("/nl/").text
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _save(client, condition: str, profile: dict, lang: str, extra: dict | None = None) -> str:
    from keuzewijs.profile_link import profile_token

    data = {"csrf": _csrf(client), "profile": profile_token(profile), "do": "save", **(extra or {})}
    r = client.post(f"/{lang}/c/{condition}/go", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return r.headers["location"].split("/")[3].split("?")[0]


def render_pages(data: bytes, name: str) -> int:
    """Render every page to PNG; return the page count."""
    import pypdfium2 as pdfium

    out = SCREENSHOTS / "handout"
    out.mkdir(parents=True, exist_ok=True)
    pdf = pdfium.PdfDocument(data)
    for i in range(len(pdf)):
        pdf[i].render(scale=1.2).to_pil().save(out / f"{name}-p{i + 1}.png")
    return len(pdf)


def _cases(library):
    for condition in MAX_PAGES:
        if condition not in library.packs:
            continue
        vignettes = load_vignettes(library, condition)
        demo = next((v for v in vignettes if v.demo), vignettes[0])
        red = next((v for v in vignettes if v.expect.urgent), None)
        yield condition, "demo", demo.profile
        if red is not None:
            yield condition, "urgent", red.profile


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_handout_print_is_readable_and_pages_are_filled(client, library, lang):
    """Sizes as printed, read from the PDF: nothing under 9 pt, a table cell at least 10 pt, body
    text (the three questions under the table) at least 11 pt, 12 pt for hip fracture; and no
    page less than a third full but the last."""
    texts = {
        k: v.get(lang)
        for k, v in __import__("keuzewijs.web.context", fromlist=["x"])
        .load_web_texts(library)
        .items()
    }
    for condition, case, profile in _cases(library):
        code = _save(client, condition, profile, lang, {"chosen": ""})
        data = client.get(f"/{lang}/d/{code}/handout.pdf").content
        runs = text_runs(data)
        smallest = min(size for page in runs for _t, size, _y in page)
        assert smallest >= SMALLEST_PT, (condition, case, smallest)
        assert size_of(runs, texts["question.1"]) >= BODY_PT[condition], (condition, case)
        if case != "urgent":  # the comparison table is folded away in an urgent handout
            assert size_of(runs, texts["grid.what_happens"]) >= TABLE_PT, (condition, case)
        fills = page_fill(data)
        assert all(f >= 1 / 3 for f in fills[:-1]), (condition, case, fills)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_handout_is_short_and_complete(client, library, lang):
    texts = {
        k: v.get(lang)
        for k, v in __import__("keuzewijs.web.context", fromlist=["x"])
        .load_web_texts(library)
        .items()
    }
    sites = __import__("keuzewijs.packs.loader", fromlist=["x"]).load_sites(library.root)
    site = next(iter(sites.values())) if len(sites) == 1 else None
    for condition, case, profile in _cases(library):
        code = _save(client, condition, profile, lang, {"chosen": ""})
        pdf = client.get(f"/{lang}/d/{code}/handout.pdf")
        assert pdf.status_code == 200
        pages = render_pages(pdf.content, f"{lang}-{condition}-{case}")
        assert pages == len(PdfReader(io.BytesIO(pdf.content)).pages)
        assert pages <= MAX_PAGES[condition], (condition, case, pages)
        text = pdf_text(pdf.content)
        assert code in text.replace(" ", "")  # 8 groups of 4 (a line may break after a dash)
        assert re.fullmatch(r"([a-z2-7]{4}-){7}[a-z2-7]{4}", code)
        for q in ("question.1", "question.2", "question.3"):
            assert texts[q] in text
        assert texts["handout.notes"] in text
        # only the numbers for this condition: a hip-fracture site's numbers are not an Achilles
        # patient's; a number the site lacks names whom to ask instead
        served = site is not None and condition in site.conditions
        for phone in site.phones if site else []:
            mine = served and (not phone.conditions or condition in phone.conditions)
            if phone.number:
                assert (f" {phone.number} " in f" {text} ") == mine, (condition, phone.number)
            elif mine:
                assert phone.ask is not None and phone.ask.get(lang)[:40] in text
        html = client.get(f"/{lang}/d/{code}").text  # the same state on screen
        assert "Traceback" not in html


def test_qr_code_reopens_the_summary(client, library):
    """The QR code on page 1, decoded from the rendered PNG (zxing-cpp), opens the summary."""
    import pypdfium2 as pdfium
    import zxingcpp

    code = _save(client, "achilles-tendon-rupture", {"age": 40}, "nl")
    pdf = client.get(f"/nl/d/{code}/handout.pdf")
    image = pdfium.PdfDocument(pdf.content)[0].render(scale=3).to_pil()
    found = [r.text for r in zxingcpp.read_barcodes(image)]
    assert found == [f"http://testserver/nl/d/{code}"]
    page = client.get(found[0].removeprefix("http://testserver"))
    assert page.status_code == 200 and code in page.text


def test_handout_prints_the_agreed_statement_and_where_it_points(client, library):
    """A hip statement leaning to a group of options, saved and printed: the statement and the
    options it points to are on the handout, which stays within the hip page limit."""
    from keuzewijs.engine.advise import advise
    from tests.web.test_weighing import FRAIL_HIP

    code = _save(client, "hip-fracture", FRAIL_HIP, "en", {"v.walk-and-manage-myself": "yes"})
    pdf = client.get(f"/en/d/{code}/handout.pdf")
    assert pdf.status_code == 200
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) <= MAX_PAGES["hip-fracture"]
    text = " ".join(pdf_text(pdf.content).split())
    assert "I want to be able to walk again and do as much as I can for myself." in text
    operations = [
        o.name
        for o in advise("hip-fracture", FRAIL_HIP, "en", library=library).options
        if o.id != "non_operative"
    ]
    assert f"Your statements fit best with: {' / '.join(operations)}." in text
    assert "Most of all I want comfort" not in text  # not agreed with: not printed


@pytest.mark.hazard("H-003")
def test_urgent_handout_and_decision_page_put_elective_advice_under_later(client, library):
    """Cauda equina at 10 weeks (issue 18): the printable handout and the stored decision page
    show the urgent step first, the advice the engine folded under a 'Later' heading after it,
    and no comparison beside the urgent step (the handout says where the comparison is)."""
    from keuzewijs.engine.advise import advise_pack
    from keuzewijs.profile_link import profile_token
    from keuzewijs.web.context import load_web_texts

    def escape(text: str) -> str:  # as Jinja's autoescape writes it
        for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&#34;")):
            text = text.replace(raw, escaped)
        return text.replace("'", "&#39;")

    pack = library.pack("lumbar-disc-herniation")
    vid = "ldh-cauda-equina-at-10-weeks-folds-the-discussion"
    profile = next(v for v in load_vignettes(library, pack.id) if v.id == vid).profile
    advice = advise_pack(library, pack, profile, "nl")
    assert advice.urgent and advice.later and advice.comparison_later
    later = [str(escape(r.text)) for r in advice.later]
    texts = {k: str(escape(v.nl)) for k, v in load_web_texts(library).items()}
    printed = client.get(f"/nl/c/{pack.id}?profile={profile_token(profile)}&print=1").text
    stored = client.get(f"/nl/d/{_save(client, pack.id, profile, 'nl')}").text
    for html in (printed, stored):
        heading = html.index(texts["heading.later"])
        assert html.index(str(escape(advice.urgent[0].action))) < heading
        assert all(heading < html.index(text) for text in later)
    assert "handout.comparison_later" not in printed and "h-options" not in printed
    assert "h-comparison-later" in printed
    fold = stored.index('<details class="later"')
    assert fold < stored.index(texts["heading.later"]) < stored.index('class="grid"')
