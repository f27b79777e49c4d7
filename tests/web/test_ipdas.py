"""IPDAS checks: real packs pass the qualifying criteria; a gap in the data is named."""

from __future__ import annotations

import dataclasses

from keuzewijs.packs.models import OptionsFile
from keuzewijs.validation.ipdas import check_ipdas


def test_every_pack_meets_the_qualifying_criteria(library):
    for pack in library.packs.values():
        missing = [m for c in check_ipdas(pack) if c.kind == "qualifying" for m in c.missing]
        assert missing == [], (pack.id, missing)


def test_missing_cons_and_living_with_are_named(library):
    pack = library.pack("achilles-tendon-rupture")
    first, *rest = pack.options_file.options
    stripped = first.model_copy(update={"pros": [], "cons": [], "living_with": None})
    broken = dataclasses.replace(pack, options_file=OptionsFile(options=[stripped, *rest]))
    found = {c.id: c.missing for c in check_ipdas(broken)}
    assert found["positive-features"] == [f"options.yaml: {first.id} has no pros"]
    assert found["negative-features"] == [f"options.yaml: {first.id} has no cons"]
    assert found["living-with"] == [f"options.yaml: {first.id} has no living_with"]
    assert found["comparable-detail"][0].startswith(f"options.yaml: {first.id}: 0 words")


def test_validate_prints_the_ipdas_summary():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "keuzewijs.cli", "validate"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "IPDAS:" in out.stdout
