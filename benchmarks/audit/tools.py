"""One audit implementation per call, run in its own process so its peak memory is its own.

    python benchmarks/audit/tools.py TOOL DATA_DIR AS_OF

TOOL: keuzewijs (the generic Ibis translation on DuckDB), duckdb_sql (the same indicator written
by hand in DuckDB SQL: the floor), pandas (what an analyst would otherwise write).
All three compute the hip-fracture timing indicator (numerator, denominator, undetermined) and
the rows set aside, and print JSON with wall time and peak resident memory.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

INDICATOR = "hip-surgery-after-day-1"
MEMORY_LIMIT = "3GB"
THREADS = 2

# The OMOP event tables both hand-written audits read: table, date, source code, concept columns.
EVENT_TABLES = (
    (
        "condition_occurrence",
        "condition_start_date",
        "condition_source_value",
        "condition_concept_id",
    ),
    ("procedure_occurrence", "procedure_date", "procedure_source_value", "procedure_concept_id"),
    ("observation", "observation_date", "observation_source_value", "observation_concept_id"),
)


def run_keuzewijs(data: Path, as_of: dt.date) -> dict:
    from keuzewijs.audit.backends import connect, fetch
    from keuzewijs.audit.mapping import load_mapping
    from keuzewijs.audit.run import load, run_audit
    from keuzewijs.packs.loader import get_library

    library = get_library()
    with connect("duckdb", memory_limit=MEMORY_LIMIT, threads=THREADS) as con:
        result = run_audit(
            con, load(con, data, as_of), library, load_mapping(library.root), only=[INDICATOR]
        )
        del fetch
    r = result.overall()[0]
    return {
        "numerator": r.numerator,
        "denominator": r.denominator,
        "undetermined": r.undetermined,
        "set_aside": sum(x["rows"] for x in result.set_aside),
    }


def _codes(name: str) -> str:
    from keuzewijs.audit.mapping import load_mapping
    from keuzewijs.packs.loader import get_library

    cs = load_mapping(get_library().root).concept_sets[name]
    return ", ".join(f"'{c}'" for c in cs.source_values())


def run_duckdb_sql(data: Path, as_of: dt.date) -> dict:
    import duckdb

    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "threads": THREADS})
    d = f"DATE '{as_of.isoformat()}'"
    surgery, fracture = _codes("hip_fracture_surgery"), _codes("hip_fracture")
    con.execute(f"""
    CREATE TEMP VIEW person_all AS SELECT person_id,
        make_date(year_of_birth, coalesce(month_of_birth, 1), coalesce(day_of_birth, 1)) AS
        birth, year_of_birth
        FROM read_parquet('{data}/person/*.parquet');
    CREATE TEMP VIEW person_ok AS SELECT person_id, birth FROM person_all WHERE year_of_birth IS
    NOT NULL AND birth <= {d};
    """)
    # Events outside every observation period of their person are set aside (as keuzewijs does).
    outside = ""
    if (data / "observation_period").exists():
        outside = (
            "WHEN NOT EXISTS (SELECT 1 FROM read_parquet('"
            + str(data)
            + "/observation_period/*.parquet') o WHERE o.person_id = e.person_id AND e.{date} "
            "BETWEEN o.observation_period_start_date AND o.observation_period_end_date) "
            "THEN 'outside_observation'"
        )
    events = []
    for table, date, code, concept in EVENT_TABLES:
        events.append(f"""SELECT '{table}' AS tbl, e.person_id, e.{date} AS d, e.{code} AS code,
            e.visit_occurrence_id AS v,
            CASE WHEN p.birth IS NULL THEN 'unknown_person' WHEN e.{date} IS NULL THEN
            'missing_date'
                 WHEN e.{date} > {d} THEN 'future_date' WHEN e.{date} < p.birth THEN 'before_birth'
                 WHEN (e.{code} IS NULL OR e.{code} = '') AND (e.{concept} IS NULL OR e.{concept}
                 = 0) THEN 'unmapped_code'
                 {outside.format(date=date)} END AS reason
            FROM read_parquet('{data}/{table}/*.parquet') e LEFT JOIN person_ok p USING
            (person_id)""")
    con.execute(f"CREATE TEMP VIEW ev AS {' UNION ALL '.join(events)}")
    set_aside = con.execute(f"""
        SELECT (SELECT count(*) FROM ev WHERE reason IS NOT NULL)
             + (SELECT count(*) FROM read_parquet('{data}/visit_occurrence/*.parquet') vo LEFT
             JOIN person_ok p USING (person_id)
                WHERE p.birth IS NULL OR vo.visit_start_date IS NULL OR vo.visit_start_date > {d}
                OR vo.visit_start_date < p.birth)
             + (SELECT count(*) FROM person_all WHERE year_of_birth IS NULL OR birth >
             {d})""").fetchone()[0]
    row = con.execute(f"""
        WITH surg AS (SELECT person_id, d, v FROM ev WHERE reason IS NULL AND tbl =
        'procedure_occurrence' AND code IN ({surgery})),
        idx AS (SELECT person_id, min(d) AS index_date FROM surg GROUP BY person_id),
        idxv AS (SELECT i.person_id, i.index_date, min(s.v) AS v FROM idx i JOIN surg s ON
        s.person_id = i.person_id AND s.d = i.index_date
                 GROUP BY i.person_id, i.index_date),
        frac AS (SELECT person_id, d FROM ev WHERE reason IS NULL AND tbl =
        'condition_occurrence' AND code IN ({fracture})),
        elig AS (SELECT * FROM idxv i WHERE EXISTS (SELECT 1 FROM frac f WHERE f.person_id =
        i.person_id
                 AND f.d BETWEEN i.index_date - 30 AND i.index_date)),
        visits AS (SELECT vo.visit_occurrence_id, vo.visit_start_date FROM
        read_parquet('{data}/visit_occurrence/*.parquet') vo
                   JOIN person_ok p USING (person_id) WHERE vo.visit_start_date <= {d} AND
                   vo.visit_start_date >= p.birth),
        fin AS (SELECT date_diff('day', vs.visit_start_date, e.index_date) AS day FROM elig e
        LEFT JOIN visits vs ON vs.visit_occurrence_id = e.v)
        SELECT count(*) FILTER (WHERE day >= 2), count(day), count(*) FILTER (WHERE day IS NULL)
        FROM fin""").fetchone()
    return {
        "numerator": row[0],
        "denominator": row[1],
        "undetermined": row[2],
        "set_aside": set_aside,
    }


def run_pandas(data: Path, as_of: dt.date) -> dict:
    import pandas as pd

    surgery = [c.strip("'") for c in _codes("hip_fracture_surgery").split(", ")]
    fracture = [c.strip("'") for c in _codes("hip_fracture").split(", ")]
    today = pd.Timestamp(as_of)
    person = pd.read_parquet(data / "person")
    ok = person.year_of_birth.notna()
    person["birth"] = pd.to_datetime(
        dict(
            year=person.year_of_birth.fillna(1900),
            month=person.month_of_birth.fillna(1),
            day=person.day_of_birth.fillna(1),
        )
    )
    bad = int((~ok | (person.birth > today)).sum())
    person = person[ok & (person.birth <= today)][["person_id", "birth"]]
    periods = None
    if (data / "observation_period").exists():  # synth writes one period per person
        periods = pd.read_parquet(data / "observation_period").rename(
            columns={
                "observation_period_start_date": "op_start",
                "observation_period_end_date": "op_end",
            }
        )[["person_id", "op_start", "op_end"]]
        periods["op_start"] = pd.to_datetime(periods.op_start)
        periods["op_end"] = pd.to_datetime(periods.op_end)
    kept = {}
    for table, date, code, concept in EVENT_TABLES:
        ev = pd.read_parquet(data / table).merge(person, on="person_id", how="left")
        ev[date] = pd.to_datetime(ev[date])
        unmapped = (ev[code].isna() | (ev[code] == "")) & (ev[concept].isna() | (ev[concept] == 0))
        good = (
            ev.birth.notna()
            & ev[date].notna()
            & (ev[date] <= today)
            & (ev[date] >= ev.birth)
            & ~unmapped
        )
        if periods is not None:
            ev = ev.merge(periods, on="person_id", how="left")
            good &= (ev[date] >= ev.op_start) & (ev[date] <= ev.op_end)
        bad += int((~good).sum())
        kept[table] = ev[good].rename(columns={date: "d", code: "code"})[
            ["person_id", "d", "code", "visit_occurrence_id"]
        ]
        del ev
    vo = pd.read_parquet(data / "visit_occurrence").merge(person, on="person_id", how="left")
    vo["visit_start_date"] = pd.to_datetime(vo.visit_start_date)
    vgood = (
        vo.birth.notna()
        & vo.visit_start_date.notna()
        & (vo.visit_start_date <= today)
        & (vo.visit_start_date >= vo.birth)
    )
    bad += int((~vgood).sum())
    vo = vo[vgood]
    surg = kept["procedure_occurrence"][kept["procedure_occurrence"].code.isin(surgery)]
    idx = surg.groupby("person_id", as_index=False).d.min().rename(columns={"d": "index_date"})
    idx = (
        idx.merge(surg, left_on=["person_id", "index_date"], right_on=["person_id", "d"])
        .groupby(["person_id", "index_date"], as_index=False)
        .visit_occurrence_id.min()
    )
    frac = kept["condition_occurrence"][kept["condition_occurrence"].code.isin(fracture)]
    j = idx.merge(frac, on="person_id")
    j = j[(j.d >= j.index_date - pd.Timedelta(days=30)) & (j.d <= j.index_date)]
    elig = idx[idx.person_id.isin(j.person_id)]
    fin = elig.merge(
        vo[["visit_occurrence_id", "visit_start_date"]], on="visit_occurrence_id", how="left"
    )
    day = (fin.index_date - fin.visit_start_date).dt.days
    return {
        "numerator": int((day >= 2).sum()),
        "denominator": int(day.notna().sum()),
        "undetermined": int(day.isna().sum()),
        "set_aside": bad,
    }


if __name__ == "__main__":
    tool, folder, as_of = sys.argv[1], Path(sys.argv[2]), dt.date.fromisoformat(sys.argv[3])
    start = time.perf_counter()
    result = {"keuzewijs": run_keuzewijs, "duckdb_sql": run_duckdb_sql, "pandas": run_pandas}[tool](
        folder, as_of
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes
    print(json.dumps({"tool": tool, "seconds": seconds, "peak_bytes": peak, "result": result}))
