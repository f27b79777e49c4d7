"""The state of one advise() call, shared by advise.py and outcomes.py."""

from __future__ import annotations

import collections.abc
from collections.abc import Mapping
from typing import Any

from keuzewijs.packs.models import RecommendationRule
from keuzewijs.rules.evaluate import Evaluation, Predicate

from . import contract as c
from .compiled import Compiled

_NONE: frozenset[str] = frozenset()


class Run:
    """The state of one advise() call: profile, trace and what is still unknown."""

    def __init__(self, comp: Compiled, profile: Mapping[str, Any], lang: str):
        self.comp, self.pack, self.profile, self.lang = comp, comp.pack, profile, lang
        self.trace: list[c.TraceEntry] = []
        self.needs: dict[str, list[str]] = {}
        self.cited: set[str] = set()
        # definitions evaluated on this profile; off while implications still change the profile
        self.memo: dict[str, Any] | None = None

    def _need(self, rule_id: str, missing: list[str]) -> None:
        for name in missing:
            self.needs.setdefault(name, []).append(rule_id)

    def check(
        self,
        rule_id: str,
        kind: str,
        holds: Predicate | None,
        *,
        ask: bool = True,
        implies: dict[str, Any] | None = None,
    ) -> bool | None:
        """Evaluate one condition and trace it; `implies` is what an implication adds to the
        profile when it holds (traced as `implied`)."""
        if holds is None:
            self.trace.append(
                c.TraceEntry.make(
                    rule=rule_id,
                    kind=kind,
                    fired=True,
                    condition="",
                    used={},
                    missing=[],
                    implied=implies,
                )
            )
            return True
        ev = Evaluation({}, set(), self.memo)
        fired = holds(self.profile, ev)
        missing = sorted(ev.missing) if fired is None else []
        if ask and missing:
            self._need(rule_id, missing)
        self.trace.append(
            c.TraceEntry.make(
                rule=rule_id,
                kind=kind,
                fired=fired,
                condition=self.comp.texts.get((rule_id, self.lang), ""),
                used=ev.used,  # the entry's own copy: validation builds a new dict
                missing=missing,
                implied=implies if fired else None,
            )
        )
        return fired

    def check_rule(
        self, rec: RecommendationRule, holds: Predicate | None, withdrawn: Predicate | None
    ) -> tuple[str | None, list[str]]:
        """Evaluate `when` and `unless` apart: (status or None when not shown, open exceptions).

        The trace's `fired` is the three-valued `when and not unless`, what the FHIRPath and
        audit translations compute; `status` tells applies from provisional. `holds` and
        `withdrawn` are its `when` and `unless` as predicates (None: absent)."""
        memo = self.memo
        ev_when = Evaluation({}, set(), memo)
        when = True if holds is None else holds(self.profile, ev_when)
        unless: bool | None = False
        used: dict[str, Any] = ev_when.used
        unless_missing: collections.abc.Set[str] = _NONE
        if withdrawn is not None and when is not False:
            ev_unless = Evaluation({}, set(), memo)
            unless = withdrawn(self.profile, ev_unless)
            used, unless_missing = {**used, **ev_unless.used}, ev_unless.missing
        if when is False or unless is True:
            fired: bool | None = False
        else:
            fired = True if (when is True and unless is False) else None
        status = None
        open_: list[str] = []
        if when is True and unless is False:
            status = "applies"
        elif when is True and unless is None:
            status = "provisional"
            open_ = [f for f in self.pack.fields if f in unless_missing]
        missing: list[str] = []
        if when is None:
            missing = sorted(ev_when.missing | (unless_missing if unless is None else _NONE))
        elif status == "provisional":
            missing = open_
        if missing:
            self._need(rec.id, missing)
        self.trace.append(
            c.TraceEntry.make(
                rule=rec.id,
                kind="recommendation",
                fired=fired,
                condition=self.comp.trace_texts[rec.id, self.lang],
                used=used,
                missing=missing,
                status=status,
            )
        )
        return status, open_

    def suppress(self, index: int, by: str) -> None:
        self.trace[index] = self.trace[index].model_copy(update={"suppressed_by": by})
