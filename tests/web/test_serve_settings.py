"""Issue 22 item 7: `keuzewijs serve` stops with exit 2 and one line naming the setting for every
bad setting found at start, including the three that gave tracebacks: an unwritable SQLite path,
PostgreSQL unreachable at start, and a JWK Set with no usable key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import KNOWLEDGE, REPO
from tests.support.net import free_port

SERVE = [sys.executable, "-m", "keuzewijs.cli", "serve"]


def serve_once(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KEUZEWIJS_KNOWLEDGE": str(KNOWLEDGE),
        "KEUZEWIJS_DATABASE_URL": f"sqlite:///{tmp_path / 'kw.db'}",
        "KEUZEWIJS_PORT": str(free_port()),
        **settings,
    }
    return subprocess.run(SERVE, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def not_a_folder(tmp_path: Path) -> str:
    (tmp_path / "plain-file").write_text("x")
    return f"sqlite:///{tmp_path / 'plain-file' / 'kw.db'}"


ISSUER = {"iss": "https://ehr.example.org", "fhir_servers": []}
CASES = {
    "sqlite-under-a-file": (
        lambda tmp: {"KEUZEWIJS_DATABASE_URL": not_a_folder(tmp)},
        "KEUZEWIJS_DATABASE_URL",
    ),
    "sqlite-in-proc": (
        lambda tmp: {"KEUZEWIJS_DATABASE_URL": "sqlite:////proc/keuzewijs-test/kw.db"},
        "KEUZEWIJS_DATABASE_URL",
    ),
    "postgresql-unreachable": (
        lambda tmp: {"KEUZEWIJS_DATABASE_URL": f"postgresql://nobody@127.0.0.1:{free_port()}/x"},
        "KEUZEWIJS_DATABASE_URL",
    ),
    "jwks-no-keys": (
        lambda tmp: {"KEUZEWIJS_CDS_ISSUERS": json.dumps([{**ISSUER, "jwks": {"keys": []}}])},
        "KEUZEWIJS_CDS_ISSUERS[0].jwks",
    ),
    "jwks-unknown-key-type": (
        lambda tmp: {
            "KEUZEWIJS_CDS_ISSUERS": json.dumps(
                [{**ISSUER, "jwks": {"keys": [{"kty": "XYZ", "kid": "a"}]}}]
            )
        },
        "KEUZEWIJS_CDS_ISSUERS[0].jwks",
    ),
    "head-timeout": (lambda tmp: {"KEUZEWIJS_HEAD_TIMEOUT_SECONDS": "0"}, "HEAD_TIMEOUT"),
    "limit-concurrency": (lambda tmp: {"KEUZEWIJS_LIMIT_CONCURRENCY": "-1"}, "LIMIT_CONCURRENCY"),
    "metrics-port-clash": (
        lambda tmp: {"KEUZEWIJS_PORT": "8123", "KEUZEWIJS_METRICS_PORT": "8123"},
        "metrics_port must differ",
    ),
    "metrics-token-short": (lambda tmp: {"KEUZEWIJS_METRICS_TOKEN": "abc"}, "METRICS_TOKEN"),
    "retention": (lambda tmp: {"KEUZEWIJS_RETENTION_DAYS": "0"}, "RETENTION_DAYS"),
    "save-rate": (lambda tmp: {"KEUZEWIJS_SAVE_RATE_PER_MINUTE": "many"}, "SAVE_RATE"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_setting_is_exit_2_with_one_line(tmp_path, case):
    make_env, needle = CASES[case]
    out = serve_once(tmp_path, **make_env(tmp_path))
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2, out.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr[-2000:]
    assert needle in lines[0]
    assert "Traceback" not in out.stderr + out.stdout
