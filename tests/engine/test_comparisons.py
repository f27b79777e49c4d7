"""Issue 17: comparison rows as GRADE summary-of-findings rows, applicability of what is shown,
and the phase in Advice. The Done-when checks of the issue are the first three tests."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import HealthCheck, given, settings

from keuzewijs.engine.advise import advise_pack
from keuzewijs.engine.contract import Advice
from keuzewijs.packs.models import Baseline, RelativeEstimate
from keuzewijs.validation import coherence

from .test_properties import LIB, case

FEWER_MORE = ("minder vaak", "vaker", "less often", "more often")


def _effects(advice: Advice) -> list[Any]:
    return [e for o in (*advice.options, *advice.actions) for e in o.outcomes]


# ---------------------------------------------------------------- Done when
def test_pertrochanteric_85_unknown_living_sees_no_non_operative_death_rows(library) -> None:
    pack = library.pack("hip-fracture")
    advice = advise_pack(library, pack, {"age": 85, "fracture_type": "pertrochanteric"}, "nl")
    assert all("non_operative" not in (r.intervention, r.comparator) for r in advice.comparisons)
    shown = {e.id for e in _effects(advice)}
    assert not shown & {"death_without_surgery_30_days", "death_without_surgery_1_year"}


def test_lumbar_at_44_weeks_names_the_9_month_boundary(library) -> None:
    pack = library.pack("lumbar-disc-herniation")
    advice = advise_pack(library, pack, {"leg_pain": True, "leg_pain_weeks": 44}, "nl")
    texts = [r.text for r in advice.recommendations]
    assert any("9 maanden" in t for t in texts), texts


def test_achilles_early_rehab_rerupture_is_little_or_no_difference(library) -> None:
    pack = library.pack("achilles-tendon-rupture")
    advice = advise_pack(library, pack, {"functional_rehab_available": True}, "nl")
    row = next(r for r in advice.comparisons if r.outcome == "rerupture")
    assert row.verdict == "little_or_no_difference"
    assert row.verdict_text.startswith("Waarschijnlijk weinig of geen verschil")
    assert row.difference_ci_per_1000 is not None
    lo, hi = row.difference_ci_per_1000
    assert lo < 0 < hi  # the interval of the difference crosses no effect
    for option in advice.options:
        effect = next(e for e in option.outcomes if e.id == "rerupture")
        assert effect.verdict == "little_or_no_difference"


# ---------------------------------------------------------------- properties
def _crosses_no_effect(row: Any) -> bool | None:
    if row.relative_effect is not None:
        lo, hi = row.relative_effect.ci
        return lo <= 1 <= hi
    if row.difference_ci_per_1000 is None:
        return None
    lo, hi = row.difference_ci_per_1000
    return lo <= 0 <= hi


def _check_rows(advice: Advice) -> None:
    shown = {o.id for o in (*advice.options, *advice.actions)}
    for row in advice.comparisons:
        assert row.intervention != row.comparator
        assert {row.intervention, row.comparator} <= shown, row
        crosses = _crosses_no_effect(row)
        if crosses:
            assert row.verdict == "little_or_no_difference", row
        if row.verdict not in ("fewer", "more"):
            assert not any(w in row.verdict_text.lower() for w in FEWER_MORE), row
        # both arms have numbers, or neither does (a relative effect only)
        assert (row.intervention_per_1000 is None) == (row.comparator_per_1000 is None) or (
            row.comparator_per_1000 is None and row.baseline is None
        )
    # one outcome in the table: every option's cell is of one population and one time frame
    cells: dict[str, set[tuple[str, str | None]]] = {}
    for effect in _effects(advice):
        cells.setdefault(effect.id, set()).add((effect.timeframe, effect.population))
        if effect.verdict == "little_or_no_difference":
            assert not any(w in (effect.verdict_text or "").lower() for w in FEWER_MORE)
    for outcome, kinds in cells.items():
        assert len(kinds) == 1, (outcome, kinds)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case())
def test_no_row_mixes_populations_or_says_fewer_when_crossing_no_effect(drawn) -> None:
    pack, profile, lang = drawn
    _check_rows(advise_pack(LIB, pack, profile, lang))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case())
def test_after_treatment_shows_no_choice(drawn) -> None:
    pack, profile, lang = drawn
    spec = pack.meta.after_treatment
    if spec is None:
        return
    advice = advise_pack(LIB, pack, {**profile, spec.field: True}, lang)
    assert advice.phase == "after_treatment"
    assert advice.options == [] and advice.comparisons == []
    option_ids = {o.id for o in pack.options_file.options if o.kind == "option"}
    assert not [r for r in advice.recommendations if r.about in option_ids]
    assert {f.id for f in advice.facts} <= set(spec.facts)


# ---------------------------------------------------------------- applicability of texts
def test_neck_fracture_texts_are_not_shown_for_a_trochanteric_fracture(library) -> None:
    pack = library.pack("hip-fracture")
    troch = advise_pack(library, pack, {"fracture_type": "pertrochanteric"}, "nl")
    neck = advise_pack(library, pack, {"fracture_type": "femoral_neck"}, "nl")

    def texts(advice: Advice) -> str:
        dhs = next(o for o in advice.options if o.id == "dynamic_hip_screw")
        return " ".join(t.text for t in (*dhs.pros, *dhs.cons))

    assert "dijbeenhals" not in texts(troch) and "halsbreuk" not in texts(troch)
    assert "halsbreuk" in texts(neck) and "pertrochantere" not in texts(neck)
    unknown = advise_pack(library, pack, {}, "nl")  # unanswered never hides a text
    assert "halsbreuk" in texts(unknown) and "pertrochantere" in texts(unknown)


def test_single_option_numbers_are_figures_not_rows(library) -> None:
    pack = library.pack("hip-fracture")
    profile = {
        "age": 90,
        "lives_in_care_home": True,
        "asa_class": 4,
        "fracture_type": "femoral_neck",
    }
    advice = advise_pack(library, pack, profile, "nl")
    non_op = next(o for o in advice.options if o.id == "non_operative")
    assert {f.id for f in non_op.figures} >= {"death_without_surgery_30_days"}
    assert not non_op.outcomes
    assert "frail-hip-quality-of-life" in {f.id for f in advice.facts}
    young = advise_pack(library, pack, {"age": 60, "fracture_type": "femoral_neck"}, "nl")
    assert "frail-hip-quality-of-life" not in {f.id for f in young.facts}


def test_paired_arms_form_one_row_with_newcombe_interval(library) -> None:
    pack = library.pack("hip-fracture")
    profile = {"age": 75, "fracture_type": "femoral_neck", "displaced": True}
    advice = advise_pack(library, pack, profile, "en")
    row = next(r for r in advice.comparisons if r.outcome == "secondary_procedure")
    assert (row.intervention_per_1000, row.comparator_per_1000) == (79, 83)  # 57/718, 60/723
    assert row.verdict == "little_or_no_difference"
    assert row.difference_ci_per_1000 is not None
    lo, hi = row.difference_ci_per_1000
    assert lo < 0 < hi


def test_provisional_option_says_what_decides_it_and_against_is_marked(library) -> None:
    pack = library.pack("hip-fracture")
    advice = advise_pack(library, pack, {"fracture_type": "femoral_neck"}, "nl")
    tha = next(o for o in advice.options if o.id == "total_hip_prosthesis")
    assert tha.applicable is None
    assert {q.field for q in tha.decided_by} >= {"walking_before_fracture"}
    lumbar = library.pack("lumbar-disc-herniation")
    early = advise_pack(library, lumbar, {"leg_pain": True, "leg_pain_weeks": 3}, "nl")
    surgery = next(o for o in early.options if o.id == "surgery")
    assert surgery.advised_against


# ---------------------------------------------------------------- coherence checks can fail
def _with_estimates(pack: Any, estimates: list[Any]) -> Any:
    evidence = pack.evidence.model_copy(update={"estimates": estimates})
    return dataclasses.replace(pack, evidence=evidence)


def test_incoherent_overall_baseline_is_reported(library) -> None:
    pack = library.pack("achilles-tendon-rupture")
    assert not list(coherence.baselines(pack))
    changed = []
    for est in pack.evidence.estimates:
        if isinstance(est, RelativeEstimate) and est.id == "rerupture-overall":
            assert est.baseline is not None
            low = Baseline.model_validate({**est.baseline.model_dump(), "risk": 0.0281})
            est = est.model_copy(update={"baseline": low})
        changed.append(est)
    found = list(coherence.baselines(_with_estimates(pack, changed)))
    assert [p.path for p in found] == ["evidence.yaml: rerupture-overall.baseline"]


def test_a_number_in_a_text_that_its_evidence_does_not_give_is_reported(library) -> None:
    pack = library.pack("hip-fracture")
    assert not list(coherence.quoted_numbers(pack))
    options, where = [], []
    for option in pack.options_file.options:
        if option.id == "hemiarthroplasty":
            pros = list(option.pros)
            for i, pro in enumerate(pros):
                if "19 van de 412" in pro.text.nl:
                    wrong = pro.text.nl.replace("19 van de 412", "29 van de 412")
                    pros[i] = pro.model_copy(
                        update={"text": pro.text.model_copy(update={"nl": wrong})}
                    )
                    where.append(f"options.yaml: hemiarthroplasty.pros[{i}]")
            option = option.model_copy(update={"pros": pros})
        options.append(option)
    broken = dataclasses.replace(
        pack, options_file=pack.options_file.model_copy(update={"options": options})
    )
    assert where and [p.path for p in coherence.quoted_numbers(broken)] == where


def test_an_unused_fact_and_a_vague_time_frame_are_reported(library) -> None:
    pack = library.pack("lumbar-disc-herniation")
    advice = advise_pack(library, pack, {"leg_pain": True, "leg_pain_weeks": 44}, "nl")
    unused = {p.path for p in coherence.unused_facts(pack, [advice])}
    assert "pack.yaml: facts.natural-course" in unused  # hidden after 18 weeks: used elsewhere
    vague = [est.model_copy(update={"timeframe_missing": None}) for est in pack.evidence.estimates]
    early = advise_pack(library, pack, {"leg_pain": True, "leg_pain_weeks": 8}, "nl")
    found = list(coherence.shown_rows(_with_estimates(pack, vague), [early]))
    assert [p.path for p in found] == ["evidence.yaml: complications-surgery"]
