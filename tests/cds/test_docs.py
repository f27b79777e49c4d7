"""docs/cds-hooks.md shows real requests and responses: regenerate with `python -m tests.cds.docs_examples`."""

from __future__ import annotations

from .docs_examples import DOC, render


def test_docs_show_the_service_as_it_answers():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/cds-hooks.md is stale (a pack's wording or version changed): run `make docs`"
    )
