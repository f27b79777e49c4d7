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


def test_serve_prints_url_creates_database_and_stops_on_sigterm(tmp_path):
    port = free_port()
    db = tmp_path / "sub" / "kw.db"
    env = {
        **os.environ,
        "KEUZEWIJS_DATABASE_URL": f"sqlite:///{db}",
        "KEUZEWIJS_KNOWLEDGE": str(KNOWLEDGE),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "keuzewijs.cli", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
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


def test_bad_setting_fails_fast_with_one_line(tmp_path):
    env = {
        **os.environ,
        "KEUZEWIJS_DATABASE_URL": "mysql://nope",
        "KEUZEWIJS_KNOWLEDGE": str(KNOWLEDGE),
    }
    out = subprocess.run(
        [sys.executable, "-m", "keuzewijs.cli", "serve"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "error: KEUZEWIJS_DATABASE_URL: Value error, must start with sqlite:, postgresql: or "
        "postgresql+psycopg: (got 'mysql://nope')"
    ]


def test_unknown_site_fails_fast(tmp_path):
    env = {
        **os.environ,
        "KEUZEWIJS_SITE": "atlantis",
        "KEUZEWIJS_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "KEUZEWIJS_KNOWLEDGE": str(KNOWLEDGE),
    }
    out = subprocess.run(
        [sys.executable, "-m", "keuzewijs.cli", "serve"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "KEUZEWIJS_SITE: unknown site 'atlantis'" in out.stderr
