"""Audit fixtures: one synthetic OMOP data set per session, the DuckDB audit of it, Spark,
PostgreSQL.

PostgreSQL: a throwaway cluster from Debian's server binaries (scripts/setup-test-deps.sh installs
them), the same approach as tests/web/conftest.py. Spark: local mode with the machine's Java
(installed by setup-test-deps.sh when absent). With CI=true a missing tool fails, never skips.
"""

from __future__ import annotations

import datetime as dt
import gc
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from keuzewijs.audit.backends import connect
from keuzewijs.audit.mapping import load_mapping
from keuzewijs.audit.run import load, run_audit
from keuzewijs.audit.synth import generate
from keuzewijs.packs.loader import get_library
from tests.conftest import KNOWLEDGE, in_ci

PATIENTS = 30_000
SEED = 7


@pytest.fixture(scope="session")
def library():
    return get_library(KNOWLEDGE)


@pytest.fixture(scope="session")
def mapping(library):
    return load_mapping(library.root)


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory, library, mapping) -> Path:
    out = tmp_path_factory.mktemp("omop")
    generate(
        library, mapping, PATIENTS, out, seed=SEED, chunk=12_000
    )  # several chunks: parts are appended
    return out


@pytest.fixture(scope="session")
def manifest(synthetic) -> dict[str, Any]:
    return json.loads((synthetic / "manifest.json").read_text())


@pytest.fixture(scope="session")
def as_of(manifest) -> dt.date:
    return dt.date.fromisoformat(manifest["as_of"])


@pytest.fixture(scope="session")
def duck():
    with connect("duckdb", memory_limit="2GB") as con:
        yield con


@pytest.fixture(scope="session")
def duck_result(duck, synthetic, as_of, library, mapping):
    data = load(duck, synthetic, as_of)
    return run_audit(duck, data, library, mapping, by=["provider", "period"])


@pytest.fixture(scope="session")
def spark():
    if shutil.which("java") is None:
        if in_ci():
            pytest.fail(
                "java missing: scripts/setup-test-deps.sh should have installed "
                "default-jre-headless"
            )
        pytest.skip("java not installed (run scripts/setup-test-deps.sh)")
    with connect("spark", memory_limit="2GB", threads=2) as con:
        yield con
    # py4j leaves gateway sockets for the garbage collector (see test_backends.py): collect them
    # here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "unclosed <socket.socket", ResourceWarning)
        gc.collect()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    # initdb refuses to run as root; as root we become the Debian `postgres` user.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        if in_ci():
            pytest.fail(
                "PostgreSQL server binaries missing: scripts/setup-test-deps.sh should have "
                "installed them"
            )
        pytest.skip("PostgreSQL server not installed (run scripts/setup-test-deps.sh)")
    bindir = Path(found[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="kw-audit-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()

    def run(args: list[str]) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(_as_postgres(args), check=True, capture_output=True, timeout=120)

    run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ]
    )
    run(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(root / "log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ]
    )
    try:
        run(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "omop"]
        )
        yield f"postgresql://postgres@127.0.0.1:{port}/omop"
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


def rows_by_key(result) -> dict[tuple, tuple]:
    return {
        (r.indicator, r.variant, r.by, r.group): (
            r.eligible,
            r.denominator,
            r.numerator,
            r.undetermined,
        )
        for r in result.rows
    }
