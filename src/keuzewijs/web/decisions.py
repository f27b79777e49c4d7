"""Saving a decision: the one path the pages and the API share.

A decision is checked against the advice it is saved with before anything is written, so the
two boundaries cannot drift apart (they once did: the page dropped an unknown choice silently,
the API refused it). The weights must be outcomes the advice has numbers for, 0-10
(`ProfileError`, paths `weights.<outcome>`); the chosen option must be an option or action the
advice offers (`InvalidChoice`, path `chosen_option`). Either error leaves nothing saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keuzewijs.engine.contract import Advice
from keuzewijs.errors import InvalidChoice, brief
from keuzewijs.store.repository import DecisionStore, StoredDecision

from .weighing import validate_weights

CHOSEN_PATH = "chosen_option"


def offered(advice: Advice) -> list[str]:
    """The ids a patient may choose: the advice's options and actions, in its order."""
    return [o.id for o in (*advice.options, *advice.actions)]


def check_choice(advice: Advice, chosen_option: str | None) -> None:
    """None (not chosen yet) or an id the advice offers; InvalidChoice otherwise."""
    ids = offered(advice)
    if chosen_option is not None and chosen_option not in ids:
        raise InvalidChoice(
            f"must be one of {', '.join(ids) or '(none)'} (got {brief(chosen_option)})",
            path=CHOSEN_PATH,
        )


def save_decision(
    store: DecisionStore,
    advice: Advice,
    *,
    weights: Mapping[str, Any],
    chosen_option: str | None,
    answers: dict[str, Any] | None = None,
) -> StoredDecision:
    """Check, then store the decision with its advice snapshot; the record holds its code."""
    checked = validate_weights(advice, dict(weights))
    check_choice(advice, chosen_option)
    return store.save(
        condition=advice.condition,
        knowledge_version=advice.knowledge_version,
        lang=advice.lang,
        profile=advice.profile,
        advice=advice.model_dump(mode="json"),
        weights=checked,
        chosen_option=chosen_option,
        answers=answers,
    )
