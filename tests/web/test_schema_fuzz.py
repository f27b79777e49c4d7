"""Schema-driven fuzzing (schemathesis) of the live server: the REST API and the CDS service.

The server is the real `keuzewijs serve`; the schema is its live /api/v1/openapi.json, with
the condition and service ids it lists filled in as the values of those path parameters (so
that generated requests reach the advice and hook logic instead of stopping at a 404).
Checks: no 5xx, every status documented, content types and bodies conform to the schemas.

`make test` runs a bounded pass (KEUZEWIJS_FUZZ_SECONDS, default 60 s of generation);
`make fuzz` runs the same test for a long time with more cases.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.net import free_port

from .conftest import LiveServer

pytestmark = pytest.mark.slow

# 60 s in make test, 30 minutes in make fuzz. It was 90 s (6,389 cases in stop 17's CI run) until
# issue 21's 10-minute make test.
SECONDS = int(os.environ.get("KEUZEWIJS_FUZZ_SECONDS", "60"))
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        # ST202 'schema-valid request rejected': what the schema allows, the service accepts
        # (issue 22 item 10; the schema is tied to the packs by keuzewijs.web.contract)
        "positive_data_acceptance",
    ]
)


def schemathesis() -> list[str]:
    exe = Path(sys.executable).with_name("schemathesis")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("schemathesis")
    if found is None:
        pytest.fail("schemathesis is not installed (pip install -e '.[test]')")
    return [found]


# positive_data_acceptance (ST202): a schema-valid request must be accepted. Two answers to a
# schema-valid request are right and cannot be stated in JSON Schema, so they are expected here:
# - 412 from a hook: the CDS Hooks spec's answer when prefetch is missing and fhirServer cannot
#   be read (not on the allowlist, unreachable); it depends on the EHR, not on the body;
# - 422 from POST /api/v1/decisions when `chosen_option` or a weight names an option or outcome
#   of the condition that the advice for *this* profile does not offer or number (the schema
#   lists the condition's ids; which of them apply depends on the answers).
# Every other rejection of a schema-valid request fails the test. (Both entries list the same
# statuses: schemathesis 4.32's stateful phase applied one entry's list to the other operation.
# The hooks refuse a bad body with 400, never 422; the decisions never answer 412.)
CONFIG = """
[[operations]]
include-path-regex = "^/cds-services/[a-z0-9-]+$"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "412", "422", "429"]

[[operations]]
include-path-regex = "^/api/v1/decisions$"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "412", "422", "429"]
"""


def live_schema(base: str) -> dict:
    doc = httpx.get(base + "/api/v1/openapi.json", timeout=30).json()
    conditions = [c["id"] for c in httpx.get(base + "/api/v1/conditions", timeout=30).json()]
    services = [s["id"] for s in httpx.get(base + "/cds-services", timeout=30).json()["services"]]
    values = {"condition_id": conditions, "service_id": services}
    for operations in doc["paths"].values():
        for operation in operations.values():
            for param in operation.get("parameters", []):
                if param["in"] == "path" and param["name"] in values:
                    param["schema"] = {"type": "string", "enum": values[param["name"]]}
    return doc


def test_schemathesis_finds_no_server_error_and_no_schema_violation(tmp_path: Path):
    server = LiveServer(
        f"sqlite:///{tmp_path / 'kw.db'}",
        free_port(),
        tmp_path / "server.log",
        {"KEUZEWIJS_CDS_REQUIRE_AUTH": "false"},  # reach the hook logic; tokens: test_jwt.py
    ).start()
    try:
        schema = tmp_path / "openapi.json"
        schema.write_text(json.dumps(live_schema(server.url)))
        config = tmp_path / "schemathesis.toml"
        config.write_text(CONFIG)
        result = subprocess.run(
            [
                *schemathesis(),
                "--config-file",
                str(config),
                "run",
                str(schema),
                "--url",
                server.url,
                "--checks",
                CHECKS,
                "--max-time",
                str(SECONDS),
                # One worker: with four, hypothesis describes a filter lambda with `ast` in
                # several threads and CPython 3.11 raises "SystemError: AST constructor recursion
                # depth mismatch" (a 420 s run, 20,084 cases, all passed, ended in that error).
                "--workers",
                "1",
                "--generation-database",
                "none",
                "--request-timeout",
                "30",
                "--no-color",
                "--report",
                "junit",
                "--report-dir",
                str(tmp_path / "report"),
            ],
            capture_output=True,
            text=True,
            timeout=SECONDS + 240,
            cwd=tmp_path,
        )
    finally:
        server.stop()
    summary = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert summary is not None, result.stdout[-3000:]
    assert int(summary.group(1)) >= 100 and summary.group(1) == summary.group(2)
    assert "Traceback" not in server.log_path.read_text()
