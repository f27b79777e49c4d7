"""Where the audit runs: DuckDB embedded (default), Spark local mode, or PostgreSQL.

The indicator code is the same Ibis expression on each; only the connection differs.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import Any

from keuzewijs.errors import InputFormatError

BACKENDS = ("duckdb", "spark", "postgres")


@contextlib.contextmanager
def connect(
    backend: str, *, url: str | None = None, memory_limit: str = "3GB", threads: int | None = None
) -> Iterator[Any]:
    import ibis

    if backend not in BACKENDS:
        raise InputFormatError(
            f"must be one of {', '.join(BACKENDS)} (got {backend!r})", path="--backend"
        )
    if backend == "duckdb":
        # A memory limit makes DuckDB spill to disk (out-of-core) instead of growing past it.
        spill = tempfile.mkdtemp(prefix="keuzewijs-duckdb-")
        con = ibis.duckdb.connect(
            memory_limit=memory_limit, temp_directory=spill, threads=threads or os.cpu_count() or 1
        )
        try:
            yield con
        finally:
            con.disconnect()
    elif backend == "spark":
        from pyspark.sql import SparkSession

        session = (
            SparkSession.builder.master(f"local[{threads or '*'}]")
            .appName("keuzewijs-audit")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.driver.memory", memory_limit.replace("GB", "g"))
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        try:
            yield ibis.pyspark.connect(session)
        finally:
            session.stop()
    else:
        if not url:
            raise InputFormatError(
                "give the database as postgresql://user@host:port/dbname", path="DATA"
            )
        con = ibis.connect(url)
        # Ibis names shared subqueries as CTEs; PostgreSQL materialises a CTE used more than once
        # without statistics, estimates 1 row for each filter on it and then joins them with
        # nested loops - quadratic in the events (figures in benchmarks/README.md).
        con.raw_sql("SET enable_nestloop = off").close()
        try:
            yield con
        finally:
            con.disconnect()


def fetch(con: Any, expr: Any) -> list[dict[str, Any]]:
    """Rows of a (small) result as dicts, without pandas (pyspark's toPandas path warns)."""
    import ibis

    if con.name == "pyspark":
        sql = ibis.to_sql(expr, dialect="pyspark")
        return [row.asDict() for row in con._session.sql(sql).collect()]
    return con.to_pyarrow(expr).to_pylist()
