"""Value sets as FHIR ValueSets: the files, their committed expansions, and
`keuzewijs valuesets expand` from an OMOP vocabulary (the Eunomia release) and from a FHIR
terminology server (a fake one on 127.0.0.1 that answers $expand as Snowstorm does)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fhir.resources.R4B import get_fhir_model_class
from typer.testing import CliRunner

from keuzewijs.cli.app import app
from keuzewijs.packs.valuesets import (
    EXT_ORIGIN,
    load_valuesets,
    problems,
    stale,
)
from tests.audit.test_eunomia import _zip
from tests.conftest import REPO

runner = CliRunner()
KNOWLEDGE = REPO / "knowledge"
FOLDER = KNOWLEDGE / "_common" / "valuesets"
SCT = "http://snomed.info/sct"


def test_every_value_set_is_a_valid_fhir_valueset_with_a_definition_and_an_expansion():
    valuesets = load_valuesets(FOLDER)
    assert len(valuesets) >= 15
    model = get_fhir_model_class("ValueSet")
    for vid, vs in valuesets.items():
        raw = json.loads((FOLDER / f"{vid}.json").read_text())
        model.model_validate(raw)  # the FHIR library accepts it as written
        assert vs.compose.include, vid
        assert vs.expansion is not None, vid
        # empty only where the definition is classification families alone (matched by prefix
        # offline; the Eunomia vocabulary holds no ICD-10 concepts)
        if not vs.expansion.contains:
            assert all(f.op == "is-a" for inc in vs.compose.include for f in inc.filter), vid
            assert not any(inc.concept for inc in vs.compose.include), vid
    assert problems(valuesets, dt.datetime.now(dt.UTC)) == []


def test_snomed_value_sets_are_defined_by_ecl_and_hand_listed_codes_are_marked():
    vs = load_valuesets(FOLDER)["hip-fracture"]
    ecl = [f.value for inc in vs.compose.include for f in inc.filter]
    assert ecl == ["<< 359817006 |Closed fracture of hip|"]
    origins = {
        c.code: next(e.valueCode for e in c.extension if e.url == EXT_ORIGIN)
        for c in vs.expansion.contains
    }
    # the focus concept is in the Eunomia vocabulary; its children only by hand (marked so)
    assert origins["359817006"] == "omop"
    assert origins["359820003"] == "hand" and origins["263229001"] == "hand"


@pytest.mark.hazard("H-014")
def test_an_expansion_older_than_a_year_is_reported():
    valuesets = load_valuesets(FOLDER)
    stamp = valuesets["egfr"].expansion.timestamp
    assert stale(valuesets, stamp + dt.timedelta(days=300)) == []
    late = stale(valuesets, stamp + dt.timedelta(days=400))
    assert ("egfr", f"expansion of {stamp.date()} is older than a year") in late


def test_a_missing_expansion_is_a_problem(tmp_path):
    shutil.copytree(FOLDER, tmp_path / "vs")
    path = tmp_path / "vs" / "egfr.json"
    data = json.loads(path.read_text())
    del data["expansion"]
    path.write_text(json.dumps(data))
    found = problems(load_valuesets(tmp_path / "vs"), dt.datetime.now(dt.UTC))
    assert found == [("egfr", "has no expansion; run `keuzewijs valuesets expand`")]


def _knowledge_copy(tmp_path: Path) -> Path:
    out = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, out)
    return out


@pytest.fixture(scope="module")
def eunomia_vocabulary(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vocab")
    with zipfile.ZipFile(_zip()) as z:
        for name in ("CONCEPT.csv", "CONCEPT_ANCESTOR.csv", "CONCEPT_RELATIONSHIP.csv"):
            z.extract(name, out)
        z.extract("VOCABULARY.csv", out)
    return out


def test_expand_from_the_eunomia_vocabulary_rebuilds_the_committed_expansions(
    tmp_path, eunomia_vocabulary
):
    knowledge = _knowledge_copy(tmp_path)
    result = runner.invoke(
        app,
        ["valuesets", "expand", "--omop", str(eunomia_vocabulary), "--knowledge", str(knowledge)],
    )
    assert result.exit_code == 0, result.output
    # the committed expansions are what this vocabulary gives: nothing changes
    assert "0 codes changed" in result.output
    vs = json.loads((knowledge / "_common/valuesets/hip-fracture.json").read_text())
    versions = [p["valueUri"] for p in vs["expansion"]["parameter"] if "valueUri" in p]
    assert versions == [f"{SCT}|omop:v5.0_09-APR-22*"]


def test_expand_reports_what_changed(tmp_path, eunomia_vocabulary):
    knowledge = _knowledge_copy(tmp_path)
    path = knowledge / "_common/valuesets/hip-fracture-operation.json"
    data = json.loads(path.read_text())
    data["expansion"]["contains"] = [
        c for c in data["expansion"]["contains"] if c["code"] != "52734007"
    ] + [{**data["expansion"]["contains"][0], "code": "999999"}]
    path.write_text(json.dumps(data))
    result = runner.invoke(
        app,
        ["valuesets", "expand", "--omop", str(eunomia_vocabulary), "--knowledge", str(knowledge)],
    )
    assert result.exit_code == 0, result.output
    assert "hip-fracture-operation: +1 (52734007) -1 (999999)" in result.output


class _FakeSnowstorm(BaseHTTPRequestHandler):
    """$expand as a terminology server answers it: the ECL's descendants from its own copy of
    the hierarchy, the listed codes as given, and the SNOMED CT version it used."""

    calls: ClassVar[list[dict[str, Any]]] = []
    HIERARCHY: ClassVar[dict[str, list[tuple[str, str]]]] = {
        "359817006": [
            ("359817006", "Closed fracture of hip"),
            ("359820003", "Closed fracture of neck of femur"),
            ("111111009", "A further descendant, new in this release"),
        ]
    }

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append({"path": self.path, "body": body})
        vs = body["parameter"][0]["resource"]
        contains = []
        for inc in vs["compose"]["include"]:
            for c in inc.get("concept", []):
                contains.append(
                    {"system": inc["system"], "code": c["code"], "display": c["display"]}
                )
            for f in inc.get("filter", []):
                if inc["system"] == SCT and f["property"] == "constraint":
                    focus = f["value"].split()[1]
                    for code, display in self.HIERARCHY.get(focus, []):
                        contains.append({"system": SCT, "code": code, "display": display})
        answer = {
            "resourceType": "ValueSet",
            "expansion": {
                "timestamp": "2026-12-01T00:00:00Z",
                "parameter": [
                    {
                        "name": "used-codesystem",
                        "valueUri": f"{SCT}|{SCT}/900000000000207008/version/20251001",
                    }
                ],
                "contains": contains,
            },
        }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def test_expand_from_a_fhir_terminology_server(tmp_path):
    knowledge = _knowledge_copy(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeSnowstorm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/fhir"
        result = runner.invoke(
            app, ["valuesets", "expand", "--server", url, "--knowledge", str(knowledge)]
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert "hip-fracture: +1 (111111009)" in result.output
    posted = [c for c in _FakeSnowstorm.calls if c["path"] == "/fhir/ValueSet/$expand"]
    assert len(posted) == len(load_valuesets(FOLDER))
    vs = json.loads((knowledge / "_common/valuesets/hip-fracture.json").read_text())
    params = {p["name"]: p.get("valueUri") for p in vs["expansion"]["parameter"]}
    assert params["used-codesystem"].endswith("/version/20251001")
    origin = {
        c["code"]: next(e["valueCode"] for e in c["extension"] if e["url"] == EXT_ORIGIN)
        for c in vs["expansion"]["contains"]
    }
    assert origin["111111009"] == "server" and origin["359817006"] == "server"


def test_expand_with_an_unreachable_server_is_one_line_and_exit_2(tmp_path):
    knowledge = _knowledge_copy(tmp_path)
    result = runner.invoke(
        app,
        [
            "valuesets",
            "expand",
            "--server",
            "http://127.0.0.1:9/fhir",
            "--timeout",
            "2",
            "--knowledge",
            str(knowledge),
        ],
    )
    assert result.exit_code == 2
    assert "terminology server unreachable" in result.output
    # nothing half-written
    assert (knowledge / "_common/valuesets/hip-fracture.json").read_text() == (
        FOLDER / "hip-fracture.json"
    ).read_text()


def test_validate_reports_a_value_set_without_expansion_and_fails(tmp_path):
    knowledge = _knowledge_copy(tmp_path)
    path = knowledge / "_common/valuesets/sciatica.json"
    data = json.loads(path.read_text())
    del data["expansion"]
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["validate", str(knowledge)])
    assert result.exit_code == 1
    assert "sciatica: has no expansion" in result.output


def test_validate_warns_about_an_expansion_older_than_a_year(tmp_path):
    knowledge = _knowledge_copy(tmp_path)
    path = knowledge / "_common/valuesets/egfr.json"
    data = json.loads(path.read_text())
    data["expansion"]["timestamp"] = "2024-01-01T00:00:00Z"
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["validate", str(knowledge)])
    assert "value set egfr: expansion of 2024-01-01 is older than a year" in result.output
    # reported, not fatal: it still works offline
    assert "✓ value sets: 15, each with an expansion" in result.output


@pytest.mark.hazard("H-014")
def test_a_standard_code_inline_in_a_mapping_fails_validate(tmp_path):
    knowledge = _knowledge_copy(tmp_path)
    path = knowledge / "_common/fhir-mapping.yaml"
    text = path.read_text().replace(
        "diagnosis: [{valueset: hip-fracture}]",
        'diagnosis: [{system: snomed, code: "359817006", display: "x", source: snomed-int}]',
    )
    path.write_text(text)
    result = runner.invoke(app, ["validate", str(knowledge)])
    assert result.exit_code == 1
    assert "snomed codes belong in a value set" in result.output


@pytest.mark.hazard("H-017")
def test_the_audit_reads_every_hip_fracture_operation_from_the_same_value_set():
    """The audit's 'operated' concept set is the CDS value set (plus OPCS-4): fixation and
    hemiarthroplasty in ICD-10-PCS and CPT are no longer missed."""
    from keuzewijs.audit.mapping import load_mapping

    surgery = load_mapping(KNOWLEDGE).concept_sets["hip_fracture_surgery"]
    codes = {(c.vocabulary, c.code) for c in surgery.codes}
    assert {
        ("ICD10PCS", "0QS6"),
        ("ICD10PCS", "0SRR"),
        ("CPT4", "27245"),
        ("CPT4", "27125"),
    } <= codes
    assert ("SNOMED", "52734007") in codes and ("OPCS4", "W46") in codes
    prefixes = load_mapping(KNOWLEDGE).prefix_vocabularies
    assert prefixes["ICD10PCS"] == ["ICD10PCS"]  # 0QS6 matches 0QS604Z
