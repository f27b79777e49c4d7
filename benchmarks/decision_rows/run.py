"""Bytes per stored decision and the database's growth per 1,000 decisions (issue 22 item 2).

Saves N decisions through the API (TestClient, the real app) into a fresh SQLite file, or a
PostgreSQL database given by --database-url, and reports the stored row's columns and the growth
of the database on disk. The compared floor: the same advice as plain JSON (what a row held
before migration 0005). Profiles vary (age, and the other fields of each pack left open), so the
advice differs between rows as in use.

    .venv/bin/python benchmarks/decision_rows/run.py [--n 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from keuzewijs.settings import load_settings
from keuzewijs.web.app import create_app

REPO = Path(__file__).resolve().parents[2]
CONDITIONS = ["hip-fracture", "achilles-tendon-rupture", "lumbar-disc-herniation"]


def _size(engine, url: str) -> int:
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return path.stat().st_size
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_total_relation_size('decisions')")).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="kw-rows-")
    url = args.database_url or f"sqlite:///{tmp}/kw.db"
    settings = load_settings(
        database_url=url,
        knowledge=REPO / "knowledge",
        save_rate_per_minute=10_000,
        saves_per_day=10_000_000,
        sqlite_synchronous="NORMAL",
    )
    app = create_app(settings)
    engine = create_engine(settings.sqlalchemy_url)
    plain_total = 0
    with TestClient(app) as client:
        before = _size(engine, url)
        for i, condition in zip(range(args.n), itertools.cycle(CONDITIONS), strict=False):
            body = {"condition": condition, "profile": {"age": 20 + i % 70}, "lang": "nl"}
            saved = client.post("/api/v1/decisions", json=body)
            assert saved.status_code == 201, saved.text
            plain_total += len(json.dumps(saved.json()["advice"], separators=(",", ":")))
        after = _size(engine, url)
    with engine.connect() as conn:
        if url.startswith("sqlite"):
            packed = conn.execute(text("SELECT sum(length(advice_z)) FROM decisions")).scalar()
        else:
            sql = "SELECT sum(octet_length(advice_z)) FROM decisions"
            packed = conn.execute(text(sql)).scalar()
    engine.dispose()
    n = args.n
    backend = "sqlite" if url.startswith("sqlite") else "postgresql"
    print(f"{backend}: {n} decisions (conditions in turn, ages 20-89)")
    print(f"  advice as plain JSON (before 0005): {plain_total / n:,.0f} bytes per row")
    print(f"  advice compressed (advice_z):       {packed / n:,.0f} bytes per row")
    print(
        f"  database growth: {(after - before) / n:,.0f} bytes per row, "
        f"{(after - before) * 1000 / n / 1e6:.2f} MB per 1,000 decisions"
    )
    if not args.database_url:
        os.remove(url.split("///", 1)[1])


if __name__ == "__main__":
    main()
