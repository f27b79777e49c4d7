"""Questionnaire: the profile fields (what the profile QuestionnaireResponse answers)."""

from __future__ import annotations

from typing import Any

from keuzewijs.packs import Pack

from ..profile import questionnaire
from .common import PUBLISHER, computable_name, meta


def profile_questionnaire(pack: Pack, lang: str) -> dict[str, Any]:
    q = questionnaire(pack, lang)
    q.update(
        meta=meta("Questionnaire"),
        name=computable_name(pack.id, "profile"),
        experimental=False,
        date=pack.meta.produced.isoformat(),
        publisher=PUBLISHER,
        description=pack.meta.summary.get(lang),
    )
    return q
