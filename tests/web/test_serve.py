"""`keuzewijs serve`: prints its URL, creates the database on first start, stops cleanly on SIGTERM;
a bad setting stops it at once with one line naming the variable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from tests.conftest import KNOWLEDGE, REPO
from tests.support.net import free_port

SERVE = [sys.executable, "-m", "keuzewijs.cli", "serve"]


def _env(**settings: str) -> dict[str, str]:
    return {**os.environ, "KEUZEWIJS_KNOWLEDGE": str(KNOWLEDGE), **settings}


def _serve_once(**settings: str) -> subprocess.CompletedProcess[str]:
    """`keuzewijs serve` with these settings, for a start that must stop at once."""
    return subprocess.run(
        SERVE, cwd=REPO, env=_env(**settings), capture_output=True, text=True, timeout=60
    )


def test_serve_prints_url_creates_database_and_stops_on_sigterm(tmp_path):
    port = free_port()
    db = tmp_path / "sub" / "kw.db"
    proc = subprocess.Popen(
        [*SERVE, "--port", str(port)],
        cwd=REPO,
        env=_env(KEUZEWIJS_DATABASE_URL=f"sqlite:///{db}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.strip().startswith(
            f"keuzewijs: serving the decision aid at http://127.0.0.1:{port}/"
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/nl/", timeout=2).status_code == 200
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert db.exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "Traceback" not in err


def test_bad_setting_fails_fast_with_one_line():
    out = _serve_once(KEUZEWIJS_DATABASE_URL="mysql://nope")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "error: KEUZEWIJS_DATABASE_URL: Value error, must start with sqlite:, postgresql: or "
        "postgresql+psycopg: (got 'mysql://nope')"
    ]


def test_unknown_site_fails_fast(tmp_path):
    out = _serve_once(
        KEUZEWIJS_SITE="atlantis", KEUZEWIJS_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"
    )
    assert out.returncode == 2 and "KEUZEWIJS_SITE: unknown site 'atlantis'" in out.stderr
