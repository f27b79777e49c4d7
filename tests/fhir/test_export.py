"""FHIR export of packs and of a stored decision: every resource validates with fhir.resources R4B."""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhirpathpy import evaluate

from keuzewijs.engine.advise import advise
from keuzewijs.fhir.decision import decision_bundle
from keuzewijs.fhir.export import collection, export_pack
from keuzewijs.fhir.validate import FhirExportError, validated
from keuzewijs.packs.loader import get_library

from ..conftest import KNOWLEDGE, REPO

LIBRARY = get_library(KNOWLEDGE)


@pytest.mark.parametrize("condition_id", sorted(LIBRARY.packs))
def test_pack_export_covers_every_rule_option_estimate_and_source(condition_id):
    pack = LIBRARY.pack(condition_id)
    resources = export_pack(pack)
    kinds: dict[str, list[dict]] = {}
    for r in resources:
        kinds.setdefault(r["resourceType"], []).append(r)
    plan = kinds["PlanDefinition"][0]
    rule_ids = [f.id for f in pack.rules.red_flags] + [r.id for r in pack.rules.recommendations]
    assert [a["id"] for a in plan["action"]] == rule_ids
    assert len(kinds["ActivityDefinition"]) == len(pack.options_file.options)
    assert len(kinds.get("Evidence", [])) == len(pack.evidence.estimates)
    assert len(kinds["Citation"]) == len(pack.sources_file.sources)
    citation_urls = {c["url"] for c in kinds["Citation"]}
    activity_urls = {a["url"] for a in kinds["ActivityDefinition"]}
    decision = pack.rules.decision.id if pack.rules.decision else None
    about = {r.id: r.about for r in (*pack.rules.red_flags, *pack.rules.recommendations)}
    for action in plan["action"]:
        if about[action["id"]] == decision:  # advice about the choice as a whole
            assert "definitionCanonical" not in action
        else:
            assert action["definitionCanonical"] in activity_urls
        assert {d["resource"] for d in action["documentation"]} <= citation_urls
        for cond in action.get("condition", []):
            assert cond["expression"]["language"] == "text/fhirpath"
            evaluate(
                {},
                cond["expression"]["expression"],
                {"profile": {"resourceType": "QuestionnaireResponse", "status": "completed"}},
            )
    Bundle.model_validate(collection(resources))


def test_an_invalid_resource_is_refused_naming_the_element():
    with pytest.raises(FhirExportError) as err:
        validated({"resourceType": "Citation", "id": "bad_id", "status": "active"})
    assert "Citation/bad_id" in err.value.path


@dataclass
class FakeDecision:
    condition: str
    profile: dict[str, Any]
    advice: dict[str, Any]
    lang: str = "nl"
    knowledge_version: str = ""
    weights: dict[str, Any] = field(default_factory=dict)
    chosen_option: str | None = None
    created_at: dt.datetime = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)


def test_stored_decision_becomes_a_bundle_with_summary_and_profile():
    profile = {
        "age": 84,
        "fracture_type": "femoral_neck",
        "displaced": True,
        "post_operative": False,
        "symptoms": [],
    }
    adv = advise("hip-fracture", profile, "nl", library=LIBRARY)
    decision = FakeDecision(
        "hip-fracture",
        adv.profile,
        adv.model_dump(mode="json"),
        knowledge_version=adv.knowledge_version,
        weights={"dislocation": 3},
        chosen_option="hemiarthroplasty",
    )
    bundle = decision_bundle(LIBRARY, decision)
    Bundle.model_validate(bundle)
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
    assert answered["symptoms"] is None  # a known empty set: the item without answers
    assert doc["context"]["related"][0]["reference"] == bundle["entry"][1]["fullUrl"]


def test_cli_writes_the_resources_and_a_bundle(tmp_path: Path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keuzewijs.cli",
            "export-fhir",
            "hip-fracture",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "hip-fracture"
    bundle = json.loads((folder / "bundle.json").read_text())
    Bundle.model_validate(bundle)
    assert (folder / "PlanDefinition-hip-fracture.json").exists()
    assert len(result.stdout.splitlines()) == len(bundle["entry"]) + 1


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
    Bundle.model_validate(bundle)
    assert stored.code not in json.dumps(bundle)  # the code opens the record: never exported
    wrong = run("achilles-tendon-rupture", "--decision", stored.code)
    assert wrong.returncode == 2 and "--decision" in wrong.stderr
