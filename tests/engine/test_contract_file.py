"""The Advice JSON contract is public: the committed JSON Schema must match the code."""

from __future__ import annotations

import importlib.util

from ..conftest import REPO


def test_committed_advice_schema_is_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "export_contracts", REPO / "scripts" / "export_contracts.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (REPO / "docs" / "contracts" / "advice.schema.json").read_text(encoding="utf-8")
    assert committed == module.advice_schema_text(), (
        "run: .venv/bin/python scripts/export_contracts.py"
    )


def test_fast_construction_matches_pydantic() -> None:
    """engine/contract.py `Out.make`, the engine's constructor: an omitted field must get what
    pydantic gives it (its default, or a fresh value from its factory), for every model of the
    contract."""
    import inspect

    from keuzewijs.engine import contract

    models = [
        m
        for _, m in inspect.getmembers(contract, inspect.isclass)
        if issubclass(m, contract.Out) and m is not contract.Out
    ]
    assert len(models) >= 10
    with_defaults = 0
    for model in models:
        for name, field in model.model_fields.items():
            if not field.is_required():
                with_defaults += 1
                assert field.default_factory in (None, list), (model.__name__, name)
    assert with_defaults >= 5
    made = contract.TraceEntry.make(
        rule="r", kind="recommendation", fired=None, condition="c", used={}, missing=["x"]
    )
    built = contract.TraceEntry(
        rule="r", kind="recommendation", fired=None, condition="c", used={}, missing=["x"]
    )
    assert made == built and made.model_dump_json() == built.model_dump_json()
    required = dict(
        id="r",
        about="a",
        direction="for",
        strength="strong",
        text="t",
        why="w",
        applies_because="b",
        sources=[],
    )
    made_rec = contract.Recommendation.make(**required)
    built_rec = contract.Recommendation(**required)
    assert made_rec == built_rec and made_rec.model_dump_json() == built_rec.model_dump_json()
    assert made_rec.unless_open == [] and made_rec.status == "applies"
    other = contract.Recommendation.make(**required)
    assert other.unless_open is not made_rec.unless_open  # a fresh list each time
