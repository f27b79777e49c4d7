"""The numbers a pack's conditions compare each field with, in the field's unit: the edges
where a profile flips a rule, which the conflict search (validation) and the property tests of
the translations (tests/audit) try values around."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from keuzewijs.packs.conditions import Compare, walk
from keuzewijs.packs.models import Rule

from .units import in_field_unit

if TYPE_CHECKING:
    from keuzewijs.packs import Pack


def thresholds(pack: Pack, rules: Iterable[Rule] | None = None) -> dict[str, set[float]]:
    """Per field, every number its definitions' and `rules`' conditions (default: every rule
    of the pack) compare it with, converted to the field's unit."""
    out: dict[str, set[float]] = {}
    chosen = pack.rules.rules if rules is None else rules
    conds = [d.when for d in pack.rules.definitions.values()]
    conds += [c for r in chosen for c in (r.when, r.unless) if c is not None]
    for cond in conds:
        for node in walk(cond):
            if isinstance(node, Compare) and node.value is not None:
                values = node.value if isinstance(node.value, list) else [node.value]
                unit = pack.fields[node.field].unit
                for v in values:
                    x = in_field_unit(v, unit)
                    if isinstance(x, (int, float)) and not isinstance(x, bool):
                        out.setdefault(node.field, set()).add(float(x))
    return out
