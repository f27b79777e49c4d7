"""The audit on a real OMOP release as OHDSI publishes it: Eunomia 'Synthea27Nj' (CDM v5.4, CSV).

The zip sits in `../shared/data/omop/` beside the checkout (see fixtures/README.md for where it
comes from; KEUZEWIJS_SHARED points elsewhere). It is unzipped into a temporary folder, as
published: upper-case file names (PERSON.csv), a macOS `__MACOSX/` folder, its own vocabulary
subset (CONCEPT, CONCEPT_RELATIONSHIP) and an empty CONCEPT_ANCESTOR. Person 7 has a closed hip
fracture (SNOMED 359817006, OMOP concept 4230399). Expected counts are computed here with plain
DuckDB SQL over the CSV files, independently of the audit's code.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from pathlib import Path

import duckdb
import ibis
import pytest
from typer.testing import CliRunner

from keuzewijs.audit.backends import fetch
from keuzewijs.audit.conceptsets import attach, column, has_ancestry
from keuzewijs.audit.mapping import Mapping
from keuzewijs.audit.omop import prepare, read_folder, release_date
from keuzewijs.cli.app import app
from tests.conftest import REPO, in_ci

runner = CliRunner()
ZIP = "data/omop/eunomia-synthea27nj-cdm54-csv.zip"
HIP_PATIENT = 7


def _zip() -> Path:
    shared = Path(os.environ.get("KEUZEWIJS_SHARED", REPO.parent / "shared"))
    path = shared / ZIP
    if not path.exists():
        if in_ci():
            pytest.fail(f"{path} missing: CI must provide the shared data beside the checkout")
        pytest.skip(f"{path} not present (the shared data folder beside the checkout)")
    return path


@pytest.fixture(scope="module")
def eunomia(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("eunomia")
    with zipfile.ZipFile(_zip()) as z:
        z.extractall(out)
    # As published: what the reader must cope with is really there.
    assert (out / "PERSON.csv").exists() and not (out / "person.csv").exists()
    assert (out / "__MACOSX").is_dir()
    return out


def sql(folder: Path, query: str) -> list[tuple]:
    con = duckdb.connect()
    for name in (
        "person",
        "condition_occurrence",
        "procedure_occurrence",
        "observation",
        "observation_period",
    ):
        con.execute(
            f"CREATE VIEW {name} AS SELECT * FROM read_csv('{folder / name.upper()}.csv', "
            "header = true, all_varchar = true)"
        )
    return con.execute(query).fetchall()


def outside_observation(folder: Path) -> int:
    parts = []
    for table, date in (
        ("condition_occurrence", "condition_start_date"),
        ("procedure_occurrence", "procedure_date"),
        ("observation", "observation_date"),
    ):
        parts.append(
            f"SELECT count(*) FROM {table} e WHERE NOT EXISTS (SELECT 1 FROM observation_period o "
            f"WHERE o.person_id = e.person_id AND e.{date}::DATE BETWEEN "
            "o.observation_period_start_date::DATE AND o.observation_period_end_date::DATE)"
        )
    return sum(sql(folder, q)[0][0] for q in parts)


def test_audit_cli_finds_the_hip_fracture_patient(eunomia, tmp_path):
    result = runner.invoke(app, ["audit", str(eunomia), "--out", str(tmp_path / "report.html")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    hip = next(line for line in lines if "│ hip_fracture " in line)
    persons, events = [cell.strip() for cell in hip.split("│")[2:4]]
    expected = sql(
        eunomia,
        "SELECT count(DISTINCT person_id), count(*) FROM condition_occurrence "
        "WHERE condition_concept_id = '4230399'",
    )[0]
    assert (int(persons), int(events)) == expected == (1, 1)
    # Not 'every row usable': the rows outside an observation period are set aside and counted.
    aside = outside_observation(eunomia)
    assert aside > 0
    assert f"set aside: {aside:,} " in result.output
    # No hip-fracture operation in these 28 persons: the indicator says so, naming its sets.
    assert (
        "WARNING: indicator 'hip-surgery-after-day-1' found no eligible patient: index concept set "
        "'hip_fracture_surgery' matches 0 person(s); required concept set 'hip_fracture' matches "
        "1 person(s)" in " ".join(result.output.split())
    )
    page = (tmp_path / "report.html").read_text()
    assert "hip_fracture_surgery" in page and "class='warn'" in page


@pytest.fixture(scope="module")
def duck_eunomia(eunomia):
    con = ibis.duckdb.connect()
    tables = read_folder(con, eunomia)
    yield con, tables, release_date(con, tables)
    con.disconnect()


def one_set(vocabulary: str, code: str, concept_id: int | None = None) -> Mapping:
    return Mapping(
        sources={"test": "test"},
        concept_sets={
            "probe": {
                "description": "probe",
                "domains": ["condition"],
                "codes": [
                    {
                        "vocabulary": vocabulary,
                        "code": code,
                        "display": "probe",
                        "source": "test",
                        "concept_id": concept_id,
                    }
                ],
            }
        },
    )


def persons(con, tables, as_of: dt.date, mapping: Mapping, **replace) -> set[int]:
    data = prepare({**tables, **replace}, as_of)
    ev = attach(data, mapping).events
    return {r["person_id"] for r in fetch(con, ev.filter(ev[column("probe")]).select("person_id"))}


def test_release_date_is_the_extraction_date(duck_eunomia):
    assert duck_eunomia[2] == dt.date(2022, 10, 10)


def test_code_is_found_through_the_cdm_concept_table(duck_eunomia):
    con, tables, as_of = duck_eunomia
    co = tables["condition_occurrence"]
    no_source_value = co.mutate(condition_source_value=ibis.null("string"))
    mapping = one_set("SNOMED", "359817006")  # no concept id given: the vocabulary has to find it
    assert persons(con, tables, as_of, mapping, condition_occurrence=no_source_value) == {
        HIP_PATIENT
    }
    # Without the vocabulary and without the source value nothing can find it.
    no_vocabulary = {k: v for k, v in tables.items() if not k.startswith("concept")}
    assert (
        persons(con, no_vocabulary, as_of, mapping, condition_occurrence=no_source_value) == set()
    )


def test_source_concept_id_counts(duck_eunomia):
    con, tables, as_of = duck_eunomia
    co = tables["condition_occurrence"]
    only_source_concept = co.mutate(
        condition_source_value=ibis.null("string"), condition_concept_id=ibis.literal("0")
    )
    mapping = one_set("SNOMED", "359817006")
    assert persons(con, tables, as_of, mapping, condition_occurrence=only_source_concept) == {
        HIP_PATIENT
    }
    nothing = only_source_concept.mutate(condition_source_concept_id=ibis.literal("0"))
    assert persons(con, tables, as_of, mapping, condition_occurrence=nothing) == set()


def test_descendants_come_from_concept_ancestor(duck_eunomia, eunomia):
    """Eunomia ships CONCEPT_ANCESTOR empty; its own 'Is a' rows give one level of ancestry.

    'Asthma' (SNOMED 195967001) is coded for nobody; 'Childhood asthma', which 'Is a' asthma in
    Eunomia's CONCEPT_RELATIONSHIP, is. Include-descendants must find those persons.
    """
    con, tables, as_of = duck_eunomia
    mapping = one_set("SNOMED", "195967001")
    assert has_ancestry(prepare(tables, as_of)) is False
    assert persons(con, tables, as_of, mapping) == set()
    r = tables["concept_relationship"]
    is_a = r.filter(r.relationship_id == "Is a").select(
        ancestor_concept_id=r.concept_id_2, descendant_concept_id=r.concept_id_1
    )
    expected = {
        int(p)
        for (p,) in sql(
            eunomia,
            "SELECT DISTINCT person_id FROM condition_occurrence WHERE condition_concept_id IN "
            f"(SELECT concept_id_1 FROM read_csv('{eunomia}/CONCEPT_RELATIONSHIP.csv', "
            "all_varchar = true) WHERE relationship_id = 'Is a' AND concept_id_2 = '317009')",
        )
    }
    assert expected
    assert persons(con, tables, as_of, mapping, concept_ancestor=is_a) == expected
