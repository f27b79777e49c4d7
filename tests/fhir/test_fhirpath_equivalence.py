"""Every generated FHIRPath condition gives exactly the engine's verdict on every vignette profile.

The engine's evaluator is the reference: [true] = true, [false] = false, [] = unknown.
"""

from __future__ import annotations

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

LIBRARY = get_library(KNOWLEDGE)
PACKS = sorted(LIBRARY.packs)


def verdict(result: list) -> bool | None:
    assert len(result) <= 1, result
    return result[0] if result else None


@pytest.mark.parametrize("condition_id", PACKS)
def test_fhirpath_matches_engine_on_every_vignette(condition_id):
    pack = LIBRARY.pack(condition_id)
    vignettes = load_vignettes(LIBRARY, condition_id)
    assert vignettes, f"no vignettes for {condition_id}"
    evaluator = compiled(LIBRARY, pack).evaluator
    translator = FhirPathTranslator(pack)
    expressions = {key: translator.visit(cond) for key, cond in pack_conditions(pack).items()}
    programs = {key: fhirpath_compile(expr) for key, expr in expressions.items()}
    checked = 0
    verdicts = set()
    for vignette in vignettes:
        profile = validate_profile(pack.profile_model, vignette.profile)
        qr = questionnaire_response(pack, profile)
        for key, cond in pack_conditions(pack).items():
            expected = evaluator.evaluate(cond, profile, Evaluation())
            got = verdict(programs[key]({}, {"profile": qr}))
            assert got == expected, (
                f"{vignette.id} / {key}: engine {expected}, FHIRPath {got}\n{expressions[key]}"
            )
            verdicts.add(expected)
            checked += 1
    assert checked > 0
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
