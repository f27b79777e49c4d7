"""clinician.yaml (issue 19 item 6): every rule of every pack has a clinician text in nl and en,
and `check_clinician` (part of `keuzewijs validate`) reports a rule without one, a text for a
rule that does not exist, and a rule with two."""

from __future__ import annotations

import dataclasses

import pytest

from keuzewijs.packs.models import ClinicianFile, ClinicianText
from keuzewijs.packs.text_refs import check_clinician

CONDITIONS = ["achilles-tendon-rupture", "hip-fracture", "lumbar-disc-herniation"]


@pytest.mark.parametrize("condition", CONDITIONS)
def test_every_rule_has_a_clinician_text_in_both_languages(library, condition):
    pack = library.pack(condition)
    assert pack.clinician is not None
    assert list(check_clinician(pack)) == []
    for rule in pack.rules.rules:
        text = pack.clinician.text_for(rule.id)
        assert text is not None, rule.id
        assert text.nl.strip() and text.en.strip(), rule.id
        assert text.nl != text.en, rule.id


@pytest.mark.parametrize("condition", CONDITIONS)
def test_clinician_texts_are_not_the_patient_texts(library, condition):
    """The clinician's voice: a text is not the rule's patient text, and never says 'u'/'uw'."""
    import re

    pack = library.pack(condition)
    for rule in pack.rules.rules:
        text = pack.clinician.text_for(rule.id)
        patient = getattr(rule, "text", None) or getattr(rule, "message", None)
        assert text.nl != patient.nl and text.en != patient.en, rule.id
        assert not re.search(r"\b([Uu]w?)\b", text.nl), (rule.id, text.nl)


def _with_texts(pack, texts):
    clinician = ClinicianFile(texts=texts, referrals=pack.clinician.referrals)
    return dataclasses.replace(pack, clinician=clinician)


def test_missing_unknown_and_duplicate_texts_are_reported(library):
    pack = library.pack("hip-fracture")
    texts = list(pack.clinician.texts)
    dropped = texts.pop(0)
    extra = ClinicianText(rule="no-such-rule", text={"nl": "x", "en": "x"})
    found = [p.one_line() for p in check_clinician(_with_texts(pack, [*texts, extra, texts[0]]))]
    assert f"clinician.yaml: texts: rule '{dropped.rule}' has no clinician text" in found
    assert any("unknown rule 'no-such-rule'" in line for line in found)
    assert any(f"rule '{texts[0].rule}' has more than one clinician text" in line for line in found)
    assert len(found) == 3


def test_a_pack_without_clinician_yaml_is_reported_rule_by_rule(library):
    pack = dataclasses.replace(library.pack("achilles-tendon-rupture"), clinician=None)
    found = list(check_clinician(pack))
    assert len(found) == len(pack.rules.rules) and all(
        "no clinician text" in p.message for p in found
    )
