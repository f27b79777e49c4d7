"""Every generated FHIRPath condition gives exactly the engine's verdict on every vignette profile.

The engine's evaluator is the reference: [true] = true, [false] = false, [] = unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pytest
from fhirpathpy import compile as fhirpath_compile

from keuzewijs.engine.compiled import compiled
from keuzewijs.fhir.fhirpath import FhirPathTranslator, pack_conditions
from keuzewijs.fhir.profile import questionnaire_response
from keuzewijs.packs.loader import get_library
from keuzewijs.packs.profile import validate_profile
from keuzewijs.rules.evaluate import Evaluation
from keuzewijs.validation.vignettes import load_vignettes

from ..conftest import KNOWLEDGE
from .fhirpath_engines import fhirpath_js, verdict

LIBRARY = get_library(KNOWLEDGE)
PACKS = sorted(LIBRARY.packs)


@dataclass(frozen=True)
class Cells:
    """Every condition of a pack on every vignette profile: the expression, the profile as a
    QuestionnaireResponse, and the verdicts of the engine and of fhirpathpy."""

    keys: list[str]
    expressions: list[str]
    vignette_ids: list[str]
    responses: list[dict]
    engine: list[list[bool | None]]
    fhirpathpy: list[list[bool | None]]


@cache
def cells(condition_id: str) -> Cells:
    pack = LIBRARY.pack(condition_id)
    vignettes = load_vignettes(LIBRARY, condition_id)
    assert vignettes, f"no vignettes for {condition_id}"
    evaluator = compiled(LIBRARY, pack).evaluator
    translator = FhirPathTranslator(pack)
    conditions = pack_conditions(pack)
    keys = sorted(conditions)
    expressions = [translator.visit(conditions[k]) for k in keys]
    profiles = [validate_profile(pack.profile_model, v.profile) for v in vignettes]
    responses = [questionnaire_response(pack, p) for p in profiles]
    programs = [fhirpath_compile(e) for e in expressions]
    return Cells(
        keys,
        expressions,
        [v.id for v in vignettes],
        responses,
        [[evaluator.evaluate(conditions[k], p, Evaluation()) for p in profiles] for k in keys],
        [[verdict(program({}, {"profile": qr})) for qr in responses] for program in programs],
    )


@pytest.mark.parametrize("condition_id", PACKS)
def test_fhirpath_matches_engine_on_every_vignette(condition_id):
    c = cells(condition_id)
    verdicts = set()
    for i, key in enumerate(c.keys):
        for j, vignette_id in enumerate(c.vignette_ids):
            expected, got = c.engine[i][j], c.fhirpathpy[i][j]
            assert got == expected, (
                f"{vignette_id} / {key}: engine {expected}, FHIRPath {got}\n{c.expressions[i]}"
            )
            verdicts.add(expected)
    assert len(c.keys) * len(c.vignette_ids) > 0
    assert {True, False} <= verdicts  # the vignettes exercise both sides


def test_unknown_and_known_empty_set_differ():
    pack = LIBRARY.pack("hip-fracture")
    translator = FhirPathTranslator(pack)
    flag = next(f for f in pack.rules.red_flags if f.id == "wound-leakage")
    program = fhirpath_compile(translator.visit(flag.when))
    unknown = questionnaire_response(pack, {"post_operative": True})
    empty = questionnaire_response(pack, {"post_operative": True, "symptoms": []})
    assert verdict(program({}, {"profile": unknown})) is None
    assert verdict(program({}, {"profile": empty})) is False


def _form_filler(qr: dict, questionnaire: dict) -> dict:
    """The QuestionnaireResponse as a standard form filler writes it: only items with answers
    (an item without answers is left out), each answer one of the Questionnaire's options."""
    options = {
        i["linkId"]: {o["valueCoding"]["code"] for o in i.get("answerOption", [])}
        for i in questionnaire["item"]
    }
    items = []
    for item in qr["item"]:
        answers = item.get("answer") or []
        if not answers:
            continue
        for a in answers:
            if "valueCoding" in a:
                assert a["valueCoding"]["code"] in options[item["linkId"]], item
        items.append(item)
    return {**qr, "item": items}


@pytest.mark.parametrize("condition_id", PACKS)
def test_none_of_these_is_a_standard_answer_and_agrees_with_the_engine(condition_id):
    """Every vignette, its QuestionnaireResponse as a form filler writes it: the PlanDefinition's
    conditions (fhirpathpy) agree with the engine on 100% of verdicts. 'None of these' is the
    exclusive option `none-of-the-above` (SDC questionnaire-optionExclusive)."""
    from keuzewijs.fhir.profile import OPTION_EXCLUSIVE, questionnaire

    pack = LIBRARY.pack(condition_id)
    form = questionnaire(pack)
    c = cells(condition_id)
    programs = [fhirpath_compile(e) for e in c.expressions]
    agree = total = 0
    for i, program in enumerate(programs):
        for j, qr in enumerate(c.responses):
            got = verdict(program({}, {"profile": _form_filler(qr, form)}))
            total += 1
            agree += got == c.engine[i][j]
            assert got == c.engine[i][j], (c.vignette_ids[j], c.keys[i])
    assert agree == total > 0
    for item in form["item"]:
        if item.get("repeats"):
            none = [
                o for o in item["answerOption"] if o["valueCoding"]["code"] == "none-of-the-above"
            ]
            assert none and none[0]["extension"] == [
                {"url": OPTION_EXCLUSIVE, "valueBoolean": True}
            ]


# ---------------------------------------------------------------- a second engine: fhirpath.js
@pytest.mark.parametrize("condition_id", PACKS)
def test_fhirpath_js_agrees_with_fhirpathpy_and_the_engine(condition_id):
    """The same generated expressions on the same profiles: fhirpath.js (R4 model) gives exactly
    fhirpathpy's result, which is the engine's verdict, in every cell."""
    c = cells(condition_id)
    js = fhirpath_js(c.expressions, c.responses)
    assert len(js) == len(c.keys) and all(len(row) == len(c.responses) for row in js)
    verdicts = set()
    for i, key in enumerate(c.keys):
        for j, vignette_id in enumerate(c.vignette_ids):
            assert not isinstance(js[i][j], dict), f"{key}: fhirpath.js error {js[i][j]}"
            got = verdict(js[i][j])
            assert got == c.fhirpathpy[i][j] == c.engine[i][j], (
                f"{vignette_id} / {key}: engine {c.engine[i][j]}, fhirpathpy "
                f"{c.fhirpathpy[i][j]}, fhirpath.js {got}\n{c.expressions[i]}"
            )
            verdicts.add(got)
    assert {True, False} <= verdicts


def test_fhirpath_js_refuses_an_undeclared_variable():
    """fhirpath.js checks what the PlanDefinition must declare: an undeclared %variable fails."""
    empty = {"resourceType": "QuestionnaireResponse", "status": "completed"}
    results = fhirpath_js(["%unknown.item.exists()", "%profile.item.exists()"], [empty])
    assert "error" in results[0][0]
    assert results[1][0] == [False]
