"""The care_site and cdm_source tables: the synthetic hospitals, and the data set's own label."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from .tables import CDM_V54, LABEL, write_table


def write_care_sites(out: Path, sites: int) -> int:
    return write_table(
        out,
        "care_site",
        0,
        {
            "care_site_id": np.arange(1, sites + 1, dtype=np.int64),
            "care_site_name": [f"synthetic hospital {i}" for i in range(1, sites + 1)],
        },
    )


def write_cdm_source(out: Path, seed: int, as_of: dt.date) -> int:
    return write_table(
        out,
        "cdm_source",
        0,
        {
            "cdm_source_name": [LABEL],
            "cdm_source_abbreviation": ["keuzewijs synth"],
            "cdm_holder": ["none (synthetic)"],
            "source_description": [f"{LABEL}; seed {seed}"],
            "source_release_date": [as_of],
            "cdm_release_date": [as_of],
            "cdm_version": ["5.4"],
            "cdm_version_concept_id": [CDM_V54],
            "vocabulary_version": ["none"],
        },
    )
