"""Checks of a pack's rules that need the logic, not only the schema (`keuzewijs validate`).

- conflicts: two recommendations about the same action with opposite directions ('against' and
  'for'/'consider') that can be shown together for some profile, with no `overrides` between
  them: an error (the pack must say which one wins, or make them exclusive).
- warnings: a negated red-flag condition in a rule's `when` (it belongs in `unless`: folded into
  `when`, an unanswered alarm question silences the rule instead of making it provisional).

The conflict search is exact for the three-valued semantics: a rule is shown when `when` is true
and `unless` is not true. Evaluating with unassigned fields as unknown is monotone (an answer can
only decide what was unknown), so a branch is cut as soon as a `when` is false or an `unless` true,
and a partial profile on which both rules are shown is a witness (the other fields unanswered).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from typing import TYPE_CHECKING, Any

from keuzewijs.packs import Problem
from keuzewijs.packs.conditions import NotOf, Ref, walk
from keuzewijs.packs.models import Direction, FieldType, RecommendationRule
from keuzewijs.rules.evaluate import Evaluation, Evaluator
from keuzewijs.rules.thresholds import thresholds

if TYPE_CHECKING:
    from keuzewijs.packs import Pack

_MAX_STEPS = 200_000  # a search this long means a pack far beyond the current size; say so


def _candidates(pack: Pack) -> dict[str, list[Any]]:
    """Values worth trying per field: every value of a vocabulary, and for numbers each threshold
    a condition uses with values just around it."""
    # recommendations only: they are what can conflict
    numbers = thresholds(pack, pack.rules.recommendations)
    out: dict[str, list[Any]] = {}
    for spec in pack.profile.fields:
        if spec.type == FieldType.boolean:
            out[spec.name] = [True, False]
        elif spec.type == FieldType.enum:
            out[spec.name] = spec.value_ids()
        elif spec.type == FieldType.set:
            ids = spec.value_ids()
            out[spec.name] = [[], *([v] for v in ids), ids]
        else:
            lo = spec.minimum if spec.minimum is not None else 0.0
            hi = spec.maximum if spec.maximum is not None else float("inf")
            near = {
                y
                for x in numbers.get(spec.name, set())
                for y in (x - 1, x - 0.001, x, x + 0.001, x + 1)
                if lo <= y <= hi
            } | {lo}
            if spec.type == FieldType.integer:
                near = {float(round(y)) for y in near if lo <= round(y) <= hi}
                out[spec.name] = sorted(int(y) for y in near)
            else:
                out[spec.name] = sorted(near)
    return out


def both_shown(pack: Pack, a: RecommendationRule, b: RecommendationRule) -> dict[str, Any] | None:
    """A (partial) profile on which both rules are shown, or None when there is none."""
    evaluator = Evaluator(pack.rules.definitions, {f.name: f.unit for f in pack.profile.fields})
    candidates = _candidates(pack)
    steps = 0

    def state(rec: RecommendationRule, profile: dict[str, Any]) -> tuple[bool | None, set[str]]:
        """(False: cannot be shown; True: shown; None: undecided, with the fields deciding it)."""
        ev = Evaluation()
        when = True if rec.when is None else evaluator.evaluate(rec.when, profile, ev)
        if when is False:
            return False, set()
        if rec.unless is not None and evaluator.evaluate(rec.unless, profile, Evaluation()):
            return False, set()
        return (True, set()) if when else (None, ev.missing)

    def search(profile: dict[str, Any]) -> dict[str, Any] | None:
        nonlocal steps
        steps += 1
        if steps > _MAX_STEPS:
            raise RuntimeError(f"conflict search between {a.id} and {b.id} did not finish")
        open_fields: set[str] = set()
        for rec in (a, b):
            shown, missing = state(rec, profile)
            if shown is False:
                return None
            open_fields |= missing
        if not open_fields:
            return profile
        name = min(open_fields, key=lambda f: len(candidates[f]))
        for value in candidates[name]:
            found = search({**profile, name: value})
            if found is not None:
                return found
        return None

    return search({})


def _opposite(a: RecommendationRule, b: RecommendationRule) -> bool:
    return a.about == b.about and (a.direction is Direction.against) != (
        b.direction is Direction.against
    )


def conflicts(pack: Pack) -> Iterator[Problem]:
    for a, b in combinations(pack.rules.recommendations, 2):
        if not _opposite(a, b) or a.id in b.overrides or b.id in a.overrides:
            continue
        witness = both_shown(pack, a, b)
        if witness is not None:
            yield Problem(
                f"rules.yaml: {a.id} / {b.id}",
                f"both can be shown ({a.direction.value} and {b.direction.value} {a.about}), e.g. "
                f"for {witness}; declare which wins (`overrides`) or make them exclusive",
            )


def _red_flag_fields(pack: Pack) -> set[str]:
    from keuzewijs.engine import fields_of

    return {f for flag in pack.rules.red_flags for f in fields_of(pack, flag.when)}


def warnings(pack: Pack) -> Iterator[Problem]:
    from keuzewijs.engine import fields_of

    alarm = _red_flag_fields(pack)
    for i, rec in enumerate(pack.rules.recommendations):
        if rec.when is None:
            continue
        for node in walk(rec.when):
            if isinstance(node, NotOf):
                hit = sorted(fields_of(pack, node.not_) & alarm)
                if hit:
                    what = node.not_.ref if isinstance(node.not_, Ref) else ", ".join(hit)
                    yield Problem(
                        f"rules.yaml: recommendations[{i}] ({rec.id}).when",
                        f"negated red-flag condition ({what}) in `when`: move it to `unless`, "
                        "so an unanswered alarm question makes the advice provisional instead "
                        "of silent",
                    )
