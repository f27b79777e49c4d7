"""The planted truth: per indicator and variant, the engine's verdict on every planted patient's
intended profile, counted overall, per hospital and per year (manifest.json)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from keuzewijs.engine import advise_pack
from keuzewijs.packs import FieldSource, Indicator, Library, Pack
from keuzewijs.packs.models import FieldType
from keuzewijs.rules.units import convert

from .codes import Codes
from .tables import ymd


def _window(rel: np.ndarray, before: int, after: int) -> np.ndarray:
    return (rel >= -before) & (rel <= after)


class Truth:
    """Per indicator and variant: the engine's verdict on every planted patient's intended
    profile."""

    def __init__(self, library: Library, codes: Codes):
        self.library, self.codes = library, codes
        self.counts: dict[str, dict[str, Any]] = {}
        self._cache: dict[tuple[str, tuple], bool | None] = {}

    def verdict(self, pack: Pack, rule: str, profile: dict[str, Any]) -> bool | None:
        key = (
            f"{pack.id}:{rule}",
            tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in profile.items())),
        )
        if key not in self._cache:
            entry = next(
                e for e in advise_pack(self.library, pack, profile, "en").trace if e.rule == rule
            )
            self._cache[key] = (
                None if entry.fired is None else bool(entry.fired and entry.suppressed_by is None)
            )
        return self._cache[key]

    def add(
        self,
        pack: Pack,
        ind: Indicator,
        code: np.ndarray,
        off: np.ndarray,
        voff: np.ndarray,
        anchor: np.ndarray,
        birth: np.ndarray,
        site: np.ndarray,
    ) -> None:
        sets = self.codes.sets
        isin: Callable[[str], np.ndarray] = lambda name: np.isin(code, sets[name]) & (code >= 0)  # noqa: E731
        cand = isin(ind.index.concepts)
        if ind.index.after is not None:
            a = ind.index.after
            prior = isin(a.concepts)
            ok = np.zeros_like(cand)
            for col in range(code.shape[1]):
                rel = off - off[:, [col]]
                ok[:, col] = (prior & (rel < 0) & _window(rel, a.before_days, a.after_days)).any(
                    axis=1
                )
            cand &= ok
        rows = np.flatnonzero(cand.any(axis=1))
        if rows.size == 0:
            return
        c, o, vo = code[rows], off[rows], voff[rows]
        masked = np.where(cand[rows], o, np.iinfo(np.int64).max)
        slot = masked.argmin(axis=1)
        idx_off = masked[np.arange(rows.size), slot]
        events = _Events(sets, c, o, o - idx_off[:, None], idx_off, vo[np.arange(rows.size), slot])
        keep = np.ones(rows.size, dtype=bool)
        for crit in ind.denominator.require:
            keep &= events.seen(crit.concepts, crit.before_days, crit.after_days)
        for crit in ind.denominator.exclude:
            keep &= ~events.seen(crit.concepts, crit.before_days, crit.after_days)
        index_day = anchor[rows] + idx_off
        iy, im, iday = ymd(index_day)
        by, bm, bday = ymd(birth[rows])
        age = iy - by - ((im < bm) | ((im == bm) & (iday < bday)))
        for variant in ind.variant_ids():
            cols = {s.key: _column(pack, s, events, age) for s in ind.builder(variant)}
            self._count(pack, ind, variant, cols, keep, site[rows], iy)

    def _count(
        self,
        pack: Pack,
        ind: Indicator,
        variant: str,
        cols: dict,
        keep: np.ndarray,
        site: np.ndarray,
        year: np.ndarray,
    ) -> None:
        key = f"{ind.id}/{variant}"
        out = self.counts.setdefault(
            key,
            {
                "denominator": 0,
                "numerator": 0,
                "undetermined": 0,
                "eligible": 0,
                "by_provider": {},
                "by_period": {},
            },
        )
        sets = {s.name: s for s in pack.profile.fields if s.type == FieldType.set}
        for i in np.flatnonzero(keep):
            profile: dict[str, Any] = {}
            members: dict[str, list[str | None]] = {}
            for (name, member), arr in cols.items():
                value = arr[i]
                if member is not None and name in sets:
                    members.setdefault(name, []).append(
                        member if value else (None if value is None else "")
                    )
                elif value is not None:
                    profile[name] = value
            for name, held in members.items():
                if None not in held and len(held) == len(sets[name].values or []):
                    profile[name] = [m for m in held if m]
            verdict = self.verdict(pack, ind.rule, profile)
            out["eligible"] += 1
            groups = (
                out["by_provider"].setdefault(str(int(site[i])), [0, 0]),
                out["by_period"].setdefault(str(int(year[i])), [0, 0]),
            )
            if verdict is None:
                out["undetermined"] += 1
                continue
            out["denominator"] += 1
            out["numerator"] += int(verdict)
            for g in groups:
                g[0] += int(verdict)
                g[1] += 1


@dataclass
class _Events:
    """The planted events of the patients an indicator indexes: codes, offsets (`rel` relative to
    the index event), the index offset and the index event's days since its visit started."""

    sets: dict[str, np.ndarray]
    code: np.ndarray
    off: np.ndarray
    rel: np.ndarray
    idx_off: np.ndarray
    since_admission: np.ndarray

    def hits(self, name: str | None, before: int, after: int) -> np.ndarray:
        # `name` is a concept set for the sources and criteria that read events (pack validation)
        # ignored below: numpy's stubs do not type a dict-of-arrays index
        sub: np.ndarray = np.isin(self.code, self.sets[name]) & (self.code >= 0)  # type: ignore[index]
        hit: np.ndarray = sub & _window(self.rel, before, after)
        return hit

    def seen(self, name: str | None, before: int, after: int) -> np.ndarray:
        return np.asarray(self.hits(name, before, after).any(axis=1))


def _column(pack: Pack, s: FieldSource, events: _Events, age: np.ndarray) -> np.ndarray:
    """One profile source's value for every indexed patient (None: unknown)."""
    spec = pack.fields[s.field]
    if s.kind == "age":
        return age.astype(object)
    if s.kind == "constant":
        return np.full(age.size, s.value, dtype=object)
    if s.kind == "present":
        seen = events.seen(s.concepts, s.window.before_days, s.window.after_days)
        if spec.type == FieldType.enum:
            picks: tuple[Any, Any] = (s.member, s.otherwise)  # None: numpy's object
            return np.where(seen, *picks).astype(object)
        absent: Any = False if s.absent == "false" else None
        return np.where(seen, True, absent).astype(object)
    if s.kind == "elapsed":
        hit = events.hits(s.concepts, s.window.before_days, s.window.after_days)
        first = np.where(hit, events.off, np.iinfo(np.int64).max).min(axis=1)
        days = np.where(hit.any(axis=1), events.idx_off - first, -1)
    else:
        days = events.since_admission
    return _days_column(days, spec.type, s.unit or spec.unit)


def _days_column(days: np.ndarray, kind: FieldType, unit: str | None) -> np.ndarray:
    vals: list[int | float | None]
    if kind == FieldType.integer and unit in (None, "days"):
        vals = [int(d) if d >= 0 else None for d in days]
    else:
        vals = [convert(float(d), "days", unit or "days") if d >= 0 else None for d in days]
    return np.array(vals, dtype=object)
