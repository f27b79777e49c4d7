"""The exported PlanDefinition, executed on a vignette's profile, decides every action as the engine
decides the rule: each action's applicability (`when and not unless`, read after the pack's
implications) on the profile QuestionnaireResponse gives the trace's three-valued `fired`.

Both FHIRPath engines run the exported expressions: fhirpathpy and fhirpath.js (R4 model).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
from fhirpathpy import compile as fhirpath_compile

from keuzewijs.engine.advise import advise
from keuzewijs.fhir.export import export_pack
from keuzewijs.fhir.profile import questionnaire_response
from keuzewijs.packs.loader import get_library
from keuzewijs.packs.profile import validate_profile
from keuzewijs.validation.vignettes import load_vignettes

from ..conftest import KNOWLEDGE
from .fhirpath_engines import fhirpath_js, verdict

LIBRARY = get_library(KNOWLEDGE)
PACKS = sorted(LIBRARY.packs)


@cache
def cases(
    condition_id: str, contradictory: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict]]:
    """The PlanDefinition's actions, the profiles as QuestionnaireResponses, and per profile the
    engine's verdict by rule id (red flags and recommendations). The profiles are the vignettes,
    and each vignette once more without the fields an implication can fill (so the implied value,
    not the answer, decides). Profiles whose answers contradict each other (issue 18: the engine
    reads the red flags on the safe side) are apart: `contradictory=True` gives only those."""
    pack = LIBRARY.pack(condition_id)
    plan = next(r for r in export_pack(pack) if r["resourceType"] == "PlanDefinition")
    implied = {imp.then.field for imp in pack.rules.implications}
    profiles = []
    for vignette in load_vignettes(LIBRARY, condition_id):
        profile = validate_profile(pack.profile_model, vignette.profile)
        profiles.append(profile)
        if implied & set(profile):
            profiles.append({k: v for k, v in profile.items() if k not in implied})
    responses, fired = [], []
    for profile in profiles:
        advice = advise(condition_id, profile, "nl", library=LIBRARY)
        if any(t.kind == "contradiction" for t in advice.to_check) != contradictory:
            continue
        responses.append(questionnaire_response(pack, profile))
        trace = advice.trace
        fired.append({t.rule: t.fired for t in trace if t.kind in ("red_flag", "recommendation")})
    return plan["action"], responses, fired


def expression(action: dict[str, Any]) -> str | None:
    conditions = action.get("condition", [])
    assert len(conditions) <= 1
    return conditions[0]["expression"]["expression"] if conditions else None


def check(condition_id: str, results: list[list[Any]], contradictory: bool = False) -> None:
    actions, _, fired = cases(condition_id, contradictory)
    checked: set[str] = set()
    for i, action in enumerate(actions):
        for j, engine in enumerate(fired):
            if action["id"] not in engine:
                continue  # the engine did not evaluate it (e.g. the pack stops after a red flag)
            got = True if results[i] is None else verdict(results[i][j])
            assert got == engine[action["id"]], (
                f"vignette {j}, {action['id']}: engine {engine[action['id']]}, FHIRPath {got}\n"
                f"{expression(action)}"
            )
            checked.add(action["id"])
    if not contradictory:
        assert checked == {a["id"] for a in actions}  # every action was compared at least once


@pytest.mark.parametrize("condition_id", PACKS)
def test_plan_definition_decides_as_the_engine_fhirpathpy(condition_id):
    actions, responses, _ = cases(condition_id)
    results: list[list[Any]] = []
    for action in actions:
        expr = expression(action)
        if expr is None:
            results.append(None)  # type: ignore[arg-type]
            continue
        program = fhirpath_compile(expr)
        results.append([program({}, {"profile": qr}) for qr in responses])
    check(condition_id, results)


@pytest.mark.parametrize("condition_id", PACKS)
def test_plan_definition_decides_as_the_engine_fhirpath_js(condition_id):
    actions, responses, _ = cases(condition_id)
    with_condition = [i for i, a in enumerate(actions) if expression(a) is not None]
    js = fhirpath_js([expression(actions[i]) for i in with_condition], responses)  # type: ignore[misc]
    results: list[Any] = [None] * len(actions)
    for k, i in enumerate(with_condition):
        assert not any(isinstance(cell, dict) for cell in js[k]), js[k]
        results[i] = js[k]
    check(condition_id, results)


def test_implications_are_part_of_the_exported_conditions():
    """Symptoms after the operation imply 'operated' (hip-fracture's implication): a red flag that
    needs 'operated' fires on the exported PlanDefinition without post_operative answered."""
    pack = LIBRARY.pack("hip-fracture")
    actions, _, _ = cases("hip-fracture")
    qr = questionnaire_response(pack, {"symptoms": ["wound_leakage"]})
    action = next(a for a in actions if a["id"] == "wound-leakage")
    trace = advise("hip-fracture", {"symptoms": ["wound_leakage"]}, "nl", library=LIBRARY).trace
    assert next(t.fired for t in trace if t.rule == "wound-leakage") is True
    assert verdict(fhirpath_compile(expression(action))({}, {"profile": qr})) is True
    assert verdict(fhirpath_js([expression(action)], [qr])[0][0]) is True  # type: ignore[list-item]


@pytest.mark.hazard("H-005")
def test_plan_definition_reads_contradictory_answers_on_the_safe_side():
    """'Not operated' with fever since the operation: the exported red flags fire as the engine's
    do, on the safe side, on both FHIRPath engines."""
    actions, responses, fired = cases("hip-fracture", contradictory=True)
    assert responses, "the hip vignettes include a contradiction"
    flags = {a["id"] for a in actions if a.get("priority") == "urgent"}
    assert any(f[k] is True for f in fired for k in flags & set(f)), "a flag fires on the safe side"
    results: list[list[Any]] = []
    for action in actions:
        expr = expression(action)
        if expr is None:
            results.append(None)  # type: ignore[arg-type]
            continue
        program = fhirpath_compile(expr)
        results.append([program({}, {"profile": qr}) for qr in responses])
    check("hip-fracture", results, contradictory=True)
    with_condition = [i for i, a in enumerate(actions) if expression(a) is not None]
    js = fhirpath_js([expression(actions[i]) for i in with_condition], responses)  # type: ignore[misc]
    js_results: list[Any] = [None] * len(actions)
    for k, i in enumerate(with_condition):
        js_results[i] = js[k]
    check("hip-fracture", js_results, contradictory=True)
