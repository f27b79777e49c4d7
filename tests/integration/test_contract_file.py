"""The Advice JSON contract is public: the committed JSON Schema must match the code."""

from __future__ import annotations

import importlib.util

from ..conftest import REPO


def test_committed_advice_schema_is_current() -> None:
    spec = importlib.util.spec_from_file_location("export_contracts", REPO / "scripts" / "export_contracts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (REPO / "docs" / "contracts" / "advice.schema.json").read_text(encoding="utf-8")
    assert committed == module.advice_schema_text(), "run: .venv/bin/python scripts/export_contracts.py"
