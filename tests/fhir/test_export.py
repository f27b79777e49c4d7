"""FHIR export of packs and of a stored decision.

R4 (the default) is checked against HL7's official R4 JSON schema (fixtures/README.md); R4B goes
through the fhir.resources R4B models.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhirpathpy import evaluate

from keuzewijs.cds.config import load_cds_data
from keuzewijs.engine.advise import advise
from keuzewijs.engine.compiled import compiled
from keuzewijs.fhir.activities import load_activities
from keuzewijs.fhir.decision import decision_bundle, summary_markdown
from keuzewijs.fhir.export import ImpliedTranslator, collection, export_pack, fid
from keuzewijs.fhir.validate import FhirExportError, validated
from keuzewijs.packs.loader import get_library
from keuzewijs.packs.models import RelativeEstimate
from keuzewijs.store.repository import StoredDecision

from ..conftest import KNOWLEDGE, REPO
from .r4_schema import r4_errors

LIBRARY = get_library(KNOWLEDGE)
PACKS = sorted(LIBRARY.packs)
EMPTY_PROFILE = {"resourceType": "QuestionnaireResponse", "status": "completed"}


def by_type(resources: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for r in resources:
        kinds.setdefault(r["resourceType"], []).append(r)
    return kinds


# ---------------------------------------------------------------- the schema check itself
def test_the_r4_schema_refuses_r4b_evidence_and_broken_resources():
    r4b = export_pack(LIBRARY.pack("achilles-tendon-rupture"), version="R4B")
    evidence = next(r for r in r4b if r["resourceType"] == "Evidence")
    assert any("exposureBackground" in e for e in r4_errors(evidence))  # R4 Evidence differs
    citation = next(r for r in r4b if r["resourceType"] == "Citation")
    assert r4_errors(citation) == ["Citation is not an R4 resource type"]
    plan = next(
        r
        for r in export_pack(LIBRARY.pack("achilles-tendon-rupture"))
        if r["resourceType"] == "PlanDefinition"
    )
    assert r4_errors(plan) == []
    assert r4_errors({**plan, "id": "bad_id"})  # ids allow [A-Za-z0-9.-] only
    assert r4_errors({**plan, "status": ["active"]})  # a code is a string
    assert r4_errors({**plan, "versionAlgorithmString": "semver"})  # R5, not R4
    typo = {"kind": "applicability", "expresion": {"language": "text/fhirpath"}}
    assert r4_errors({**plan, "action": [{"condition": [typo]}]})  # nested elements are checked
    bundle = collection([plan, evidence])
    assert any("exposureBackground" in e for e in r4_errors(bundle))  # entries are checked too


# ---------------------------------------------------------------- R4 (default)
@pytest.mark.parametrize("condition_id", PACKS)
def test_r4_export_is_valid_r4_and_uses_only_r4_resources(condition_id):
    resources = export_pack(LIBRARY.pack(condition_id))
    errors = [e for r in resources for e in r4_errors(r)]
    assert errors == []
    assert r4_errors(collection(resources)) == []
    kinds = by_type(resources)
    assert not {"Evidence", "Citation"} & set(kinds)
    ids = [(r["resourceType"], r["id"]) for r in resources]
    assert len(ids) == len(set(ids))
    for r in resources:
        assert r["meta"]["profile"], r["id"]
        if any("/shareable" in p for p in r["meta"]["profile"]):
            shareable = ("url", "version", "name", "experimental", "publisher", "description")
            assert all(r.get(k) not in (None, "") for k in shareable), r["id"]
            assert re.fullmatch(r"[A-Z][A-Za-z0-9_]{0,254}", r["name"]), r["name"]
        assert all(
            p.startswith("http://hl7.org/fhir/StructureDefinition/") for p in r["meta"]["profile"]
        )
    guide = kinds["ImplementationGuide"][0]
    assert guide["fhirVersion"] == ["4.0.1"]
    listed = [e["reference"]["reference"] for e in guide["definition"]["resource"]]
    assert listed == [f"{t}/{i}" for t, i in ids if t != "ImplementationGuide"]


R4_ONLY = {"EvidenceVariable", "EffectEvidenceSynthesis", "RiskEvidenceSynthesis"}


@pytest.mark.parametrize("condition_id", PACKS)
def test_r4_export_has_what_the_json_schema_cannot_check(condition_id):
    """HL7's JSON schema leaves out required primitives (status, kind ...) and choice types.
    The R4 resources whose type R4B also has pass the R4B models, which check them; the R4-only
    evidence types are checked here by hand (status 1..1, characteristic.definition[x] 1..1)."""
    for r in export_pack(LIBRARY.pack(condition_id)):
        if r["resourceType"] in R4_ONLY:
            assert r["status"] == "active"
            for c in r.get("characteristic", []):
                assert [k for k in c if k.startswith("definition")], r["id"]
        else:
            get_fhir_model_class(r["resourceType"]).model_validate(r)


@pytest.mark.parametrize("condition_id", PACKS)
def test_r4_plan_definition_declares_its_profile_input(condition_id):
    """Every %variable in a condition is a parameter of the Library the PlanDefinition names."""
    kinds = by_type(export_pack(LIBRARY.pack(condition_id)))
    plan = kinds["PlanDefinition"][0]
    libraries = {lib["url"]: lib for lib in kinds["Library"]}
    assert len(plan["library"]) == 1 and plan["library"][0] in libraries
    logic = libraries[plan["library"][0]]
    assert logic["type"]["coding"][0]["code"] == "module-definition"
    declared = {p["name"]: p for p in logic["parameter"] if p["use"] == "in"}
    assert declared["profile"]["type"] == "QuestionnaireResponse"
    questionnaire = kinds["Questionnaire"][0]
    assert {"type": "depends-on", "resource": questionnaire["url"]} in logic["relatedArtifact"]
    conditions = [c for a in plan["action"] for c in a.get("condition", [])]
    assert conditions
    for cond in conditions:
        expression = cond["expression"]["expression"]
        used = set(re.findall(r"%([A-Za-z_][A-Za-z0-9_]*)", expression))
        assert used and used <= set(declared), expression
        # every condition runs with only the declared inputs
        evaluate({}, expression, {name: EMPTY_PROFILE for name in declared})


@pytest.mark.parametrize("condition_id", PACKS)
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_rules_with_exceptions_carry_them(condition_id, lang):
    """A rule's `unless`: in the applicability (`when and not unless`) and, as text, in the
    action's description; advice about the decision as a whole points at no ActivityDefinition."""
    pack = LIBRARY.pack(condition_id)
    comp = compiled(LIBRARY, pack)
    plan = by_type(export_pack(pack, lang))["PlanDefinition"][0]
    actions = {a["id"]: a for a in plan["action"]}
    rules = list(pack.rules.rules)
    with_unless = [r for r in rules if r.unless is not None]
    for rule in with_unless:
        action = actions[rule.id]
        text = comp.unless_text(rule.id, lang)
        assert text and text.split()[0] in ("tenzij", "unless")
        assert action["description"].endswith(text[:1].upper() + text[1:] + ".")
        expression = action["condition"][0]["expression"]
        assert expression["description"].endswith(text)
        negated = ImpliedTranslator(pack).visit(rule.unless) + ".not()"
        assert negated in expression["expression"]
    for rule in rules:
        if rule.about not in pack.options:
            assert pack.rules.decision is not None and rule.about == pack.rules.decision.id
            assert "definitionCanonical" not in actions[rule.id]
    if condition_id == "lumbar-disc-herniation":
        assert with_unless  # the packs use exceptions; this test must not pass vacuously


@pytest.mark.parametrize("condition_id", PACKS)
def test_r4_activity_definitions_have_kind_and_code(condition_id):
    pack = LIBRARY.pack(condition_id)
    kinds = by_type(export_pack(pack))
    activities = {a["url"]: a for a in kinds["ActivityDefinition"]}
    assert len(activities) == len(pack.options_file.options)
    listed = load_activities(LIBRARY).activities[condition_id]
    for opt in pack.options_file.options:
        ad = next(a for a in activities.values() if a["id"] == fid(condition_id, opt.id))
        assert ad["kind"] == listed[opt.id].kind
        codes = {(c["system"], c["code"]) for c in ad["code"]["coding"]}
        assert (f"https://keuzewijs.nl/fhir/CodeSystem/{condition_id}-option", opt.id) in codes
        assert len(codes) == 1 + len(listed[opt.id].codes)
    plan = kinds["PlanDefinition"][0]
    pointed = {a["definitionCanonical"] for a in plan["action"] if "definitionCanonical" in a}
    assert pointed and pointed <= set(activities)


@pytest.mark.parametrize("condition_id", PACKS)
def test_activity_definitions_lead_with_snomed_and_keep_the_pack_code_second(condition_id):
    """Issue 20 item 5: an EHR routes a ServiceRequest by its SNOMED CT procedure code; the
    pack's own code stays as the second coding. An option without one says why in the data."""
    pack = LIBRARY.pack(condition_id)
    listed = load_activities(LIBRARY).activities[condition_id]
    own_system = f"https://keuzewijs.nl/fhir/CodeSystem/{condition_id}-option"
    for ad in by_type(export_pack(pack))["ActivityDefinition"]:
        option = next(
            o.id for o in pack.options_file.options if fid(condition_id, o.id) == ad["id"]
        )
        coding = ad["code"]["coding"]
        snomed = [c for c in coding if c["system"] == "http://snomed.info/sct"]
        if snomed:
            assert coding[0] == snomed[0] and len(snomed) == 1, ad["id"]
            assert (coding[1]["system"], coding[1]["code"]) == (own_system, option), ad["id"]
            assert listed[option].no_code_reason is None, ad["id"]
        else:
            reason = listed[option].no_code_reason
            assert reason and len(reason.split()) >= 5, ad["id"]  # a reason, not a placeholder
            assert (coding[0]["system"], coding[0]["code"]) == (own_system, option), ad["id"]


def test_most_orderable_options_have_a_snomed_procedure_code():
    """Not vacuous: the reason is the exception (9 of the 17 options are coded)."""
    coded = [
        (pack_id, option)
        for pack_id, listed in load_activities(LIBRARY).activities.items()
        for option, activity in listed.items()
        if any(c.system == "snomed" for c in activity.codes)
    ]
    assert len(coded) >= 9, coded


def test_orderable_actions_carry_the_codes_the_cds_mapping_holds():
    """An action the CDS order hooks recognise has (at least one of) the same codes in FHIR."""
    orders = load_cds_data(LIBRARY).cds.orders
    assert orders
    systems = load_cds_data(LIBRARY).mapping.systems
    for order in orders:
        kinds = by_type(export_pack(LIBRARY.pack(order.condition)))
        ad = next(
            a for a in kinds["ActivityDefinition"] if a["id"] == fid(order.condition, order.action)
        )
        exported = {(c["system"], c["code"]) for c in ad["code"]["coding"]}
        terms = load_cds_data(LIBRARY).terminology
        mapped = {(systems[c.system], c.code) for c in terms.codes_of(order.codes)}
        assert exported & mapped, (order.condition, order.action)
    hip = by_type(export_pack(LIBRARY.pack("hip-fracture")))["ActivityDefinition"]
    total_hip = next(a for a in hip if a["id"] == "hip-fracture-total-hip-prosthesis")
    assert {
        "system": "http://snomed.info/sct",
        "code": "52734007",
        "display": "Total replacement of hip",
    } in total_hip["code"]["coding"]


@pytest.mark.parametrize("condition_id", PACKS)
def test_r4_evidence_is_effect_and_risk_evidence_synthesis(condition_id):
    pack = LIBRARY.pack(condition_id)
    kinds = by_type(export_pack(pack))
    effect = {r["id"]: r for r in kinds.get("EffectEvidenceSynthesis", [])}
    risk = {r["id"]: r for r in kinds.get("RiskEvidenceSynthesis", [])}
    variables = {f"EvidenceVariable/{v['id']}" for v in kinds["EvidenceVariable"]}
    assert len(effect) + len(risk) == len(pack.evidence.estimates) > 0
    for est in pack.evidence.estimates:
        rid = fid(condition_id, est.id)
        if isinstance(est, RelativeEstimate):
            r = effect[rid]
            estimate = r["effectEstimate"][0]
            assert estimate["value"] == est.estimate
            ci = estimate["precisionEstimate"][0]
            assert (ci["from"], ci["to"], ci["level"]) == (est.ci[0], est.ci[1], 0.95)
            assert estimate["type"]["coding"][0]["code"] == f"relative-{est.measure}"
            refs = [r["population"], r["exposure"], r["exposureAlternative"], r["outcome"]]
        else:
            r = risk[rid]
            expected = est.proportion if est.proportion is not None else est.events / est.total
            assert r["riskEstimate"]["value"] == pytest.approx(expected, abs=1e-6)
            refs = [r["population"], r["outcome"], r["exposure"]]
        assert {ref["reference"] for ref in refs} <= variables
        cited = {a["citation"] for a in r["relatedArtifact"]}
        assert cited == {pack.sources[s.id].citation for s in est.sources}


@pytest.mark.parametrize("condition_id", PACKS)
def test_r4_citations_are_related_artifacts_and_a_sources_library(condition_id):
    pack = LIBRARY.pack(condition_id)
    resources = export_pack(pack)
    kinds = by_type(resources)
    sources = next(lib for lib in kinds["Library"] if lib["id"].endswith("-sources"))
    listed = {a["label"]: a for a in sources["relatedArtifact"]}
    assert set(listed) == {s.id for s in pack.sources_file.sources}
    assert all(a["type"] == "citation" and a["citation"] for a in listed.values())
    citations = {s.citation for s in pack.sources_file.sources}
    plan = kinds["PlanDefinition"][0]
    for action in plan["action"]:
        assert action["documentation"]
        for doc in action["documentation"]:
            assert doc["type"] == "citation" and doc["citation"] in citations and doc["label"]


# ---------------------------------------------------------------- R4B (--fhir-version R4B)
@pytest.mark.parametrize("condition_id", PACKS)
def test_pack_export_covers_every_rule_option_estimate_and_source(condition_id):
    pack = LIBRARY.pack(condition_id)
    for version in ("R4", "R4B"):
        resources = export_pack(pack, version=version)
        kinds = by_type(resources)
        plan = kinds["PlanDefinition"][0]
        rule_ids = [f.id for f in pack.rules.red_flags] + [r.id for r in pack.rules.recommendations]
        assert [a["id"] for a in plan["action"]] == rule_ids
        assert len(kinds["ActivityDefinition"]) == len(pack.options_file.options)
        activity_urls = {a["url"] for a in kinds["ActivityDefinition"]}
        about_an_option = {r.id for r in pack.rules.rules if r.about in pack.options}
        for action in plan["action"]:
            if action["id"] in about_an_option:
                assert action["definitionCanonical"] in activity_urls
            else:
                assert "definitionCanonical" not in action
            for cond in action.get("condition", []):
                assert cond["expression"]["language"] == "text/fhirpath"
                evaluate({}, cond["expression"]["expression"], {"profile": EMPTY_PROFILE})
    r4b = by_type(export_pack(pack, version="R4B"))
    assert len(r4b.get("Evidence", [])) == len(pack.evidence.estimates)
    assert len(r4b["Citation"]) == len(pack.sources_file.sources)
    citation_urls = {c["url"] for c in r4b["Citation"]}
    for action in r4b["PlanDefinition"][0]["action"]:
        assert {d["resource"] for d in action["documentation"]} <= citation_urls
    assert r4b["ImplementationGuide"][0]["fhirVersion"] == ["4.3.0"]
    Bundle.model_validate(collection(export_pack(pack, version="R4B"), "R4B"))


def test_an_invalid_resource_is_refused_naming_the_element():
    with pytest.raises(FhirExportError) as err:
        validated({"resourceType": "Citation", "id": "bad_id", "status": "active"})
    assert "Citation/bad_id" in err.value.path


def stored(
    condition: str, profile: dict[str, Any], advice: dict[str, Any], **fields: Any
) -> StoredDecision:
    """A decision as the store hands it out (the code is never exported, so any will do)."""
    when = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)
    values: dict[str, Any] = {
        "code": "",
        "lang": "nl",
        "knowledge_version": "",
        "weights": {},
        "chosen_option": None,
        "created_at": when,
        "updated_at": when,
        **fields,
    }
    return StoredDecision(condition=condition, profile=profile, advice=advice, **values)


def test_stored_decision_becomes_a_bundle_with_summary_and_profile():
    profile = {
        "age": 84,
        "fracture_type": "femoral_neck",
        "displaced": True,
        "post_operative": False,
        "symptoms": [],
    }
    adv = advise("hip-fracture", profile, "nl", library=LIBRARY)
    decision = stored(
        "hip-fracture",
        adv.profile,
        adv.model_dump(mode="json"),
        knowledge_version=adv.knowledge_version,
        weights={"dislocation": 3},
        chosen_option="hemiarthroplasty",
    )
    bundle = decision_bundle(LIBRARY, decision)
    assert r4_errors(bundle) == []
    Bundle.model_validate(decision_bundle(LIBRARY, decision, "R4B"))
    doc, qr = (e["resource"] for e in bundle["entry"])
    assert (
        doc["resourceType"] == "DocumentReference" and qr["resourceType"] == "QuestionnaireResponse"
    )
    text = base64.b64decode(doc["content"][0]["attachment"]["data"]).decode()
    assert adv.recommendations[0].text in text
    assert (
        "Halve prothese" in text
        or "hemiarthroplasty" in text.lower()
        or any(o.name in text for o in adv.options)
    )
    answered = {i["linkId"]: i.get("answer") for i in qr["item"]}
    assert answered["age"] == [{"valueInteger": 84}]
    # a known empty set: answered 'none of these' (an exclusive option), as a form filler writes
    assert [a["valueCoding"]["code"] for a in answered["symptoms"]] == ["none-of-the-above"]
    assert doc["context"]["related"][0]["reference"] == bundle["entry"][1]["fullUrl"]


@pytest.mark.hazard("H-003")
def test_an_urgent_decision_summary_lists_folded_advice_under_later():
    """Cauda equina at 10 weeks: the exported summary gives the urgent step, then the advice the
    engine folded, under 'Later' (issue 18)."""
    from keuzewijs.validation.vignettes import load_vignettes

    vid = "ldh-cauda-equina-at-10-weeks-folds-the-discussion"
    vignettes = load_vignettes(LIBRARY, "lumbar-disc-herniation")
    profile = next(v for v in vignettes if v.id == vid).profile
    adv = advise("lumbar-disc-herniation", profile, "nl", library=LIBRARY)
    assert adv.urgent and adv.later
    decision = stored(
        "lumbar-disc-herniation",
        adv.profile,
        adv.model_dump(mode="json"),
        knowledge_version=adv.knowledge_version,
    )
    text = summary_markdown(LIBRARY, decision)
    heading = text.index("## " + LIBRARY.ui["heading.later"].nl)
    assert text.index(adv.urgent[0].action) < heading
    assert all(heading < text.index(r.text) for r in adv.later)


def export_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "keuzewijs.cli", "export-fhir", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=False,
    )


@pytest.mark.parametrize("condition_id", PACKS)
def test_every_file_the_cli_writes_is_valid_r4(condition_id, tmp_path: Path):
    """The issue's 'done when': every file `keuzewijs export-fhir` writes validates against the
    official R4 JSON schema."""
    result = export_cli(condition_id, "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    written = [Path(line) for line in result.stdout.splitlines()]
    folder = tmp_path / condition_id
    assert sorted(written) == sorted(folder.iterdir())
    bundle = json.loads((folder / "bundle.json").read_text())
    assert len(written) == len(bundle["entry"]) + 1
    for path in written:
        assert r4_errors(json.loads(path.read_text(encoding="utf-8"))) == [], path.name
    assert (folder / f"PlanDefinition-{condition_id}.json").exists()
    guide = json.loads((folder / f"ImplementationGuide-{condition_id}-export.json").read_text())
    assert guide["fhirVersion"] == ["4.0.1"]


def test_cli_writes_r4b_on_request(tmp_path: Path):
    result = export_cli("hip-fracture", "--fhir-version", "r4b", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "hip-fracture"
    Bundle.model_validate(json.loads((folder / "bundle.json").read_text()))
    assert (folder / "Evidence-hip-fracture-mortality-1-month-nice.json").exists()
    guide = json.loads((folder / "ImplementationGuide-hip-fracture-export.json").read_text())
    assert guide["fhirVersion"] == ["4.3.0"]


def test_cli_unknown_fhir_version_is_one_line_exit_2(tmp_path: Path):
    result = export_cli("hip-fracture", "--fhir-version", "R5", "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "--fhir-version" in result.stderr and "R4 or R4B" in result.stderr
    assert not (tmp_path / "hip-fracture").exists()


def test_cli_unknown_condition_is_one_line_exit_2(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "keuzewijs.cli", "export-fhir", "nope", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "allowed:" in result.stderr


def test_cli_exports_a_stored_decision_from_the_database(tmp_path: Path):
    import os

    from keuzewijs.settings import load_settings
    from keuzewijs.store.db import make_engine, session_factory
    from keuzewijs.store.migrate import upgrade
    from keuzewijs.store.repository import DecisionStore

    url = f"sqlite:///{tmp_path / 'kw.db'}"
    engine = make_engine(load_settings(database_url=url))
    upgrade(engine)
    adv = advise(
        "hip-fracture",
        {"age": 79, "fracture_type": "femoral_neck", "displaced": False},
        "en",
        library=LIBRARY,
    )
    stored = DecisionStore(session_factory(engine)).save(
        condition="hip-fracture",
        knowledge_version=adv.knowledge_version,
        lang="en",
        profile=adv.profile,
        advice=adv.model_dump(mode="json"),
        weights={},
        chosen_option="cannulated_screws",
    )
    env = {**os.environ, "KEUZEWIJS_DATABASE_URL": url}
    run = lambda *args: subprocess.run(  # noqa: E731
        [
            sys.executable,
            "-m",
            "keuzewijs.cli",
            "export-fhir",
            *args,
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=False,
    )
    result = run("hip-fracture", "--decision", stored.code)
    assert result.returncode == 0, result.stderr
    bundle = json.loads((tmp_path / "out" / "hip-fracture" / "decision-bundle.json").read_text())
    assert r4_errors(bundle) == []
    assert stored.code not in json.dumps(bundle)  # the code opens the record: never exported
    wrong = run("achilles-tendon-rupture", "--decision", stored.code)
    assert wrong.returncode == 2 and "--decision" in wrong.stderr


@pytest.mark.parametrize("version", ["R4", "R4B"])
@pytest.mark.parametrize("condition_id", PACKS)
def test_every_exported_resource_has_a_generated_narrative(condition_id, version):
    for r in export_pack(LIBRARY.pack(condition_id), version=version):
        text = r.get("text")
        assert text and text["status"] == "generated", r["id"]
        assert text["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">'), r["id"]
        assert (r.get("title") or r.get("name") or r["id"]).split("&")[0][:20] in text["div"] or r[
            "resourceType"
        ] in text["div"]


def test_the_export_carries_the_value_sets_the_cds_mapping_uses():
    kinds = by_type(export_pack(LIBRARY.pack("hip-fracture")))
    ids = {v["id"] for v in kinds["ValueSet"]}
    assert {"hip-fracture", "hip-fracture-neck", "hip-fracture-operation", "egfr"} <= ids
    hip = next(v for v in kinds["ValueSet"] if v["id"] == "hip-fracture")
    ecl = [f["value"] for inc in hip["compose"]["include"] for f in inc.get("filter", [])]
    assert "<< 359817006 |Closed fracture of hip|" in ecl and hip["expansion"]["contains"]
    lumbar = by_type(export_pack(LIBRARY.pack("lumbar-disc-herniation")))["ValueSet"]
    assert "lumbar-spine-mri" in {v["id"] for v in lumbar}  # from the order codes


def test_activity_definitions_carry_standard_procedure_codes_and_the_pack_code():
    hip = by_type(export_pack(LIBRARY.pack("hip-fracture")))["ActivityDefinition"]
    nail = next(a for a in hip if a["id"] == "hip-fracture-intramedullary-nail")
    systems = [c["system"] for c in nail["code"]["coding"]]
    assert systems[0] == "http://snomed.info/sct"  # the SNOMED CT procedure leads
    assert systems[1].startswith("https://keuzewijs.nl/fhir/CodeSystem/")  # the pack's own code
    assert "http://www.ama-assn.org/go/cpt" in systems
    coded = [a for a in hip if len(a["code"]["coding"]) > 1]
    assert len(coded) >= 6
