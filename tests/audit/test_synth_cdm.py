"""`keuzewijs synth` writes every column OMOP CDM v5.4 requires, filled, so OHDSI tools can load it.

The list of required columns is derived from the CDM's own specification (fixtures/README.md).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from keuzewijs.audit.synth import SCHEMAS, generate

REQUIRED = Path(__file__).parent / "fixtures" / "cdm54_required.csv"
# CDM datatypes -> the Arrow types that hold them
KINDS = {"integer": ("int32", "int64"), "date": ("date32[day]",), "varchar": ("string",)}


def required() -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    with REQUIRED.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            kind = row["cdmDatatype"].lower().split("(")[0]
            out.setdefault(row["cdmTableName"], []).append((row["cdmFieldName"], kind))
    return out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory, library, mapping) -> Path:
    out = tmp_path_factory.mktemp("synth-cdm")
    generate(library, mapping, 400, out, seed=3, chunk=150, with_truth=False)
    return out


def test_the_fixture_covers_every_table_synth_writes():
    assert set(required()) == set(SCHEMAS)


@pytest.mark.parametrize("table", sorted(required()))
def test_every_required_column_is_written_and_filled(synthetic, table):
    data = pq.read_table(synthetic / table)
    assert data.num_rows > 0
    for column, kind in required()[table]:
        assert column in data.column_names, f"{table}.{column} missing"
        field = data.schema.field(column)
        assert str(field.type) in KINDS[kind], f"{table}.{column}: {field.type} is not {kind}"
        assert data[column].null_count == 0, f"{table}.{column} has empty rows"


def test_event_ids_are_unique_across_parts(synthetic):
    for table, key in (
        ("condition_occurrence", "condition_occurrence_id"),
        ("procedure_occurrence", "procedure_occurrence_id"),
        ("observation", "observation_id"),
        ("visit_occurrence", "visit_occurrence_id"),
        ("observation_period", "observation_period_id"),
    ):
        ids = pq.read_table(synthetic / table, columns=[key])[key].to_pylist()
        assert len(ids) == len(set(ids)), table
