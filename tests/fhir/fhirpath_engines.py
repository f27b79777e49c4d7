"""fhirpath.js, a second FHIRPath engine beside fhirpathpy, called through node."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ..conftest import REPO, in_ci

FHIRPATH_JS = REPO / "build" / "fhirpath" / "node_modules" / "fhirpath" / "package.json"
NODE_SCRIPT = Path(__file__).parent / "fhirpath_js.js"


def verdict(result: list[Any]) -> bool | None:
    """A condition's result as the engine's three values: [true], [false], [] (unknown)."""
    assert len(result) <= 1, result
    if not result:
        return None
    assert isinstance(result[0], bool), result
    return result[0]


def fhirpath_js(expressions: list[str], profiles: list[dict[str, Any]]) -> list[list[Any]]:
    """Results of every expression on every profile (as %profile) by fhirpath.js."""
    if shutil.which("node") is None or not FHIRPATH_JS.exists():
        if in_ci():
            pytest.fail("node or fhirpath.js missing: scripts/setup-test-deps.sh installs them")
        pytest.skip("node or fhirpath.js not installed (run scripts/setup-test-deps.sh)")
    run = subprocess.run(
        ["node", str(NODE_SCRIPT)],
        input=json.dumps({"expressions": expressions, "profiles": profiles}),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["version"].startswith("5."), out["version"]
    results: list[list[Any]] = out["results"]
    return results
