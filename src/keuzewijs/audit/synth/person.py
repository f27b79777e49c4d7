"""The person and observation_period tables: one row per synthetic patient, observed from birth
to the extraction date."""

from __future__ import annotations

from typing import Any

import numpy as np

from .tables import EHR, NO_MATCHING_CONCEPT, ymd


def person_columns(rng: np.random.Generator, pid: np.ndarray, birth: np.ndarray) -> dict[str, Any]:
    n = pid.size
    by, bm, bd = ymd(birth)
    return {
        "person_id": pid,
        "year_of_birth": by.astype(np.int32),
        "month_of_birth": bm.astype(np.int32),
        "day_of_birth": bd.astype(np.int32),
        "gender_concept_id": rng.choice([8507, 8532], n),
        "race_concept_id": np.full(n, NO_MATCHING_CONCEPT),
        "ethnicity_concept_id": np.full(n, NO_MATCHING_CONCEPT),
    }


def observation_period_columns(
    pid: np.ndarray, birth: np.ndarray, as_of_day: Any
) -> dict[str, Any]:
    """Observed from birth to the extraction date: every planted event that is to be used falls
    inside (rows planted before birth or after as_of are set aside for that reason)."""
    n = pid.size
    return {
        "observation_period_id": pid,
        "person_id": pid,
        "observation_period_start_date": birth.astype("datetime64[D]"),
        "observation_period_end_date": np.full(n, as_of_day).astype("datetime64[D]"),
        "period_type_concept_id": np.full(n, EHR),
    }
