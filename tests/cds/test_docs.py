"""docs/cds-hooks-examples.md shows real requests and responses: regenerate with `make docs`
(scripts/cds_docs_examples.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cds_docs_examples.py"


def test_docs_show_the_service_as_it_answers():
    spec = importlib.util.spec_from_file_location("cds_docs_examples", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.DOC.read_text(encoding="utf-8") == script.render(), (
        "docs/cds-hooks-examples.md is stale (a pack's wording or version changed): run `make docs`"
    )
