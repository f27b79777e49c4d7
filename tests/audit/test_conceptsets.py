"""Concept-set resolution through a CDM vocabulary, on a hand-made vocabulary of four concepts.

The concept ids below are invented for this test (the real-data checks are in test_eunomia.py);
the codes are real: ICD-10 S72.0 'Fracture of neck of femur', its ICD-10-CM descendant S72.001A.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest

from keuzewijs.audit.backends import fetch
from keuzewijs.audit.conceptsets import attach, column
from keuzewijs.audit.mapping import Mapping
from keuzewijs.audit.omop import prepare

STANDARD, ICD10, ICD10CM, OTHER = 101, 201, 202, 301


def mapping(vocabulary: str = "ICD10", prefix: bool = True) -> Mapping:
    return Mapping(
        sources={"t": "test"},
        prefix_vocabularies={"ICD10": ["ICD10", "ICD10CM"]} if prefix else {},
        concept_sets={
            "hip": {
                "description": "hip",
                "domains": ["condition"],
                "codes": [
                    {"vocabulary": vocabulary, "code": "S72.0", "display": "x", "source": "t"}
                ],
            }
        },
    )


@pytest.fixture
def con():
    c = ibis.duckdb.connect()
    yield c
    c.disconnect()


def tables(con, events: list[dict], relationship: bool = True) -> dict:
    def t(name, rows, schema):
        return con.create_table(name, pa.Table.from_pylist(rows, schema=pa.schema(schema)))

    out = {
        "person": t(
            "person",
            [{"person_id": 1, "year_of_birth": 1950, "month_of_birth": 1, "day_of_birth": 1}],
            [
                (c, pa.int64())
                for c in ("person_id", "year_of_birth", "month_of_birth", "day_of_birth")
            ],
        ),
        "visit_occurrence": t(
            "visit_occurrence",
            [],
            [
                ("visit_occurrence_id", pa.int64()),
                ("person_id", pa.int64()),
                ("visit_start_date", pa.date32()),
                ("care_site_id", pa.int64()),
            ],
        ),
        "concept": t(
            "concept",
            [
                {
                    "concept_id": STANDARD,
                    "vocabulary_id": "SNOMED",
                    "concept_code": "359817006",
                    "standard_concept": "S",
                },
                {
                    "concept_id": ICD10,
                    "vocabulary_id": "ICD10",
                    "concept_code": "S72.0",
                    "standard_concept": None,
                },
                {
                    "concept_id": ICD10CM,
                    "vocabulary_id": "ICD10CM",
                    "concept_code": "S72.001A",
                    "standard_concept": None,
                },
                {
                    "concept_id": OTHER,
                    "vocabulary_id": "ICD10",
                    "concept_code": "S72.1",
                    "standard_concept": None,
                },
            ],
            [
                ("concept_id", pa.int64()),
                ("vocabulary_id", pa.string()),
                ("concept_code", pa.string()),
                ("standard_concept", pa.string()),
            ],
        ),
    }
    if relationship:
        out["concept_relationship"] = t(
            "concept_relationship",
            [
                {
                    "concept_id_1": ICD10,
                    "concept_id_2": STANDARD,
                    "relationship_id": "Maps to",
                    "invalid_reason": None,
                },
                {
                    "concept_id_1": ICD10CM,
                    "concept_id_2": STANDARD,
                    "relationship_id": "Maps to",
                    "invalid_reason": None,
                },
            ],
            [
                ("concept_id_1", pa.int64()),
                ("concept_id_2", pa.int64()),
                ("relationship_id", pa.string()),
                ("invalid_reason", pa.string()),
            ],
        )
    schema = {
        "condition_occurrence": (
            "condition_start_date",
            "condition_source_value",
            "condition_concept_id",
            "condition_source_concept_id",
        ),
        "procedure_occurrence": (
            "procedure_date",
            "procedure_source_value",
            "procedure_concept_id",
            "procedure_source_concept_id",
        ),
        "observation": (
            "observation_date",
            "observation_source_value",
            "observation_concept_id",
            "observation_source_concept_id",
        ),
    }
    for name, (date, code, concept, source) in schema.items():
        rows = events if name == "condition_occurrence" else []
        out[name] = t(
            name,
            [
                {
                    "person_id": 1,
                    date: dt.date(2020, 1, 1),
                    code: r.get("value"),
                    concept: r.get("concept", 0),
                    source: r.get("source"),
                    "visit_occurrence_id": None,
                }
                for r in rows
            ],
            [
                ("person_id", pa.int64()),
                (date, pa.date32()),
                (code, pa.string()),
                (concept, pa.int64()),
                (source, pa.int64()),
                ("visit_occurrence_id", pa.int64()),
            ],
        )
    return out


def hits(con, tabs, m: Mapping) -> set[str]:
    """The source values of the events found in the set."""
    ev = attach(prepare(tabs, dt.date(2024, 1, 1)), m).events
    return {r["code"] for r in fetch(con, ev.filter(ev[column("hip")]).select("code"))}


@pytest.mark.parametrize(
    ("event", "found"),
    [
        ({"concept": STANDARD, "value": "local-123"}, True),  # standard concept mapped from S72.0
        ({"concept": 0, "source": ICD10CM, "value": "local"}, True),  # source concept below S72.0
        ({"concept": 0, "value": "s72.001a"}, True),  # source value, by ICD-10 prefix, any case
        ({"concept": 0, "source": OTHER, "value": "S72.1"}, False),  # a sibling code is not in it
    ],
)
def test_icd10_code_reaches_standard_and_source_concepts(con, event, found):
    assert hits(con, tables(con, [event]), mapping()) == ({event["value"]} if found else set())


def test_maps_to_is_what_links_the_standard_concept(con):
    event = {"concept": STANDARD, "value": "local-123"}
    assert hits(con, tables(con, [event], relationship=False), mapping()) == set()


def test_without_prefix_vocabularies_only_the_exact_code_counts(con):
    m = mapping(prefix=False)
    tabs = tables(con, [{"source": ICD10CM, "value": "S72.001A"}, {"source": ICD10, "value": "x"}])
    assert hits(con, tabs, m) == {"x"}
