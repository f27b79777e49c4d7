"""The red-flag invariants of issue 18, for every rule of every pack (hypothesis), and the checks
that keep pack data honest about urgency.

- under a fired red flag the advice opens with the urgent step; every elective recommendation and
  the option comparison are under 'later' (kept beside the urgent step: only advice whose
  situation is made of alarm answers);
- advice a red flag `suspended_by` is never shown, now or later, while that flag is fired or open;
- contradictory answers become a to-check item and the red flags are read on the safe side;
- a red flag's urgency is fast enough for its severity, and its words match its urgency.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError

from keuzewijs.engine.advise import advise_pack
from keuzewijs.engine.compiled import fields_of
from keuzewijs.errors import KnowledgeError
from keuzewijs.packs.loader import Pack, load_library
from keuzewijs.packs.models import RedFlag
from keuzewijs.rules.evaluate import Evaluation, Evaluator

from ..conftest import KNOWLEDGE
from .test_properties import LIB, case

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _alarm_fields(pack: Pack) -> frozenset[str]:
    return frozenset().union(*(fields_of(pack, f.when) for f in pack.rules.red_flags))


def _rule(pack: Pack, rec_id: str) -> Any:
    return next(r for r in pack.rules.recommendations if r.id == rec_id)


@pytest.mark.hazard("H-001", "H-002", "H-003")
@SETTINGS
@given(case())
def test_a_fired_red_flag_folds_every_elective_advice_and_the_comparison(drawn) -> None:
    pack, profile, lang = drawn
    advice = advise_pack(LIB, pack, profile, lang)
    if not advice.urgent:
        assert advice.later == [] and advice.comparison_later is False
        return
    assert advice.recommendations[0].id == "urgent-first"
    assert advice.comparison_later is True, "the option comparison comes after the urgent step"
    alarm = _alarm_fields(pack)
    for rec in advice.recommendations[1:]:
        rule = _rule(pack, rec.id)
        # kept now only when its situation is made of alarm answers: part of the urgent step
        assert rule.when is not None and fields_of(pack, rule.when) <= alarm, rec.id
    for rec in advice.later:
        assert rec.id != "urgent-first"


@pytest.mark.hazard("H-002", "H-004")
@SETTINGS
@given(case())
def test_suspended_advice_is_never_shown_while_its_flag_is_fired_or_open(drawn) -> None:
    pack, profile, lang = drawn
    advice = advise_pack(LIB, pack, profile, lang)
    alarming = {u.id for u in advice.urgent} | {t.id for t in advice.to_check}
    for rec in (*advice.recommendations, *advice.later):
        if rec.id == "urgent-first":
            continue
        assert not set(_rule(pack, rec.id).suspended_by) & alarming, rec.id


def _holds(pack: Pack, cond: Any, profile: dict[str, Any]) -> bool | None:
    evaluator = Evaluator(pack.rules.definitions, {f.name: f.unit for f in pack.profile.fields})
    return evaluator.evaluate(cond, profile, Evaluation())


@pytest.mark.hazard("H-005")
@SETTINGS
@given(case())
def test_contradictions_are_asked_and_red_flags_read_on_the_safe_side(drawn) -> None:
    pack, profile, lang = drawn
    advice = advise_pack(LIB, pack, profile, lang)
    values = advice.profile
    implied = {}
    for imp in pack.rules.implications:
        target = imp.then.field
        contradicted = target in values and values[target] != imp.then.value
        if contradicted and _holds(pack, imp.if_, values) is True:
            assert imp.id in {t.id for t in advice.to_check if t.kind == "contradiction"}
            implied[target] = imp.then.value
    if not implied:
        assert all(t.kind == "red_flag" for t in advice.to_check)
        return
    safer = {**values, **implied}
    fired = {u.id for u in advice.urgent}
    for flag in pack.rules.red_flags:
        if _holds(pack, flag.when, safer) is True:
            assert flag.id in fired, flag.id


def _urgent_ids(pack_id: str, profile: dict[str, Any], lang: str = "nl") -> Any:
    return advise_pack(LIB, LIB.pack(pack_id), profile, lang)


@pytest.mark.hazard("H-006")
def test_hip_chest_pain_with_not_operated_opens_on_112() -> None:
    advice = _urgent_ids(
        "hip-fracture", {"post_operative": False, "symptoms": ["shortness_of_breath_or_chest_pain"]}
    )
    assert [u.id for u in advice.urgent] == ["breathless-or-chest-pain"]
    assert advice.urgent[0].urgency == "call_112" and "112" in advice.urgent[0].action
    assert advice.recommendations[0].id == "urgent-first"
    assert "surgery-is-the-treatment" in {r.id for r in advice.later}
    # the other side: no symptom, nothing urgent, the operation advice applies now
    calm = _urgent_ids("hip-fracture", {"post_operative": False, "symptoms": []})
    assert calm.urgent == [] and "surgery-is-the-treatment" in {r.id for r in calm.recommendations}


@pytest.mark.hazard("H-001")
def test_exercise_advice_is_never_shown_under_a_hip_alarm_sign() -> None:
    for symptom in (
        "persistent_fever_over_38",
        "leg_painful_stiff_red_or_swollen",
        "wound_leakage",
        "shortness_of_breath_or_chest_pain",
    ):
        advice = _urgent_ids("hip-fracture", {"post_operative": True, "symptoms": [symptom]})
        shown = {r.id for r in (*advice.recommendations, *advice.later)}
        assert advice.urgent and "rehabilitation-from-day-one" not in shown, symptom
    calm = _urgent_ids("hip-fracture", {"post_operative": True, "symptoms": []})
    assert "rehabilitation-from-day-one" in {r.id for r in calm.recommendations}


@pytest.mark.hazard("H-007")
def test_cauda_equina_says_call_now_not_today() -> None:
    advice = _urgent_ids("lumbar-disc-herniation", {"bladder_dysfunction": True})
    (flag,) = advice.urgent
    assert flag.urgency == "call_now"
    assert "Bel meteen" in flag.action and "vandaag" not in flag.action


@pytest.mark.hazard("H-008")
def test_an_open_weakness_question_says_the_action_is_for_severe_weakness_only() -> None:
    advice = _urgent_ids("lumbar-disc-herniation", {"leg_pain": True}, "nl")
    check = next(t for t in advice.to_check if t.id == "severe-or-progressive-paresis")
    assert check.action.startswith("Alleen bij ernstig krachtverlies"), check.action
    mild = _urgent_ids("lumbar-disc-herniation", {"leg_pain": True, "paresis": "mild"})
    assert "severe-or-progressive-paresis" not in {t.id for t in mild.to_check}
    assert mild.urgent == []


def _flag(**changes: Any) -> dict[str, Any]:
    base = {
        "id": "x",
        "about": "surgery",
        "when": {"field": "paresis", "op": "eq", "value": "severe"},
        "message": {"nl": "m", "en": "m"},
        "action": {"nl": "Bel meteen.", "en": "Call straight away."},
        "sources": [{"id": "s", "locator": "p. 1"}],
        "severity": "loss_of_function",
        "urgency": "call_now",
    }
    return {**base, **changes}


@pytest.mark.hazard("H-007")
@pytest.mark.parametrize(
    ("severity", "too_slow"),
    [
        ("life_threatening", "call_now"),
        ("loss_of_function", "call_today"),
        ("complication", "next_weekday"),
    ],
)
def test_an_urgency_slower_than_the_severity_is_rejected(severity: str, too_slow: str) -> None:
    with pytest.raises(ValidationError, match="too slow"):
        RedFlag.model_validate(_flag(severity=severity, urgency=too_slow))
    RedFlag.model_validate(_flag(severity=severity, urgency="call_112"))  # faster is allowed


def _knowledge_copy(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    return root


def _edit_rules(root: Path, pack: str, edit: Any) -> None:
    path = root / pack / "rules.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.hazard("H-007")
def test_call_now_flag_that_says_today_fails_to_load(tmp_path: Path) -> None:
    root = _knowledge_copy(tmp_path)

    def slower_words(data: dict[str, Any]) -> None:
        data["red_flags"][0]["action"]["nl"] = "Bel meteen, of anders vandaag nog, de huisarts."

    _edit_rules(root, "lumbar-disc-herniation", slower_words)
    with pytest.raises(KnowledgeError, match="vandaag nog") as err:
        load_library(root)
    assert "cauda-equina-syndrome" in (err.value.path or "")


@pytest.mark.hazard("H-002")
def test_suspended_by_must_name_a_red_flag(tmp_path: Path) -> None:
    root = _knowledge_copy(tmp_path)

    def unknown_flag(data: dict[str, Any]) -> None:
        rule = next(r for r in data["recommendations"] if r["id"] == "rehabilitation-from-day-one")
        rule["suspended_by"] = ["no-such-flag"]

    _edit_rules(root, "hip-fracture", unknown_flag)
    with pytest.raises(KnowledgeError, match="no-such-flag"):
        load_library(root)
