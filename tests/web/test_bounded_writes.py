"""Issue 22 item 2: stored health data is bounded. Saves per client and minute and per day for
the whole service (both counted in the database, so they hold across workers), a retention
period enforced by `keuzewijs decisions purge` and at start-up, erasure by code, and a stored
snapshot compressed to what the decision page needs to show it again."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
import zlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from keuzewijs.cli.app import app as cli
from keuzewijs.store.db import make_engine
from keuzewijs.store.migrate import upgrade
from keuzewijs.web.app import create_app

from .conftest import make_settings

DECISION = {"condition": "hip-fracture", "profile": {"age": 80}, "lang": "nl"}


@contextlib.contextmanager
def _client(database_url: str, **extra: object) -> Iterator[TestClient]:
    app = create_app(make_settings(database_url, **extra))
    try:
        with TestClient(app) as client:
            yield client
    finally:  # close the pooled connections now (PostgreSQL warns when they are collected)
        app.state.engine.dispose()
        app.state.shared.engine.dispose()


def _age(database_url: str, days: int) -> None:
    """Make every stored decision `days` older."""
    engine = create_engine(make_settings(database_url).sqlalchemy_url)
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT code_hash, created_at FROM decisions")).all()
        for code_hash, created in rows:
            created = (
                created if isinstance(created, dt.datetime) else dt.datetime.fromisoformat(created)
            )
            conn.execute(
                text("UPDATE decisions SET created_at = :at WHERE code_hash = :h"),
                {"at": created - dt.timedelta(days=days), "h": code_hash},
            )
    engine.dispose()


# ------------------------------------------------------------------------------ rate and quota
def test_one_client_saving_as_fast_as_it_can_is_cut_off(tmp_path):
    """1,000 save attempts from one address: the first 10 are stored, every other one is a
    429 with Retry-After, and refusing costs no advice computation (measured, in the log)."""
    attempts = 1_000
    with _client(f"sqlite:///{tmp_path / 'kw.db'}", save_rate_per_minute=10) as c:
        started = time.perf_counter()
        statuses = [c.post("/api/v1/decisions", json=DECISION) for _ in range(attempts)]
        took = time.perf_counter() - started
    codes = [r.status_code for r in statuses]
    assert codes.count(201) == 10 and codes[:10] == [201] * 10
    assert codes.count(429) == attempts - 10
    refused = statuses[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    print(f"{attempts} attempts in {took:.1f} s ({took / attempts * 1000:.2f} ms each)")


def test_the_daily_quota_holds_across_workers(database_url):
    """Two apps on one database (as two worker processes are): together they store no more
    than the quota; the refusal says when the day ends."""
    with (
        _client(database_url, saves_per_day=7) as one,
        _client(database_url, saves_per_day=7) as two,
    ):
        codes = [
            (one if i % 2 else two).post("/api/v1/decisions", json=DECISION) for i in range(12)
        ]
    statuses = [r.status_code for r in codes]
    assert statuses.count(201) == 7 and statuses.count(429) == 5
    wait = int(codes[-1].headers["retry-after"])
    assert 0 < wait <= 86_400
    assert "as many decisions as it may today" in codes[-1].json()["detail"]


# ------------------------------------------------------------------------------ retention
def test_purge_deletes_expired_decisions_only(database_url):
    with _client(database_url) as c:
        old = c.post("/api/v1/decisions", json=DECISION).json()["code"]
    _age(database_url, 400)
    with _client(database_url) as c:  # start-up purges: the old one is gone already
        new = c.post("/api/v1/decisions", json=DECISION).json()["code"]
        assert c.get(f"/api/v1/decisions/{old}").status_code == 404
        assert c.get(f"/api/v1/decisions/{new}").status_code == 200
    _age(database_url, 40)
    env = {"KEUZEWIJS_DATABASE_URL": database_url, "KEUZEWIJS_RETENTION_DAYS": "30"}
    result = CliRunner().invoke(cli, ["decisions", "purge"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "deleted 1 decisions older than 30 days"
    again = CliRunner().invoke(cli, ["decisions", "purge"], env=env)
    assert again.output.strip() == "deleted 0 decisions older than 30 days"


def test_purge_with_a_bad_setting_is_one_line(tmp_path):
    env = {
        "KEUZEWIJS_DATABASE_URL": f"sqlite:///{tmp_path / 'kw.db'}",
        "KEUZEWIJS_RETENTION_DAYS": "0",
    }
    result = CliRunner().invoke(cli, ["decisions", "purge"], env=env)
    assert result.exit_code == 2
    assert "KEUZEWIJS_RETENTION_DAYS" in result.output


# ------------------------------------------------------------------------------ erasure
def test_a_decision_is_deleted_by_its_code(tmp_path):
    with _client(f"sqlite:///{tmp_path / 'kw.db'}") as c:
        code = c.post("/api/v1/decisions", json=DECISION).json()["code"]
        other = c.post("/api/v1/decisions", json=DECISION).json()["code"]
        gone = c.delete(f"/api/v1/decisions/{code.upper().replace('-', '')}")
        assert gone.status_code == 204 and gone.content == b""
        assert c.get(f"/api/v1/decisions/{code}").status_code == 404
        assert c.delete(f"/api/v1/decisions/{code}").status_code == 404
        assert c.get(f"/api/v1/decisions/{other}").status_code == 200
        bad = c.delete("/api/v1/decisions/not-a-code")
        assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "code"


def test_deleting_is_limited_like_a_look_up(tmp_path):
    with _client(f"sqlite:///{tmp_path / 'kw.db'}", lookup_rate_per_minute=3) as c:
        codes = [c.delete(f"/api/v1/decisions/{'a' * 32}").status_code for _ in range(5)]
    assert codes == [404, 404, 404, 429, 429]


# ------------------------------------------------------------------------------ the snapshot
def test_the_snapshot_is_stored_compressed_and_shown_the_same(database_url):
    with _client(database_url) as c:
        saved = c.post("/api/v1/decisions", json=DECISION).json()
        again = c.get(f"/api/v1/decisions/{saved['code']}").json()
    assert again["advice"] == saved["advice"]
    engine = create_engine(make_settings(database_url).sqlalchemy_url)
    with engine.connect() as conn:
        advice, packed = conn.execute(text("SELECT advice, advice_z FROM decisions")).one()
    engine.dispose()
    assert advice is None
    plain = json.dumps(saved["advice"], separators=(",", ":")).encode()
    assert json.loads(zlib.decompress(bytes(packed))) == saved["advice"]
    assert len(packed) * 3 < len(plain), (len(packed), len(plain))


def test_rows_saved_before_the_migration_are_compressed_by_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'kw.db'}"
    engine = make_engine(make_settings(url))
    upgrade(engine, "0004_decision_answers")
    now = dt.datetime.now(dt.UTC)
    from keuzewijs.store.repository import code_hash, new_code

    code = new_code()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO decisions (code_hash, condition, knowledge_version, lang, profile, "
                "advice, weights, chosen_option, created_at, updated_at) VALUES (:h, "
                "'hip-fracture', 'v', 'nl', '{}', :advice, '{}', NULL, :now, :now)"
            ),
            {"h": code_hash(code), "advice": json.dumps({"options": [1, 2]}), "now": now},
        )
    upgrade(engine)
    with engine.connect() as conn:
        advice, packed = conn.execute(text("SELECT advice, advice_z FROM decisions")).one()
    engine.dispose()
    assert advice is None and json.loads(zlib.decompress(packed)) == {"options": [1, 2]}


@pytest.mark.parametrize("status", [201])
def test_saves_within_the_limits_are_untouched(tmp_path, status):
    with _client(f"sqlite:///{tmp_path / 'kw.db'}", save_rate_per_minute=3) as c:
        assert [c.post("/api/v1/decisions", json=DECISION).status_code for _ in range(3)] == [
            status
        ] * 3


# ------------------------------------------------------------------------------ the pages
def _csrf(client: TestClient, path: str) -> str:
    import re

    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def test_the_patient_deletes_a_summary_on_its_page(tmp_path):
    with _client(f"sqlite:///{tmp_path / 'kw.db'}", retention_days=200) as c:
        code = c.post("/api/v1/decisions", json=DECISION).json()["code"]
        page = c.get(f"/en/d/{code}").text
        assert f'action="/en/d/{code}/delete"' in page and "after 200 days" in page
        token = _csrf(c, f"/en/d/{code}")
        unticked = c.post(f"/en/d/{code}/delete", data={"csrf": token}, follow_redirects=False)
        assert unticked.status_code == 303 and c.get(f"/en/d/{code}").status_code == 200
        forged = c.post(f"/en/d/{code}/delete", data={"csrf": "forged", "confirm": "yes"})
        assert forged.status_code == 403 and c.get(f"/en/d/{code}").status_code == 200
        gone = c.post(
            f"/en/d/{code}/delete",
            data={"csrf": token, "confirm": "yes"},
            follow_redirects=False,
        )
        assert gone.status_code == 303 and gone.headers["location"] == "/en/?deleted=1"
        assert "The summary has been deleted" in c.get(gone.headers["location"]).text
        assert c.get(f"/en/d/{code}").status_code == 404
        again = c.post(f"/en/d/{code}/delete", data={"csrf": token, "confirm": "yes"})
        assert again.status_code == 404


def test_page_saves_are_limited_per_client_too(tmp_path):
    from keuzewijs.profile_link import profile_token

    with _client(f"sqlite:///{tmp_path / 'kw.db'}", save_rate_per_minute=2) as c:
        token = _csrf(c, "/nl/")
        data = {"csrf": token, "profile": profile_token({"age": 80}), "do": "save"}
        answers = [
            c.post("/nl/c/hip-fracture/go", data=data, follow_redirects=False) for _ in range(4)
        ]
    assert [a.status_code for a in answers] == [303, 303, 429, 429]
    assert int(answers[-1].headers["retry-after"]) > 0
    assert answers[-1].headers["content-type"].startswith("text/html")
