"""The readability gate: sentence splitting, Dutch syllables, Flesch-Douma, jargon and id checks."""

from __future__ import annotations

import dataclasses

import pytest

from keuzewijs.packs.models import Text
from keuzewijs.validation.readability import (
    _matcher,
    check_dutch_output,
    check_pack,
    flesch_douma,
    load_rules,
    sentences,
    syllables_nl,
    words,
)


def test_sentences_split_on_full_stops_but_not_on_abbreviations_or_decimals() -> None:
    text = "Neem bijv. paracetamol. Het risico is 2,8 op de 100! Vraag het uw arts?"
    assert sentences(text) == [
        "Neem bijv. paracetamol.",
        "Het risico is 2,8 op de 100!",
        "Vraag het uw arts?",
    ]
    assert words("Het risico is 2,8 op de 100.") == [
        "Het",
        "risico",
        "is",
        "2,8",
        "op",
        "de",
        "100",
    ]


@pytest.mark.parametrize(
    ("word", "count"),
    [("pees", 1), ("scheurt", 1), ("operatie", 4), ("fysiotherapeut", 6), ("knieën", 2), ("uw", 1)],
)
def test_dutch_syllables(word: str, count: int) -> None:
    assert syllables_nl(word) == count


def test_flesch_douma_rewards_short_words_and_sentences() -> None:
    easy = flesch_douma(["De pees is kapot. U krijgt gips. Dan oefent u."])
    hard = flesch_douma(
        [
            "Chirurgische behandelingsmogelijkheden veroorzaken postoperatieve "
            "infectiecomplicaties bij geselecteerde patiëntenpopulaties "
            "met gecompliceerde comorbiditeit."
        ]
    )
    assert easy is not None and hard is not None
    assert easy > 80 > 20 > hard


def test_short_upper_case_jargon_is_case_sensitive() -> None:
    nl = _matcher(["RR", "BI", "95%-BI", "WEL", "procentpunt"])
    assert {m.group(0) for m in nl.finditer("RR 0,43; 95%-BI; WEL; 5 Procentpunt")} == {
        "RR",
        "95%-BI",
        "WEL",
        "Procentpunt",
    }
    # the Dutch words 'of', 'wel' and 'bij' are not the abbreviations OR, WEL and BI
    assert not list(_matcher(["OR", "WEL", "BI"]).finditer("of dit wel bij u past"))


def test_shipped_pack_texts_are_plain(library) -> None:
    rules = load_rules(library)
    for pack in library.packs.values():
        result = check_pack(pack, rules)
        pack_findings = [p for p in result.problems if not p.path.startswith("rules.yaml")]
        assert pack_findings == [], pack.id
        assert result.flesch_douma is not None and result.flesch_douma > 55


def test_gate_finds_jargon_and_long_sentences(library) -> None:
    pack = library.pack("achilles-tendon-rupture")
    long = " ".join(["Woord"] + ["woord"] * 29) + "."
    meta = pack.meta.model_copy(
        update={"summary": Text(nl=f"Het RR is 0,43 (95%-BI). {long}", en="The RR is 0.43.")}
    )
    broken = dataclasses.replace(pack, meta=meta)
    found = [p.one_line() for p in check_pack(broken, load_rules(library)).problems]
    assert any("summary (nl)" in f and "'RR'" in f and "95%-BI" in f for f in found)
    assert any("summary (nl)" in f and "sentence of 30 words" in f for f in found)
    assert any("summary (en)" in f and "'RR'" in f for f in found)


def test_dutch_output_check_finds_ids_and_english(library) -> None:
    pack = library.pack("hip-fracture")
    rules = load_rules(library)
    assert (
        check_dutch_output(
            "Aanbevolen: Halve heupprothese. Waarom: minder vaak uit de kom.", pack, rules
        )
        == []
    )
    found = check_dutch_output("Aanbevolen: total_hip_prosthesis. See the section.", pack, rules)
    assert "id 'total_hip_prosthesis'" in found
    assert "English 'the'" in found and "English 'section'" in found


def test_decimal_point_in_dutch_is_found_but_thousands_separators_are_not(library) -> None:
    pack = library.pack("achilles-tendon-rupture")
    meta = pack.meta.model_copy(
        update={
            "summary": Text(nl="Bij 2.8 van de 100 mensen; 15.862 patiënten.", en="2.8 in 100.")
        }
    )
    found = [
        p.one_line()
        for p in check_pack(dataclasses.replace(pack, meta=meta), load_rules(library)).problems
    ]
    assert found == ["pack.yaml: summary (nl): decimal point in Dutch (write a comma): ['2.8']"]
