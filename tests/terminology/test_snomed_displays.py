"""Every SNOMED CT display the knowledge writes is the concept's preferred term, checked against
the OMOP CONCEPT table of the Eunomia release in `../shared/data/omop` (vocabulary_id SNOMED,
concept_code = the code, concept_name = the term) wherever that concept is in it.

Eunomia ships a vocabulary subset, so most codes are not in it. For those, `fixtures/
snomed-ips-terms.tsv` holds the preferred term SNOMED International's IPS terminology gives
(SNOMED CT 2022-07-31), extracted for the codes the knowledge uses from the HL7 IPS value
sets ProblemsSnomedCtIpsFreeSet, ProceduresSnomedCtIpsFreeSet and
ResultsPresenceAbsenceSnomedCtIpsFreeSet (repository HL7/fhir-ips, input/fsh/valuesets/,
commit 57c3299fe9759f9be7c7b6976ce61f57ef9a7bd1).
The few codes in neither are checked by the source their `source` alias names
(knowledge/_common/valuesets/code-systems.yaml, fhir-activities.yaml).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.audit.test_eunomia import _zip
from tests.conftest import KNOWLEDGE

SCT = "http://snomed.info/sct"
COMMON = KNOWLEDGE / "_common"
IPS_TERMS = Path(__file__).parent / "fixtures" / "snomed-ips-terms.tsv"
ECL_TERM = re.compile(r"(\d{6,18})\s*\|([^|]+)\|")

Display = tuple[str, str, str]  # code, display, where


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _valueset_displays(path: Path) -> Iterable[Display]:
    vs = json.loads(path.read_text(encoding="utf-8"))
    for inc in vs["compose"]["include"]:
        if inc.get("system") != SCT:
            continue
        for c in inc.get("concept", []):
            yield c["code"], c["display"], f"{path.name} compose"
        for f in inc.get("filter", []):
            for code, term in ECL_TERM.findall(f["value"]):
                yield code, term.strip(), f"{path.name} ECL"
    for c in vs.get("expansion", {}).get("contains", []):
        if c["system"] == SCT:
            yield c["code"], c["display"], f"{path.name} expansion"


def _yaml_displays(path: Path) -> Iterable[Display]:
    """SNOMED codes in the mapping files: `{system: snomed, ...}` (the alias the file defines for
    http://snomed.info/sct) or `{vocabulary: SNOMED, ...}` (OMOP)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    aliases = {k for k, v in (data.get("systems") or {}).items() if v == SCT}
    for node in _walk(data):
        snomed = node.get("system") in aliases or node.get("vocabulary") == "SNOMED"
        if snomed and "code" in node and "display" in node:
            yield str(node["code"]), node["display"], path.name


def knowledge_displays() -> list[Display]:
    found: list[Display] = []
    for path in sorted((COMMON / "valuesets").glob("*.json")):
        found += _valueset_displays(path)
    for name in ("fhir-activities.yaml", "fhir-mapping.yaml", "omop-mapping.yaml"):
        found += _yaml_displays(COMMON / name)
    return found


def omop_snomed_terms(zip_path: Path) -> dict[str, str]:
    with zipfile.ZipFile(zip_path) as z, z.open("CONCEPT.csv") as raw:
        rows = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"))
        return {
            r["concept_code"]: r["concept_name"] for r in rows if r["vocabulary_id"] == "SNOMED"
        }


def mismatches(displays: list[Display], terms: dict[str, str], named: str = "OMOP") -> list[str]:
    return [
        f"{where}: {code} '{display}' is '{terms[code]}' in {named}"
        for code, display, where in displays
        if code in terms and display != terms[code]
    ]


@pytest.fixture(scope="module")
def terms() -> dict[str, str]:
    return omop_snomed_terms(_zip())


def test_the_knowledge_lists_its_snomed_displays():
    displays = knowledge_displays()
    codes = {code for code, _, _ in displays}
    # the value sets, the activities and both mapping files are all read
    wheres = {where.split()[0] for _, _, where in displays}
    assert {"fhir-activities.yaml", "fhir-mapping.yaml", "omop-mapping.yaml"} <= wheres
    assert {"52734007", "89355001", "359817006", "52101004", "278860009"} <= codes


def test_every_snomed_display_is_the_omop_concept_name_where_eunomia_has_it(terms):
    displays = knowledge_displays()
    assert mismatches(displays, terms) == []
    checked = {code for code, _, _ in displays if code in terms}
    # not vacuous: the Eunomia subset holds these six (the others are checked by their source)
    assert {"359817006", "52734007", "91251008", "267036007", "267064002", "278860009"} <= checked


def test_a_wrong_display_is_reported(terms):
    wrong = [("359817006", "Fracture of hip", "hip-fracture.json compose")]
    assert mismatches(wrong, terms) == [
        "hip-fracture.json compose: 359817006 'Fracture of hip' is 'Closed fracture of hip' in OMOP"
    ]


def ips_terms() -> dict[str, str]:
    with IPS_TERMS.open(encoding="utf-8", newline="") as handle:
        return {r["code"]: r["term"] for r in csv.DictReader(handle, delimiter="\t")}


def test_every_snomed_display_is_the_ips_preferred_term_where_ips_lists_it():
    displays = knowledge_displays()
    terms = ips_terms()
    assert mismatches(displays, terms, "IPS") == []
    checked = {code for code, _, _ in displays if code in terms}
    assert len(checked) >= 24  # the issue 20 codes among them
    assert {"359820003", "263229001", "128196005", "202735001", "275335003"} <= checked
