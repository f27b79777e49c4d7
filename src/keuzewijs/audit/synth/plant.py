"""The events one scenario's patients get (the index event, what its profile sources read, the
denominator's criteria), as slots relative to each patient's index date."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from keuzewijs.packs import Indicator, Pack, Synthetic, SyntheticTiming

from .codes import Codes


@dataclass
class Slot:
    """One planted event per scenario patient (absent where code == -1)."""

    set_name: str
    code: np.ndarray  # index into the code table, -1 = no event
    offset: np.ndarray  # days relative to the scenario's anchor (index) date
    visit_offset: np.ndarray  # days from the visit's start to the event


@dataclass
class Scenario:
    pack: Pack
    ind: Indicator
    slots: list[Slot] = field(default_factory=list)


def _lognormal(
    rng: np.random.Generator, median: float, sigma: float, factor: np.ndarray
) -> np.ndarray:
    return np.rint(median * factor * np.exp(sigma * rng.standard_normal(factor.shape))).astype(
        np.int64
    )


def _variant_sets(ind: Indicator, key: tuple[str, str | None]) -> list[str]:
    names = {
        s.concepts for v in ind.variant_ids() for s in ind.builder(v) if s.key == key and s.concepts
    }
    return sorted(names)


def _pick(rng: np.random.Generator, codes: Codes, names: list[str], n: int) -> np.ndarray:
    pool = np.unique(np.concatenate([codes.sets[nm] for nm in names]))
    return rng.choice(pool, size=n)


def plant(
    rng: np.random.Generator, codes: Codes, sc: Scenario, n: int, site_factor: np.ndarray
) -> None:
    """The events one scenario's patients get, as slots relative to their index date (drawn in
    this order: the same seed gives the same data)."""
    syn = sc.ind.synthetic
    assert syn is not None
    sc.slots += _index_slots(rng, codes, sc.ind, syn, n, site_factor)
    elapsed_sets: set[str] = set()
    sc.slots += _source_slots(rng, codes, sc.ind, syn, n, site_factor, elapsed_sets)
    sc.slots += _denominator_slots(rng, codes, sc.ind, syn, n, elapsed_sets)


def _index_slots(
    rng: np.random.Generator,
    codes: Codes,
    ind: Indicator,
    syn: Synthetic,
    n: int,
    site_factor: np.ndarray,
) -> list[Slot]:
    """The index event (its visit started `since_admission` days before), and the event it must
    follow, if any."""
    zero = np.zeros(n, dtype=np.int64)
    admission = zero.copy()
    t: SyntheticTiming | None
    for s in ind.builder(ind.variant_ids()[0]):
        if s.kind == "since_admission" and s.field in syn.timing:
            t = syn.timing[s.field]
            admission = np.maximum(_lognormal(rng, t.median_days, t.sigma, site_factor), 0)
    slots = [Slot(ind.index.concepts, _pick(rng, codes, [ind.index.concepts], n), zero, admission)]
    if ind.index.after is not None:
        t = syn.after_days
        gap = (
            np.maximum(_lognormal(rng, t.median_days, t.sigma, site_factor), 1)
            if t
            else np.full(n, 90)
        )
        slots.append(
            Slot(
                ind.index.after.concepts,
                _pick(rng, codes, [ind.index.after.concepts], n),
                -gap,
                zero,
            )
        )
    return slots


def _source_slots(
    rng: np.random.Generator,
    codes: Codes,
    ind: Indicator,
    syn: Synthetic,
    n: int,
    site_factor: np.ndarray,
    elapsed_sets: set[str],
) -> list[Slot]:
    """One slot per profile source that reads an event: 'elapsed' (days since it) and 'present'
    (planted with the scenario's chance). Adds the elapsed sources' sets to `elapsed_sets`."""
    zero = np.zeros(n, dtype=np.int64)
    slots = []
    keys_done: set[tuple[str, str | None]] = set()
    for v in ind.variant_ids():
        for s in ind.builder(v):
            if s.key in keys_done or s.kind not in ("elapsed", "present"):
                continue
            keys_done.add(s.key)
            names = _variant_sets(ind, s.key)
            if s.kind == "elapsed":
                t = syn.timing.get(s.field)
                delay = (
                    _lognormal(rng, t.median_days, t.sigma, site_factor)
                    if t
                    else rng.integers(0, s.window.before_days + 1, n)
                )
                slots.append(
                    Slot(names[0], _pick(rng, codes, names, n), -np.maximum(delay, 0), zero)
                )
                elapsed_sets.update(names)
            else:
                slots.append(_present_slot(rng, codes, ind, syn, n, s.key, names))
    return slots


def _present_slot(
    rng: np.random.Generator,
    codes: Codes,
    ind: Indicator,
    syn: Synthetic,
    n: int,
    key: tuple[str, str | None],
    names: list[str],
) -> Slot:
    """A code planted with the scenario's chance anywhere in the widest window that reads it."""
    field_name, member = key
    chance = syn.present.get(field_name if member is None else f"{field_name}.{member}", 0.0)
    windows = [x.window for vv in ind.variant_ids() for x in ind.builder(vv) if x.key == key]
    before, after = (
        max(w.before_days for w in windows),
        max(w.after_days for w in windows),
    )
    hit = rng.random(n) < chance
    return Slot(
        names[0],
        np.where(hit, _pick(rng, codes, names, n), -1),
        rng.integers(-before, after + 1, n),
        np.zeros(n, dtype=np.int64),
    )


def _denominator_slots(
    rng: np.random.Generator,
    codes: Codes,
    ind: Indicator,
    syn: Synthetic,
    n: int,
    elapsed_sets: set[str],
) -> list[Slot]:
    """What the denominator requires (unless an elapsed source planted it already) and what it
    excludes (planted with the scenario's chance)."""
    zero = np.zeros(n, dtype=np.int64)
    slots = []
    for crit in ind.denominator.require:
        if crit.concepts not in elapsed_sets:
            slots.append(
                Slot(
                    crit.concepts,
                    _pick(rng, codes, [crit.concepts], n),
                    -rng.integers(0, crit.before_days + 1, n),
                    zero,
                )
            )
    for crit in ind.denominator.exclude:
        hit = rng.random(n) < syn.exclude
        slots.append(
            Slot(
                crit.concepts,
                np.where(hit, _pick(rng, codes, [crit.concepts], n), -1),
                -rng.integers(0, crit.before_days + 1, n),
                zero,
            )
        )
    return slots
