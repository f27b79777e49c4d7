"""The event tables (condition_occurrence, procedure_occurrence, observation): the planted events
and ordinary background care, among which rows the audit must set aside are planted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from .codes import Codes
from .tables import DOMAIN_TABLE, EHR, EVENT_TABLES, NO_MATCHING_CONCEPT, write_table
from .visits import PlantedEvents


@dataclass
class Background:
    """Ordinary care events: no concept set code, no visit link."""

    domain: np.ndarray  # index into `domains`
    domains: np.ndarray
    person: np.ndarray
    day: np.ndarray
    value: np.ndarray  # the source code; None where planted unmapped


def background_events(
    rng: np.random.Generator,
    codes: Codes,
    code_values: np.ndarray,
    mean: float,
    pid: np.ndarray,
    birth: np.ndarray,
    as_of_day: Any,
    set_aside: dict[str, int],
) -> Background:
    """Background events per patient (Poisson, `mean`), with rows to be set aside by the audit
    planted among them (counted into `set_aside`)."""
    n = pid.size
    m = rng.poisson(mean, n)
    br = np.repeat(np.arange(n), m)
    domains = np.array(list(codes.background))
    bdom = rng.choice(len(domains), size=br.size, p=[0.5, 0.25, 0.25])
    bcode = np.empty(br.size, dtype=np.int64)
    for j, d in enumerate(domains):
        sel = bdom == j
        bcode[sel] = rng.choice(codes.background[d], size=int(sel.sum()))
    bday = np.minimum(birth[br] + 6570 + rng.integers(0, 40 * 365, br.size), as_of_day - 1)
    bday = np.maximum(bday, birth[br])
    # rows to be set aside by the audit, planted among the background events
    bad = rng.random(br.size)
    future, before, unmapped, ghost = (
        bad < 0.0005,
        (bad >= 0.0005) & (bad < 0.001),
        (bad >= 0.001) & (bad < 0.0015),
        (bad >= 0.0015) & (bad < 0.0017),
    )
    bday = np.where(future, as_of_day + rng.integers(1, 400, br.size), bday)
    bday = np.where(before, birth[br] - rng.integers(1, 400, br.size), bday)
    b_pid = np.where(ghost, -pid[br], pid[br])
    # ignored below: numpy's stubs lack np.where with a None branch
    b_vals = np.where(unmapped, None, code_values[bcode])  # type: ignore[call-overload]
    for name, mask in (
        ("future_date", future),
        ("before_birth", before),
        ("unmapped_code", unmapped),
        ("unknown_person", ghost),
    ):
        set_aside[name] = set_aside.get(name, 0) + int(mask.sum())
    return Background(bdom, domains, b_pid, bday, b_vals)


class EventTables:
    """Writes the event tables chunk by chunk, numbering each table's rows on."""

    def __init__(self, out: Path, code_values: np.ndarray, code_domain: np.ndarray):
        self.out, self.code_values, self.code_domain = out, code_values, code_domain
        self.next_event = dict.fromkeys(DOMAIN_TABLE, 1)

    def write(
        self, part: int, planted: PlantedEvents, bg: Background, rows: dict[str, int]
    ) -> None:
        ev_dom = self.code_domain[planted.code]
        all_dom = np.concatenate([ev_dom, bg.domains[bg.domain]])
        all_pid = np.concatenate([planted.person, bg.person])
        all_day = np.concatenate([planted.day, bg.day]).astype("datetime64[D]")
        all_val = np.concatenate([self.code_values[planted.code], bg.value])
        all_visit = np.concatenate([planted.visit_id, np.full(bg.person.size, -1)])
        for d, (table, id_col, date_col, code_col, concept_col, type_col) in EVENT_TABLES.items():
            sel = all_dom == d
            count = int(sel.sum())
            vis = all_visit[sel]
            first = self.next_event[d]
            rows[table] += write_table(
                self.out,
                table,
                part,
                {
                    id_col: np.arange(first, first + count, dtype=np.int64),
                    "person_id": all_pid[sel],
                    date_col: all_day[sel],
                    code_col: all_val[sel],
                    # no standard concept: synthetic source codes only
                    concept_col: np.full(count, NO_MATCHING_CONCEPT, dtype=np.int64),
                    type_col: np.full(count, EHR),
                    "visit_occurrence_id": pa.array(vis, mask=vis < 0),
                },
            )
            self.next_event[d] += count
