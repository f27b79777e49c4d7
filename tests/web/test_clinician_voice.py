"""The clinician view speaks to the clinician (issue 19 item 6): every rule shown comes in the
clinician's words from the pack's clinician.yaml, and the Dutch page shows no English, no raw
values and no internal references (rule ids, field names, enum values, source ids).

What is read: the page's visible text (tests/support/visible_text.py: no script, style or head).
Left out are the citations, which quote the source in its own words and language: the locators
(class `cites`, e.g. "abstract, results") and the reference list's entries (class `citation`:
authors and English paper titles), and the knowledge version (class `knowledge-version`), an
identifier the stored record keeps on purpose.

Which pages: per condition, the fewest vignettes that together show every rule any vignette
shows (greedy cover over the engine's advice), so each shown rule's clinician text is checked at
least once."""

from __future__ import annotations

import re
from typing import Any

import pytest

from keuzewijs.engine.advise import advise
from keuzewijs.profile_link import profile_token
from keuzewijs.validation.vignettes import load_vignettes
from tests.support.visible_text import visible_text

CONDITIONS = ["achilles-tendon-rupture", "hip-fracture", "lumbar-disc-herniation"]
NOT_READ = frozenset({"cites", "citation", "knowledge-version"})
# Words that are English and not Dutch (case-sensitive, whole words). Words both languages use
# ('in', 'is', 'per', 'versus', 'effect', 'studies') and shared abbreviations (RR, HR, OR, GRADE,
# MRI) are not on the list.
ENGLISH = [
    "the",
    "and",
    "with",
    "without",
    "only",
    "which",
    "should",
    "when",
    "after",
    "before",
    "not",
    "yes",
    "unknown",
    "from",
    "to",
    "risk",
    "relative",
    "baseline",
    "pooled",
    "surgery",
    "treatment",
    "patient",
    "patients",
    "study",
    "weeks",
    "months",
    "years",
    "days",
    "hours",
    "rule",
    "option",
    "outcome",
    "method",
    "fired",
    "CI",
    "applies",
    "because",
]
ENGLISH_RE = re.compile(r"\b(" + "|".join(ENGLISH) + r")\b")
RAW_VALUE_RE = re.compile(r"\b(True|False|None)\b|\b\d+\.0\b")


def _shown_rules(advice) -> set[str]:
    return (
        {u.id for u in advice.urgent}
        | {c.id for c in advice.to_check if c.kind == "red_flag"}
        | {r.id for r in advice.recommendations}
    )


def _covering_vignettes(library, condition):
    """The fewest vignettes (greedy) that together show every rule the vignettes show."""
    runs = []
    for v in load_vignettes(library, condition):
        runs.append((v, _shown_rules(advise(condition, v.profile, "nl", library=library))))
    chosen: list[Any] = []
    covered: set[str] = set()
    everything = set().union(*(shown for _, shown in runs))
    while covered != everything:
        v, shown = max(runs, key=lambda run: len(run[1] - covered))
        chosen.append(v)
        covered |= shown
    return chosen, everything


def _internal_ids(pack) -> set[str]:
    """Names the pack uses internally: rule, implication, field, value, option, outcome,
    estimate, source and definition ids. Only those with '-' or '_' are looked for: a one-word
    id ('mri') is also an ordinary word."""
    ids = {r.id for r in pack.rules.rules} | {i.id for i in pack.rules.implications}
    ids |= set(pack.fields) | set(pack.options) | set(pack.outcomes) | set(pack.sources)
    ids |= {e.id for e in pack.evidence.estimates} | set(pack.rules.definitions)
    ids |= {v.id for f in pack.profile.fields for v in f.values or []}
    return {i for i in ids if "-" in i or "_" in i}


def _section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("condition", CONDITIONS)
def test_dutch_clinician_view_speaks_clinically_without_english_or_ids(client, library, condition):
    pack = library.pack(condition)
    vignettes, shown = _covering_vignettes(library, condition)
    assert shown and len(vignettes) <= 25, (len(vignettes), condition)
    ids = _internal_ids(pack)
    for v in vignettes:
        url = f"/nl/c/{condition}/clinician?profile={profile_token(v.profile)}"
        page = client.get(url).text
        text = visible_text("<main" + page.split("<main", 1)[1], NOT_READ)
        where = f"{condition} {v.id}"
        english = [text[max(0, m.start() - 60) : m.end() + 60] for m in ENGLISH_RE.finditer(text)]
        assert not english, (where, english)
        assert not RAW_VALUE_RE.search(text), (where, RAW_VALUE_RE.search(text))
        leaked = sorted(i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text))
        assert not leaked, (where, leaked)
        assert "shared/references" not in text and ".yaml" not in text, where
        assert "Tekst voor de patiënt" not in text, where  # no fallback: the data is complete

        advice = advise(condition, v.profile, "nl", library=library)
        for u in advice.urgent:
            said = visible_text(_section(page, "urgent-h"))
            assert pack.clinician.text_for(u.id).nl in said, (where, u.id)
            assert u.message not in said, (where, u.id)  # not the patient's words
        for c in advice.to_check:
            if c.kind == "red_flag":
                assert pack.clinician.text_for(c.id).nl in visible_text(
                    _section(page, "check-h")
                ), (where, c.id)
        recs = visible_text(_section(page, "rec-h"))
        for r in advice.recommendations:
            own = pack.clinician.text_for(r.id)
            expected = own.nl if own else None
            if expected is None:  # the engine's own note, from the UI texts
                assert r.id == "urgent-first", (where, r.id)
                continue
            assert expected in recs, (where, r.id)
            assert r.text not in recs, (where, r.id)


def test_a_rule_without_clinician_text_shows_the_patient_text_marked(client, library):
    """Nothing is hidden when the data is incomplete: the patient's text, marked as such."""
    import dataclasses

    from keuzewijs.packs.models import ClinicianFile

    condition, rule = "lumbar-disc-herniation", "no-surgery-before-6-weeks"
    served = client.app.state.ctx.library  # the app's own library, not the test's
    pack = served.packs[condition]
    shortened = ClinicianFile(
        texts=[c for c in pack.clinician.texts if c.rule != rule],
        referrals=pack.clinician.referrals,
    )
    vignette = next(
        v
        for v in load_vignettes(library, condition)
        if rule
        in {r.id for r in advise(condition, v.profile, "nl", library=library).recommendations}
    )
    patient = next(
        r.text
        for r in advise(condition, vignette.profile, "nl", library=library).recommendations
        if r.id == rule
    )
    served.packs[condition] = dataclasses.replace(pack, clinician=shortened)
    try:
        url = f"/nl/c/{condition}/clinician?profile={profile_token(vignette.profile)}"
        recs = visible_text(_section(client.get(url).text, "rec-h"))
    finally:
        served.packs[condition] = pack
    marked = "Tekst voor de patiënt (geen tekst voor de arts in de kennis):"
    assert f"{marked} {patient}" in recs
    assert recs.count(marked) == 1


def test_sure_answers_are_named_for_the_clinician(client, library):
    """The patient's SURE answers, each item in the third person, not the patient's question."""
    from keuzewijs.web.pages.state import state_query
    from keuzewijs.web.view import SURE_ITEMS

    condition = "hip-fracture"
    profile = next(v for v in load_vignettes(library, condition) if v.demo).profile
    sure = {item: i % 2 == 0 for i, item in enumerate(SURE_ITEMS)}
    query = state_query(profile, None, None, None, sure)
    page = client.get(f"/nl/c/{condition}/clinician?{query}").text
    said = visible_text(_section(page, "sure-r-h"))
    assert "Zeker over de beste keuze: ja" in said and "Heeft genoeg steun en advies" in said
    assert not re.search(r"\b([Uu]w?)\b", said), said
    assert not ENGLISH_RE.search(said), said


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_stored_decisions_clinician_view_speaks_clinically(client, library, lang):
    """The stored decision's clinician view (web/pages/decision.py) uses the same texts."""
    from tests.web.test_pages import csrf

    condition = "achilles-tendon-rupture"
    form = {"p.age": "28", "p.weeks_since_injury": "1", "p.activity_level": "competitive_athlete"}
    form |= {"p.chronic_rupture": "false", "p.functional_rehab_available": "false"}
    r = client.post(
        f"/{lang}/c/{condition}/save",
        data={"csrf": csrf(client, f"/{lang}/"), **form},
        follow_redirects=False,
    )
    assert r.status_code == 303
    code = r.headers["location"].split("/")[3].split("?")[0]
    page = client.get(f"/{lang}/d/{code}/clinician").text
    recs = visible_text(_section(page, "rec-h"))
    pack = library.pack(condition)
    rule = next(r for r in pack.rules.recommendations if r.id == "surgery-competitive-athlete")
    assert pack.clinician.text_for(rule.id).get(lang) in recs
    assert rule.text.get(lang) not in recs
