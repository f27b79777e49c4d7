"""The visit_occurrence table: one visit per planted event (inpatient when the visit started
before the event)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .tables import EHR, INPATIENT, OUTPATIENT


@dataclass
class PlantedEvents:
    """The planted events of one chunk as rows: person, code, day and visit."""

    person: np.ndarray
    code: np.ndarray
    day: np.ndarray
    visit_id: np.ndarray


def planted_events(
    code: np.ndarray,
    off: np.ndarray,
    voff: np.ndarray,
    anchor: np.ndarray,
    pid: np.ndarray,
    site: np.ndarray,
    next_visit: int,
) -> tuple[PlantedEvents, dict[str, Any]]:
    """The planted slots as event rows, and their visits (ids from `next_visit` on)."""
    r, s_ = np.nonzero(code >= 0)
    ev_code = code[r, s_]
    ev_day = anchor[r] + off[r, s_]
    visit_id = np.arange(next_visit, next_visit + r.size, dtype=np.int64)
    visits = {
        "visit_occurrence_id": visit_id,
        "person_id": pid[r],
        "visit_concept_id": np.where(voff[r, s_] > 0, INPATIENT, OUTPATIENT),
        "visit_start_date": (ev_day - voff[r, s_]).astype("datetime64[D]"),
        "visit_end_date": np.maximum(ev_day, ev_day - voff[r, s_]).astype("datetime64[D]"),
        "visit_type_concept_id": np.full(r.size, EHR),
        "care_site_id": site[r].astype(np.int64) + 1,
    }
    return PlantedEvents(pid[r], ev_code, ev_day, visit_id), visits
