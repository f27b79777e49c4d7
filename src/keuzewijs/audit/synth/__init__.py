"""Synthetic OMOP CDM data for the audit, labelled as such, with the truth it plants.

The generator reads the indicators themselves: for each indicator with a `synthetic` block, a
share of the patients gets its index event, with the events its profile sources read drawn at
realistic times (log-normal delays, scaled per hospital so hospitals differ) and red-flag codes
planted with the given chance. Every other patient only has background events. The truth is then
computed *per patient, from the planted events, with the engine* (advise() on each distinct
profile), and written to manifest.json: the audit must find exactly these numbers.

Rows that must be set aside (future dates, events before birth, unmapped codes, unknown persons)
are planted too, with their counts in the manifest. Vectorised with NumPy, written in chunks.
One module per table (person, visits, events, sources), with the planting, the truth and the
manifest beside them; the draws happen in one fixed order, so the same seed gives the same data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np

from keuzewijs.packs import Library

from ..mapping import Mapping
from .codes import Codes
from .events import EventTables, background_events
from .manifest import SynthResult, write_label
from .person import observation_period_columns, person_columns
from .plant import Scenario, plant
from .sources import write_care_sites, write_cdm_source
from .tables import DOMAIN_TABLE, EPOCH, SCHEMAS, write_table
from .truth import Truth
from .visits import planted_events

__all__ = ["DOMAIN_TABLE", "SCHEMAS", "SynthResult", "generate"]

STUDY_START = np.datetime64("2019-01-01", "D")
STUDY_DAYS = 6 * 365


def generate(
    library: Library,
    mapping: Mapping,
    patients: int,
    out: Path,
    *,
    seed: int = 0,
    background: float = 8.0,
    sites: int = 40,
    as_of: dt.date = dt.date(2025, 6, 30),
    chunk: int = 500_000,
    with_truth: bool = True,
    progress: Callable[[int], None] | None = None,
) -> SynthResult:
    rng = np.random.default_rng(seed)
    codes = Codes(mapping)
    code_values = np.array(codes.values, dtype=object)
    events = EventTables(out, code_values, np.array(codes.domain, dtype=object))
    scenarios = [
        Scenario(pack, ind)
        for pack in library.packs.values()
        for ind in pack.indicators
        if ind.synthetic
    ]
    shares = np.array([sc.ind.synthetic.share for sc in scenarios if sc.ind.synthetic] + [0.0])
    shares[-1] = max(0.0, 1.0 - shares[:-1].sum())
    site_weight = 1.0 / np.arange(1, sites + 1) ** 0.8  # a few large hospitals, many small ones
    site_weight /= site_weight.sum()
    site_effect = np.exp(0.35 * rng.standard_normal(sites))  # hospitals differ in their delays
    truth = Truth(library, codes)
    rows: dict[str, int] = {t: 0 for t in SCHEMAS}
    set_aside: dict[str, int] = {}
    as_of_day = (np.datetime64(as_of, "D") - EPOCH).astype(np.int64)
    next_visit = 1
    for part, start in enumerate(range(0, patients, chunk)):
        n = min(chunk, patients - start)
        pid = np.arange(start + 1, start + n + 1, dtype=np.int64)
        site = rng.choice(sites, size=n, p=site_weight)
        anchor = (STUDY_START - EPOCH).astype(np.int64) + rng.integers(0, STUDY_DAYS, n)
        age_days = np.rint(np.clip(rng.normal(62, 16, n), 18, 100) * 365.2425).astype(np.int64)
        birth = anchor - age_days
        scenario = rng.choice(len(shares), size=n, p=shares / shares.sum())
        code, off, voff = _slots(rng, codes, scenarios, scenario, site_effect[site], n)
        if with_truth:  # every indicator, also those without synthetic patients of their own
            for pack in library.packs.values():
                for ind in pack.indicators:
                    truth.add(pack, ind, code, off, voff, anchor, birth, site + 1)  # care_site_id
        persons = person_columns(rng, pid, birth)
        periods = observation_period_columns(pid, birth, as_of_day)
        planted, visits = planted_events(code, off, voff, anchor, pid, site, next_visit)
        next_visit += planted.visit_id.size
        bg = background_events(
            rng, codes, code_values, background, pid, birth, as_of_day, set_aside
        )
        events.write(part, planted, bg, rows)
        rows["person"] += write_table(out, "person", part, persons)
        rows["observation_period"] += write_table(out, "observation_period", part, periods)
        rows["visit_occurrence"] += write_table(out, "visit_occurrence", part, visits)
        if progress:
            progress(n)
    rows["care_site"] = write_care_sites(out, sites)
    rows["cdm_source"] = write_cdm_source(out, seed, as_of)
    result = SynthResult(patients, rows, set_aside, truth.counts)
    write_label(out, result, seed, as_of)
    return result


def _slots(
    rng: np.random.Generator,
    codes: Codes,
    scenarios: list[Scenario],
    scenario: np.ndarray,
    site_factor: np.ndarray,
    n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The planted slots of every scenario, side by side (code -1: absent, for the other
    scenarios' patients): codes, offsets from the anchor date, days since the visit started."""
    all_code, all_off, all_voff = [], [], []
    for k, sc in enumerate(scenarios):
        sc.slots = []
        plant(rng, codes, sc, n, site_factor)
        mine = scenario == k
        for s in sc.slots:
            all_code.append(np.where(mine, s.code, -1))
            all_off.append(s.offset)
            all_voff.append(s.visit_offset)
    code = np.stack(all_code, axis=1) if all_code else np.empty((n, 0), dtype=np.int64)
    off = np.stack(all_off, axis=1) if all_off else np.empty((n, 0), dtype=np.int64)
    voff = np.stack(all_voff, axis=1) if all_voff else np.empty((n, 0), dtype=np.int64)
    return code, off, voff
