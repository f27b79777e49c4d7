"""Safety invariants that hold for every rule, whatever the pack (issue 18).

- Under a fired red flag the advice opens with the urgent step; every elective recommendation and
  the option comparison move to 'later'. Not elective, so kept beside the urgent step: a
  recommendation whose situation is made of alarm answers only (it reads no field but those the
  red flags read), such as 'have a scan and see a neurologist' with alarm symptoms. The engine
  derives this from the conditions; no rule is listed as an exception.
- A recommendation a red flag makes unsafe names that flag in `suspended_by`; it is not shown
  while the flag is fired or still open.
- A red flag is asked about (to_check) unless every answer it still needs is a follow-up question
  that a known answer closes (`show_if`): 'since the operation, do you have ...' is not asked of
  someone who answered 'not operated'. The flag still fires on an answer given anyway.
- Two answers contradict each other when an implication holds but the profile answers its target
  otherwise ('not operated' with symptoms since the operation). The contradiction is asked about,
  and the red flags are evaluated on the safe side: a flag fires when it fires on either reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keuzewijs.packs import Pack
from keuzewijs.packs.models import Implication
from keuzewijs.rules.evaluate import Evaluation

from .compiled import Compiled, fields_of


def urgent_care(pack: Pack) -> frozenset[str]:
    """Recommendations that belong with the urgent step: their situation reads alarm answers
    only."""

    def build() -> frozenset[str]:
        alarm = frozenset().union(*(fields_of(pack, f.when) for f in pack.rules.red_flags))
        return frozenset(
            rec.id
            for rec in pack.rules.recommendations
            if rec.when is not None and (read := fields_of(pack, rec.when)) and read <= alarm
        )

    return pack.derive("engine.safety.urgent_care", build)


def contradictions(
    comp: Compiled, answered: Mapping[str, Any], profile: Mapping[str, Any]
) -> list[Implication]:
    """Implications that hold on `profile` while `answered` (the patient's own answers) gives
    their target another value."""
    found = []
    for imp, holds in comp.implications:
        target = imp.then.field
        if target not in answered or answered[target] == imp.then.value or holds is None:
            continue
        if holds(profile, Evaluation({}, set(), None)) is True:
            found.append(imp)
    return found


def safe_side(profile: Mapping[str, Any], found: list[Implication]) -> dict[str, Any]:
    """The profile with each contradicted answer replaced by what the other answers imply."""
    return {**profile, **{imp.then.field: imp.then.value for imp in found}}


def more_alarming(a: bool | None, b: bool | None) -> bool:
    """Whether verdict `b` of a red flag is more alarming than `a` (True > unknown > False)."""
    rank = {True: 2, None: 1, False: 0}
    return rank[b] > rank[a]


def closed(pack: Pack, profile: Mapping[str, Any], name: str) -> bool:
    """Whether a follow-up question is closed by a known answer: its parent is answered with a
    value that does not open it (or the parent is itself closed). An unknown parent closes
    nothing."""
    spec = pack.fields[name]
    if spec.show_if is None:
        return False
    parent = spec.show_if.field
    if parent not in profile:
        return False
    value = profile[parent]
    if isinstance(value, bool):
        answers = {"true" if value else "false"}
    elif isinstance(value, list):
        answers = {str(v) for v in value}
    else:
        answers = {str(value)}
    return not answers & set(spec.show_if.values) or closed(pack, profile, parent)
