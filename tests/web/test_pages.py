"""Server-rendered pages without a browser: forms, CSRF, errors, stored decisions, PDF, logs."""

from __future__ import annotations

import logging
import re

import pytest

from keuzewijs.engine.advise import advise
from tests.web.browser_helpers import pdf_text


def csrf(client, path="/nl/") -> str:
    html = client.get(path).text
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_start_page_lists_every_condition(client, library):
    html = client.get("/en/").text
    for pack in library.packs.values():
        assert pack.meta.name.en in html and pack.meta.summary.en in html


def test_form_is_generated_from_the_profile_schema(client, library):
    for pack in library.packs.values():
        html = client.get(f"/nl/c/{pack.id}").text
        for field in pack.profile.fields:
            if field.derived_from is not None:  # computed from another answer, not asked
                assert f'name="p.{field.name}"' not in html
                continue
            assert f'name="p.{field.name}"' in html
            assert field.question.nl.replace("'", "&#39;") in html
            if field.help:
                assert f'id="h-{field.name}"' in html


def test_invalid_answer_shows_message_next_to_field(client):
    token = csrf(client)
    r = client.post(
        "/en/c/achilles-tendon-rupture",
        data={"csrf": token, "p.age": "200", "p.weeks_since_injury": "x"},
    )
    assert r.status_code == 422
    # plain words, never the validator's own message ('must be <= 120 (got 200)')
    assert re.search(
        r'id="e-age">Error: Enter a whole number. It must be between 0 and 120.<', r.text
    )
    assert re.search(r'id="e-weeks_since_injury">Error: Enter a number.', r.text)
    assert "must be &lt;=" not in r.text and "(got" not in r.text
    assert 'value="200"' in r.text  # the answer is kept for correction
    dutch = client.post("/nl/c/achilles-tendon-rupture", data={"csrf": token, "p.age": "200"}).text
    assert re.search(
        r'id="e-age">Fout: Vul een heel getal in, zonder komma. '
        r"Het getal ligt tussen 0 en 120.</p>",
        dutch,
    )


def test_post_without_csrf_token_is_refused(client):
    client.get("/nl/")
    r = client.post("/nl/c/achilles-tendon-rupture", data={"p.age": "30"})
    assert r.status_code == 403 and "<html" in r.text
    r = client.post("/nl/c/achilles-tendon-rupture", data={"csrf": "forged", "p.age": "30"})
    assert r.status_code == 403


def _advice_url(client, condition: str, data: dict, lang: str = "en") -> str:
    r = client.post(
        f"/{lang}/c/{condition}", data={"csrf": csrf(client), **data}, follow_redirects=False
    )
    assert r.status_code == 303  # POST -> redirect -> GET: Back and Reload never resubmit
    return r.headers["location"]


def test_per_toggle_and_weights_change_the_page(client, library):
    form = {
        "p.age": "28",
        "p.activity_level": "competitive_athlete",
        "p.functional_rehab_available": "false",
    }
    url = _advice_url(client, "achilles-tendon-rupture", form)
    per100 = client.get(url).text
    assert "out of 100<" in per100
    per1000 = client.get(url + "&per=1000").text
    assert "out of 1000<" in per1000 and "out of 100<" not in per1000
    # nobody answered yet: no 'fits best', and no priority the patient did not give
    assert 'class="fit-best"' not in per100 and 'class="fit-none"' in per100
    assert "/10" not in per100
    harms = client.get(url + "&w.complications=10").text
    assert re.search(r'class="best"><th scope="row">Conservative', harms)
    rerupture = client.get(url + "&w.rerupture=10").text
    assert re.search(r'class="best"><th scope="row">Surgery', rerupture)
    assert "Avoiding: Re-rupture" in rerupture or "Avoiding:" in rerupture
    bad = client.get(url + "&w.rerupture=99")
    assert bad.status_code == 422 and "Choose one of the answers." in bad.text


def test_post_redirects_to_a_get_page_with_the_answers(client):
    token = csrf(client)
    url = _advice_url(client, "achilles-tendon-rupture", {"p.age": "28"})
    page = client.get(url).text
    profile = re.search(r'name="profile" value="([^"]+)"', page).group(1)
    r = client.post(
        "/en/c/achilles-tendon-rupture/go",
        data={
            "csrf": token,
            "profile": profile,
            "w.rerupture": "7",
            "sure.sure": "no",
            "do": "show",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and "w.rerupture=7" in r.headers["location"]
    shown = client.get(r.headers["location"]).text
    assert re.search(r'name="w.rerupture" value="7" checked', shown)
    assert re.search(r'name="sure.sure" value="no" checked', shown)
    # the language switch is a link to the same state in the other language
    switch = re.search(r'href="(/nl/c/achilles-tendon-rupture\?[^"]+)"[^>]*id="lang-switch"', shown)
    assert switch and "w.rerupture=7" in switch.group(1).replace("&amp;", "&")
    assert "<button" not in shown.split("<main")[0]  # no submit button before the content


def test_weighing_skips_outcomes_equal_for_every_option(client, library):
    url = _advice_url(
        client,
        "lumbar-disc-herniation",
        {"p.age": "45", "p.leg_pain": "true", "p.leg_pain_weeks": "8"},
    )
    page = client.get(url).text
    assert 'class="weigh-q"' not in page  # both numbers equal or only for one option
    assert "Not weighed, because equal for all options" in page
    assert 'name="v.' in page  # the 'afwegen' statements remain


def _hip_page(client, profile: dict, lang: str, **answers: str) -> str:
    from keuzewijs.profile_link import profile_token

    data = {"csrf": csrf(client), "profile": profile_token(profile), "do": "show", **answers}
    r = client.post(f"/{lang}/c/hip-fracture/go", data=data, follow_redirects=False)
    assert r.status_code == 303
    return client.get(r.headers["location"]).text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_hip_form_offers_the_statements_when_not_operating_is_an_option(client, library, lang):
    from tests.web.test_weighing import FRAIL_HIP

    pack = library.pack("hip-fracture")
    page = _hip_page(client, FRAIL_HIP, lang)
    for st in pack.meta.values_statements:
        assert f'name="v.{st.id}" value="yes"' in page
        assert st.text.get(lang).replace("'", "&#39;") in page
    assert 'class="fit-best"' not in page and 'class="fit-lean"' not in page  # nothing said yet
    # not operating withheld (FRAIL-HIP is for 70 or older): no statement about it is asked
    assert 'name="v.' not in _hip_page(client, {**FRAIL_HIP, "age": 69}, lang)


def test_an_agreed_hip_statement_points_to_its_group_on_page_and_summary(client, library):
    from tests.web.test_weighing import FRAIL_HIP

    advice = advise("hip-fracture", FRAIL_HIP, "en", library=library)
    names = {o.id: o.name for o in advice.options}
    page = _hip_page(client, FRAIL_HIP, "en", **{"v.walk-and-manage-myself": "yes"})
    operations = [n for oid, n in names.items() if oid != "non_operative"]
    lean = re.search(r'class="fit-lean"><strong>Your statements fit best with: ([^<]+)\.<', page)
    assert lean and lean.group(1).split(" / ") == operations
    assert 'class="fit-best"' not in page  # no weight given: no best fit in numbers
    # the statement's own line names the shown options of its group, joined with 'or'
    assert f"This wish fits best with: {', '.join(operations[:-1])} or {operations[-1]}." in page
    summary = page.split('class="summary"')[1].split("</section>")[0]
    assert "I want to be able to walk again" in summary
    assert f"Your statements fit best with: {' / '.join(operations)}." in summary
    comfort = _hip_page(client, FRAIL_HIP, "en", **{"v.comfort-no-operation": "yes"})
    assert f"Your statements fit best with: {names['non_operative']}." in comfort
    both = _hip_page(
        client,
        FRAIL_HIP,
        "en",
        **{"v.walk-and-manage-myself": "yes", "v.comfort-no-operation": "yes"},
    )
    assert "Your statements do not point to one option." in both


def test_urgent_page_opens_on_the_action_with_a_phone_number(client, library):
    from keuzewijs.validation.vignettes import load_vignettes

    for condition, vid in (
        ("lumbar-disc-herniation", "ldh-cauda-saddle-anaesthesia"),
        ("hip-fracture", "hf-postop-persistent-fever"),
    ):
        v = next(v for v in load_vignettes(library, condition) if v.id == vid)
        from keuzewijs.profile_link import profile_token

        html = client.get(f"/nl/c/{condition}?profile={profile_token(v.profile)}").text
        main = html.split('<main id="main" tabindex="-1">', 1)[1]
        first = main.split("<section", 2)[1]
        assert 'class="urgent"' in first and 'href="tel:112"' in first
        # the example site serves hip fractures only: its numbers are not a lumbar patient's
        assert ('href="tel:1733"' in first) == (condition == "hip-fracture")
        assert main.index('class="urgent-action"') < main.index('class="urgent-message"')
        if condition == "hip-fracture":  # after the operation: recovery, not implant choices
            assert 'class="after box"' in main and 'class="grid"' not in main
        else:
            later = main.index('<details class="later"')
            assert later < main.index('class="grid"')


def test_open_red_flags_are_asked_as_questions(client, library):
    html = client.get(_advice_url(client, "lumbar-disc-herniation", {"p.age": "45"}, "nl")).text
    check = html.split('class="to-check"', 1)[1].split("</section>", 1)[0]
    pack = library.pack("lumbar-disc-herniation")
    assert pack.fields["saddle_anaesthesia"].question.nl.replace("'", "&#39;") in check
    assert "Is het antwoord ja?" in check


def test_follow_up_questions_count_only_when_opened(client, library):
    url = _advice_url(
        client,
        "lumbar-disc-herniation",
        {"p.age": "45", "p.leg_pain": "false", "p.leg_pain_weeks": "8"},
    )
    from keuzewijs.profile_link import read_profile_token

    token = re.search(r"profile=([^&]+)", url).group(1)
    assert "leg_pain_weeks" not in read_profile_token(token)


def test_set_field_none_of_these_differs_from_unknown(client, library):
    pack = library.pack("hip-fracture")
    set_field = next(f for f in pack.profile.fields if f.type.value == "set")
    token = csrf(client)
    base = {"csrf": token, "p.age": "80", "p.post_operative": "true"}
    unknown = client.post("/en/c/hip-fracture", data=base).text
    none = client.post("/en/c/hip-fracture", data={**base, f"p.{set_field.name}": "__none__"}).text
    assert "<html" in unknown and "<html" in none  # followed the redirect to the GET page
    assert 'class="to-check"' in unknown  # red flags that cannot be ruled out yet
    assert 'class="to-check"' not in none


def test_save_reopen_and_pdf(client, library):
    token = csrf(client)
    data = {
        "csrf": token,
        "p.age": "28",
        "p.activity_level": "competitive_athlete",
        "w.rerupture": "7",
        "chosen": "surgery",
        "sure.sure": "yes",
    }
    r = client.post("/nl/c/achilles-tendon-rupture/save", data=data, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    code = re.search(r'id="decision-code">([^<]+)<', page).group(1)
    assert "Operatie — <strong>uw keuze</strong>" in page
    assert "Voorkomen: Opnieuw gescheurde pees: belangrijk" in page or "Voorkomen:" in page
    assert re.search(r"Bewaard op \d\d-\d\d-\d{4} \d\d:\d\d\.", page)  # local time, no 'UTC'
    english = client.get(f"/en/d/{code}").text
    assert (
        "Surgery — <strong>your choice</strong>" in english
    )  # same knowledge version, other language
    pdf = client.get(f"/nl/d/{code}/handout.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    # the knowledge version is for the clinician view and the record, not the patient's print
    version = library.pack("achilles-tendon-rupture").knowledge_version
    assert version not in text.replace(" ", "") and version not in page
    clinician = client.get(f"/nl/d/{code}/clinician").text
    assert version in clinician
    assert "Wat zijn mijn mogelijkheden?" in text and "van de 100" in text


@pytest.mark.parametrize(("code", "status"), [("nonsense", 422), ("a" * 32, 404)])
def test_open_with_a_bad_code(client, code, status):
    r = client.post(
        "/en/open", data={"csrf": csrf(client, "/en/"), "code": code}, follow_redirects=False
    )
    # a redirect to the start page opened on the field (issue 19), not an error page as the
    # answer to a POST; the status says which error it was before the change
    assert r.status_code == 303 and r.headers["location"].endswith("#code"), status
    page = client.get(r.headers["location"].split("#")[0])
    assert page.status_code == 200 and 'id="code-error"' in page.text
    assert "autofocus" in page.text.split('id="code"', 1)[1].split(">", 1)[0]
    assert f'value="{code}"' in page.text  # what was typed stays
    expected = "not valid" if status == 422 else "no summary with this code"
    assert expected in page.text


def test_html_errors_are_pages_not_tracebacks(client):
    for path, status in (
        ("/nl/c/unknown", 404),
        ("/xx/", 404),
        ("/nl/d/short", 422),
        ("/nl/d/" + "b" * 32, 404),
    ):
        r = client.get(path)
        assert r.status_code == status and "<html" in r.text and "Traceback" not in r.text


def test_logs_hold_routes_not_profiles_or_codes(client, caplog):
    caplog.set_level(logging.INFO, logger="keuzewijs")
    token = csrf(client)
    r = client.post(
        "/nl/c/achilles-tendon-rupture/save",
        data={"csrf": token, "p.age": "87", "p.activity_level": "sedentary"},
        follow_redirects=False,
    )
    code = r.headers["location"].split("/")[3].split("?")[0]
    client.get(f"/nl/d/{code}")
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "/{lang}/d/{code}" in logged and "POST /{lang}/c/{condition_id}/save 303" in logged
    assert code not in logged and "87" not in logged and "sedentary" not in logged


def test_clinician_view_from_the_advice_page(client, library):
    url = _advice_url(client, "achilles-tendon-rupture", {"p.age": "40"})
    html = client.get(
        url.replace("/achilles-tendon-rupture?", "/achilles-tendon-rupture/clinician?")
    ).text
    result = advise("achilles-tendon-rupture", {"age": 40}, "en", library=library)
    number = {}
    for i, source in enumerate(result.sources, start=1):
        assert f'id="src-{source.id}"' in html
        number[source.id] = i
    for option in result.options:
        for statement in option.pros:
            first = statement.sources[0]  # cited by its number in the list, with the locator
            cite = f'[<a href="#src-{first.id}">{number[first.id]}</a>, {first.locator}]'
            assert cite.replace("'", "&#39;") in html
    rel = [e for o in result.options for e in o.outcomes if e.relative_effect]
    assert rel and 'class="forest"' in html
    assert f"{rel[0].relative_effect.measure} {rel[0].relative_effect.estimate}" in html


def test_about_page_from_pack_metadata(client, library):
    for pack in library.packs.values():
        html = client.get(f"/nl/c/{pack.id}/about").text
        assert pack.meta.review_due.strftime("%d-%m-%Y") in html
        assert pack.meta.funding.nl in html
        for source in pack.sources_file.sources[:3]:
            assert source.citation[:25].replace("'", "&#39;").replace("&", "&amp;")[:20] in html


def test_provisional_advice_says_unless_and_asks_the_open_questions(client, library):
    profile = {"age": 45, "leg_pain": True, "leg_pain_weeks": 8}
    from keuzewijs.profile_link import profile_token

    advice = advise("lumbar-disc-herniation", profile, "nl", library=library)
    provisional = [r for r in advice.recommendations if r.status == "provisional"]
    assert provisional  # the alarm questions are open
    html = client.get(f"/nl/c/lumbar-disc-herniation?profile={profile_token(profile)}").text
    recs = html.split('class="recs"', 1)[1].split("</ul>\n</section>", 1)[0]
    for r in provisional:
        assert r.unless.replace("'", "&#39;") in recs
        for q in r.unless_open:
            assert q.question.replace("'", "&#39;") in recs
    assert "voorlopig" in recs and "Beantwoord deze vragen" in recs


def test_dutch_numbers_and_no_internal_references(client, library):
    from keuzewijs.profile_link import profile_token

    profile = {"age": 84, "fracture_type": "femoral_neck", "displaced": True}
    html = client.get(f"/nl/c/hip-fracture/clinician?profile={profile_token(profile)}").text
    advice = advise("hip-fracture", profile, "nl", library=library)
    rel = [e.relative_effect for o in advice.actions + advice.options for e in o.outcomes]
    rel = [r for r in rel if r is not None and not float(r.estimate).is_integer()]
    assert rel
    for r in rel:
        assert f"{r.measure} {str(r.estimate).replace('.', ',')}" in html  # decimal comma
    for page in (html, client.get(f"/nl/c/hip-fracture?profile={profile_token(profile)}").text):
        assert "references.md" not in page and "shared/" not in page


def test_clinician_view_shows_what_the_patient_said_matters(client, library):
    """The clinician sees the patient's weights and agreed statements, and where they point;
    with nothing set, it says so rather than showing a best fit."""
    from keuzewijs.profile_link import profile_token
    from tests.web.test_weighing import FRAIL_HIP

    token = profile_token(FRAIL_HIP)
    base = f"/en/c/hip-fracture/clinician?profile={token}"
    values = client.get(base).text.split('id="values-h"', 1)[1].split("</section>", 1)[0]
    assert "The patient has not yet said what matters to them." in values
    assert "fit best" not in values

    said = client.get(base + "&v.comfort-no-operation=yes").text
    values = said.split('id="values-h"', 1)[1].split("</section>", 1)[0]
    comfort = library.pack("hip-fracture").meta.values_statements
    text = next(s.text.en for s in comfort if s.id == "comfort-no-operation")
    assert f"“{text}”" in values.replace("&#39;", "'")
    non_operative = next(
        o.name
        for o in advise("hip-fracture", FRAIL_HIP, "en", library=library).options
        if o.id == "non_operative"
    )
    assert f"The patient's statements fit best with: {non_operative}." in values.replace(
        "&#39;", "'"
    )


def test_clinician_view_never_leaves_applies_because_empty(client, library):
    """A rule without `when` holds for everyone with the condition: say so, not 'Geldt omdat:'
    followed by nothing."""
    from keuzewijs.profile_link import profile_token

    profile = {"age": 84, "fracture_type": "femoral_neck", "displaced": True}
    advice = advise("hip-fracture", profile, "nl", library=library)
    assert any(not r.applies_because for r in advice.recommendations)  # the case under test
    html = client.get(f"/nl/c/hip-fracture/clinician?profile={profile_token(profile)}").text
    recs = html.split('class="recs"', 1)[1].split("</ul>", 1)[0]
    assert "Geldt omdat: \n" not in recs and "Geldt omdat: <br>" not in recs
    assert recs.count("de regel heeft geen verdere voorwaarde") == sum(
        1 for r in advice.recommendations if not r.applies_because
    )


@pytest.mark.parametrize("operated", [True, False])
def test_an_operated_hip_patient_sees_no_implant_choice(client, library, operated):
    """Issue 17: after the operation the page names no implant to choose (the engine's phase)."""
    profile = {"age": 80, "fracture_type": "femoral_neck", "displaced": True}
    page = _hip_page(client, {**profile, "post_operative": operated}, "nl")
    names = [o.name.nl for o in library.pack("hip-fracture").options_file.options]
    implants = [n for n in names if "prothese" in n.lower() or "schroe" in n.lower()]
    assert implants
    shown = [n for n in implants if n in page]
    assert (shown == []) if operated else shown


def test_achilles_page_with_early_rehab_says_little_or_no_difference_and_no_verdict(client):
    """Issue 17, Done when: with early functional rehabilitation the page says there is probably
    little or no difference in re-rupture, and weighing only re-rupture gives no 'fits best'."""
    from keuzewijs.profile_link import profile_token

    data = {
        "csrf": csrf(client),
        "profile": profile_token({"functional_rehab_available": True}),
        "do": "show",
        "w.rerupture": "10",
    }
    r = client.post("/nl/c/achilles-tendon-rupture/go", data=data, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Waarschijnlijk weinig of geen verschil tussen Operatie en" in page
    assert "dicht bij elkaar" in page  # fit.close
    assert "Past het best bij wat u belangrijk vindt" not in page


def test_start_page_opens_the_after_surgery_questions(client, library):
    """'Ik ben geopereerd en heb klachten' leads to the form with 'already operated' answered and
    the alarm-sign question open (issue 19)."""
    html = client.get("/nl/").text
    links = re.findall(r'class="entry-after"><a class="button" href="([^"]+)">([^<]+)<', html)
    with_after = [p for p in library.packs.values() if p.meta.after_treatment]
    assert len(links) == len(with_after) >= 1
    href, label = links[0]
    assert label == "Ik ben geopereerd en heb klachten"
    pack = with_after[0]
    after = pack.meta.after_treatment
    assert href.endswith(f"#f-{after.alarm_field}")
    form = client.get(href.replace("&amp;", "&").split("#")[0]).text
    assert re.search(rf'name="p.{after.field}" value="true" class="reveals" checked', form)
    assert f'id="f-{after.alarm_field}"' in form
    if pack.id == "hip-fracture":  # the hip form asks 'already operated?' first
        assert form.index(f'data-field="{after.field}"') < form.index('data-field="age"')


def test_needs_lists_at_most_five_shown_questions_most_decisive_first(client, library):
    """'Nog nodig' for an empty lumbar profile: at most 5 listed, the rest folded; no follow-up
    whose parent is unanswered (the trial question waits for 'surgery considered')."""
    from keuzewijs.engine.advise import advise
    from keuzewijs.profile_link import profile_token

    html = client.get(f"/nl/c/lumbar-disc-herniation?profile={profile_token({'age': 40})}").text
    section = html.split('<div class="needs">', 1)[1].split("</details>\n</div>", 1)[0]
    listed = section.split('<details class="needs-more">', 1)
    first = re.findall(r"<li>(.*?)</li>", listed[0])
    folded = re.findall(r"<li>(.*?)</li>", listed[1])
    assert len(first) == 5 and len(folded) >= 1  # 13 shown questions are open for this profile
    pack = library.pack("lumbar-disc-herniation")
    trial = pack.fields["in_clinical_trial"].question.get("nl")
    assert trial not in first + folded
    needs = advise("lumbar-disc-herniation", {"age": 40}, "nl", library=library).needs
    flags = {f.id for f in pack.rules.red_flags}
    by_question = {n.question: n for n in needs}
    weights = [
        (bool(flags & set(by_question[q].affects)), len(by_question[q].affects))
        for q in first + folded
    ]
    assert weights == sorted(weights, reverse=True)  # alarm questions, then the most rules


@pytest.mark.parametrize(
    "condition", ["achilles-tendon-rupture", "hip-fracture", "lumbar-disc-herniation"]
)
def test_clinician_view_has_no_raw_values_english_or_internal_references(
    client, library, condition
):
    """Issue 19 item 6: in Dutch, no engine English ('relative effect only'), no raw values
    ('True', 'field=value'), correct plurals ('1 studie'), no internal references."""
    import html as html_lib

    from keuzewijs.profile_link import profile_token
    from keuzewijs.validation.vignettes import load_vignettes

    demo = next(v for v in load_vignettes(library, condition) if v.demo and not v.expect.urgent)
    page = client.get(f"/nl/c/{condition}/clinician?profile={profile_token(demo.profile)}").text
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    main = main.split('<table class="trace">', 1)[1]  # from the trace on: values the rules used
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1]))
    for english in ("relative effect only", "baseline (control-group) risk", "GRADE: baseline"):
        assert english not in text, english
    assert not re.search(r"\b(True|False|None)\b", text)
    assert not re.search(r"\b1 (studies|patiënten)\b", text)
    assert "shared/references" not in text
    assert not re.search(r"\b[a-z]+_[a-z_]+=", html_lib.unescape(re.sub(r"<[^>]+>", " ", main)))


def test_clinician_view_gives_the_packs_referral_line(client, library):
    """Lumbar, cauda equina signs: the clinician view says 'refer immediately' from
    clinician.yaml; without alarm signs it does not."""
    from keuzewijs.profile_link import profile_token
    from keuzewijs.validation.vignettes import load_vignettes

    vignettes = {v.id: v for v in load_vignettes(library, "lumbar-disc-herniation")}
    url = "/nl/c/lumbar-disc-herniation/clinician?profile="
    alarm = client.get(url + profile_token(vignettes["ldh-cauda-saddle-anaesthesia"].profile)).text
    assert "Verwijs direct naar de neuroloog: vermoeden van een caudasyndroom" in alarm
    calm = next(v for v in vignettes.values() if v.demo and not v.expect.urgent)
    assert "Verwijs direct" not in client.get(url + profile_token(calm.profile)).text


@pytest.mark.parametrize(
    ("clock", "day"), [("2026-12-07T01:00:00+01:00", 1), ("2026-12-07T14:00:00+01:00", 0)]
)
def test_hip_form_asks_one_question_for_time_since_admission(tmp_path, clock, day):
    """Issue 19 item 7: the hip form asks the hours since admission only; the calendar day the
    guideline rule reads is computed from it and the clock (2 hours ago at 01:00 is yesterday)."""
    from fastapi.testclient import TestClient

    from keuzewijs.profile_link import read_profile_token
    from keuzewijs.web.app import create_app
    from tests.web.conftest import make_settings

    settings = make_settings(f"sqlite:///{tmp_path / 'kw.db'}", clock=clock)
    with TestClient(create_app(settings)) as c:
        form = c.get("/nl/c/hip-fracture").text
        assert 'data-field="hours_since_admission"' in form
        assert 'data-field="admission_calendar_day"' not in form
        data = {"csrf": csrf(c, "/nl/"), "p.age": "84", "p.hours_since_admission": "2"}
        r = c.post("/nl/c/hip-fracture", data=data, follow_redirects=False)
        assert r.status_code == 303
        token = re.search(r"profile=([^&]+)", r.headers["location"]).group(1)
        profile = read_profile_token(token)
        assert profile["admission_calendar_day"] == day and profile["hours_since_admission"] == 2
