"""Bad OMOP input: a clear one-line message (exit 2) or rows set aside and counted, never silently
dropped."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from keuzewijs.audit.backends import fetch
from keuzewijs.audit.omop import prepare, read_folder
from keuzewijs.cli.app import app

runner = CliRunner()

AS_OF = dt.date(2024, 1, 1)


def write(folder, name, rows, schema):
    pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema(schema)), folder / f"{name}.parquet")


def tiny(folder):
    ev = [("person_id", pa.int64()), ("visit_occurrence_id", pa.int64())]
    write(
        folder,
        "person",
        [
            {"person_id": 1, "year_of_birth": 1950, "month_of_birth": 6, "day_of_birth": 15},
            {"person_id": 2, "year_of_birth": None, "month_of_birth": None, "day_of_birth": None},
        ],
        [
            ("person_id", pa.int64()),
            ("year_of_birth", pa.int32()),
            ("month_of_birth", pa.int32()),
            ("day_of_birth", pa.int32()),
        ],
    )
    write(
        folder,
        "visit_occurrence",
        [
            {
                "visit_occurrence_id": 1,
                "person_id": 1,
                "visit_start_date": dt.date(2020, 1, 1),
                "care_site_id": 1,
            }
        ],
        [
            ("visit_occurrence_id", pa.int64()),
            ("person_id", pa.int64()),
            ("visit_start_date", pa.date32()),
            ("care_site_id", pa.int64()),
        ],
    )
    write(
        folder,
        "condition_occurrence",
        [
            {
                "person_id": 1,
                "condition_start_date": dt.date(2020, 1, 1),
                "condition_source_value": "S72.0",
                "condition_concept_id": 0,
                "visit_occurrence_id": 1,
            },
            {
                "person_id": 1,
                "condition_start_date": dt.date(2030, 1, 1),
                "condition_source_value": "S72.0",
                "condition_concept_id": 0,
                "visit_occurrence_id": None,
            },
            {
                "person_id": 1,
                "condition_start_date": dt.date(1950, 6, 14),
                "condition_source_value": "I10",
                "condition_concept_id": 0,
                "visit_occurrence_id": None,
            },
            {
                "person_id": 1,
                "condition_start_date": dt.date(2020, 2, 1),
                "condition_source_value": None,
                "condition_concept_id": 0,
                "visit_occurrence_id": None,
            },
            {
                "person_id": 9,
                "condition_start_date": dt.date(2020, 2, 1),
                "condition_source_value": "I10",
                "condition_concept_id": 0,
                "visit_occurrence_id": None,
            },
            {
                "person_id": 1,
                "condition_start_date": None,
                "condition_source_value": "I10",
                "condition_concept_id": 0,
                "visit_occurrence_id": None,
            },
        ],
        [
            *ev[:1],
            ("condition_start_date", pa.date32()),
            ("condition_source_value", pa.string()),
            ("condition_concept_id", pa.int64()),
            ev[1],
        ],
    )
    write(
        folder,
        "procedure_occurrence",
        [
            {
                "person_id": 1,
                "procedure_date": dt.date(2020, 1, 3),
                "procedure_source_value": "W46",
                "procedure_concept_id": 0,
                "visit_occurrence_id": 1,
            },
        ],
        [
            *ev[:1],
            ("procedure_date", pa.date32()),
            ("procedure_source_value", pa.string()),
            ("procedure_concept_id", pa.int64()),
            ev[1],
        ],
    )
    write(
        folder,
        "observation",
        [],
        [
            *ev[:1],
            ("observation_date", pa.date32()),
            ("observation_source_value", pa.string()),
            ("observation_concept_id", pa.int64()),
            ev[1],
        ],
    )


def test_each_kind_of_bad_row_is_counted_once(tmp_path, duck):
    tiny(tmp_path)
    data = prepare(read_folder(duck, tmp_path), AS_OF)
    counts = {(r["table"], r["reason"]): r["rows"] for r in fetch(duck, data.set_aside)}
    assert counts == {
        ("person", "missing_birth_year"): 1,
        ("condition_occurrence", "future_date"): 1,
        ("condition_occurrence", "before_birth"): 1,
        ("condition_occurrence", "unmapped_code"): 1,
        ("condition_occurrence", "unknown_person"): 1,
        ("condition_occurrence", "missing_date"): 1,
    }
    kept = fetch(duck, data.events)
    assert sorted(r["code"] for r in kept) == ["S72.0", "W46"]


def test_missing_table_is_one_line_naming_it(tmp_path):
    tiny(tmp_path)
    (tmp_path / "observation.parquet").unlink()
    result = runner.invoke(app, ["audit", str(tmp_path)])
    assert result.exit_code == 2
    assert "table 'observation' is missing" in result.output
    assert "Traceback" not in result.output


def test_missing_column_is_one_line_naming_table_and_column(tmp_path):
    tiny(tmp_path)
    t = pq.read_table(tmp_path / "procedure_occurrence.parquet").drop(["procedure_date"])
    pq.write_table(t, tmp_path / "procedure_occurrence.parquet")
    result = runner.invoke(app, ["audit", str(tmp_path)])
    assert result.exit_code == 2
    assert (
        "procedure_occurrence.procedure_date: column 'procedure_date' is missing" in result.output
    )


def test_csv_tables_are_read_too(tmp_path, duck):
    tiny(tmp_path)
    for name in ("person", "procedure_occurrence"):
        import pyarrow.csv as pcsv

        pcsv.write_csv(pq.read_table(tmp_path / f"{name}.parquet"), tmp_path / f"{name}.csv")
        (tmp_path / f"{name}.parquet").unlink()
    data = prepare(read_folder(duck, tmp_path), AS_OF)
    assert sorted(r["code"] for r in fetch(duck, data.events)) == ["S72.0", "W46"]


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["--backend", "oracle"], "--backend"),
        (["--by", "ward"], "--by"),
        (["--indicator", "no-such"], "--indicator"),
        (["--as-of", "yesterday"], "--as-of"),
        (["--backend", "postgres"], "DATA"),
    ],
)
def test_bad_options_exit_2_naming_the_option(tmp_path, args, where):
    tiny(tmp_path)
    result = runner.invoke(app, ["audit", str(tmp_path), *args])
    assert result.exit_code == 2, result.output
    assert where in result.output and result.output.count("\n") == 1


def test_not_a_folder(tmp_path):
    result = runner.invoke(app, ["audit", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "not a folder of OMOP tables" in result.output


def test_synth_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x").write_text("keep me")
    result = runner.invoke(app, ["synth", "--patients", "10", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--out" in result.output
    assert (tmp_path / "x").read_text() == "keep me"
