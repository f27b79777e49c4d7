"""A pack prints short: hypothesis prints failing examples that hold packs (the property tests),
and a ~50 kB repr made it warn, an error under filterwarnings, reported as FlakyStrategyDefinition
instead of the counter-example (issue 21 item 5)."""

from __future__ import annotations

from hypothesis.vendor.pretty import pretty

from keuzewijs.packs.loader import Library


def test_a_pack_prints_as_its_knowledge_version(library: Library) -> None:
    for pack in library.packs.values():
        assert repr(pack) == f"Pack({pack.knowledge_version!r})"
        assert pretty(pack) == repr(pack)
