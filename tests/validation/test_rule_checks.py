"""The rule checks of `keuzewijs validate` and of the loader fail (or warn) where they should."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from keuzewijs.errors import KeuzewijsError
from keuzewijs.packs.loader import load_pack
from keuzewijs.validation.rules_check import both_shown, conflicts, warnings

from ..conftest import KNOWLEDGE

LUMBAR = "lumbar-disc-herniation"


def _copy(tmp_path: Path, pack_id: str, *edits: tuple[str, str]) -> Path:
    root = tmp_path / pack_id
    shutil.copytree(Path(KNOWLEDGE) / pack_id, root)
    for name in ("rules.yaml", "profile.yaml"):
        text = (root / name).read_text()
        for old, new in edits:
            if old in text:
                assert text.count(old) == 1, old
                text = text.replace(old, new)
        (root / name).write_text(text)
    return root


def test_shipped_packs_have_no_conflicts_and_no_warnings() -> None:
    for pack_id in ("achilles-tendon-rupture", "hip-fracture", LUMBAR):
        pack = load_pack(Path(KNOWLEDGE) / pack_id)
        assert list(conflicts(pack)) == []
        assert list(warnings(pack)) == []


def test_opposite_rules_without_precedence_fail(tmp_path: Path) -> None:
    # without its `overrides`, the early-scan advice and 'no routine MRI after surgery' collide
    root = _copy(tmp_path, LUMBAR, ("    overrides: [no-routine-mri-after-surgery]\n", ""))
    pack = load_pack(root)
    found = list(conflicts(pack))
    assert len(found) == 1
    assert "mri-early-other-reason / no-routine-mri-after-surgery" in found[0].path
    assert "overrides" in found[0].message


def test_witness_is_a_profile_on_which_both_are_shown(tmp_path: Path) -> None:
    from keuzewijs.engine.advise import advise_pack
    from keuzewijs.packs.loader import Library, load_ui

    root = _copy(tmp_path, LUMBAR, ("    overrides: [no-routine-mri-after-surgery]\n", ""))
    pack = load_pack(root)
    rules = {r.id: r for r in pack.rules.recommendations}
    witness = both_shown(
        pack, rules["mri-early-other-reason"], rules["no-routine-mri-after-surgery"]
    )
    assert witness is not None
    library = Library(root=tmp_path, packs={LUMBAR: pack}, ui=load_ui(Path(KNOWLEDGE)))
    shown = {r.id for r in advise_pack(library, pack, witness, "en").recommendations}
    assert {"mri-early-other-reason", "no-routine-mri-after-surgery"} <= shown
    # exclusive rules have no witness
    assert (
        both_shown(pack, rules["new-technique-only-in-trial"], rules["new-technique-within-trial"])
        is None
    )


def test_a_negated_red_flag_in_when_warns(tmp_path: Path) -> None:
    root = _copy(
        tmp_path,
        LUMBAR,
        (
            """    when:
      any:
        - {field: back_pain, op: is_true}
        - {field: main_pain_location, op: eq, value: only_back}
    unless:
      any:
        - {ref: radiating_leg_pain}
        - {ref: alarm_symptoms}
""",
            """    when:
      all:
        - {field: back_pain, op: is_true}
        - {not: {ref: radiating_leg_pain}}
        - {not: {ref: alarm_symptoms}}
""",
        ),
    )
    found = list(warnings(load_pack(root)))
    assert len(found) == 1
    assert "no-surgery-back-pain-only" in found[0].path and "alarm_symptoms" in found[0].message


def test_an_exception_without_a_question_fails_to_load(tmp_path: Path) -> None:
    root = _copy(
        tmp_path,
        LUMBAR,
        (
            'question: {nl: "Moet u door de pijn in bed blijven, ook al gebruikt u sterke '
            'pijnstillers (opiaten, zoals morfine)?"',
            'question: {nl: " "',
        ),
    )
    text = (root / "profile.yaml").read_text()
    assert 'question: {nl: " "' in text
    with pytest.raises(KeuzewijsError) as err:
        load_pack(root)
    assert "bedridden_despite_opioids" in err.value.one_line()
    assert "question" in err.value.one_line()


def test_overrides_and_implications_are_checked(tmp_path: Path) -> None:
    root = _copy(
        tmp_path,
        LUMBAR,
        ("overrides: [no-routine-mri-after-surgery]", "overrides: [no-such-rule]"),
        ("then: {field: post_operative, value: true}", "then: {field: post_operative, value: 3}"),
    )
    with pytest.raises(KeuzewijsError) as err:
        load_pack(root)
    assert "no-such-rule" in err.value.one_line()
    assert "and 1 more" in err.value.one_line()
