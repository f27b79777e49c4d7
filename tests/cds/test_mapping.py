"""FHIR -> profile mapping (data-driven): values only where the record states them."""

from __future__ import annotations

import pytest
import yaml

from keuzewijs.cds.config import CdsData, CdsFile, FhirMapping, common_dir, load_cds_data
from keuzewijs.cds.mapping import ProfileBuilder
from keuzewijs.cds.record import build_record
from keuzewijs.errors import KnowledgeError

from . import requests as rq


def profile_of(library, condition_id, prefetch):
    data = load_cds_data(library)
    builder = ProfileBuilder(
        data, library.pack(condition_id), data.mapping.conditions[condition_id]
    )
    return builder.build(build_record(rq.PATIENT, prefetch), rq.NOW).profile


def test_duration_is_computed_from_onset_against_the_hooks_time_in_the_fields_unit(library):
    got = profile_of(
        library, "achilles-tendon-rupture", rq.prefetch(rq.patient("1980-11-23"), [rq.ACHILLES])
    )
    # 2026-11-15T17:00Z to 2026-11-22T10:00Z = 6 days 17 hours = 0.9583 weeks; born a day after 22
    # Nov 1980: 45
    assert got == {"age": 45, "weeks_since_injury": pytest.approx(161 / 168, abs=1e-4)}


@pytest.mark.parametrize("onset", ["2026-11", "2027-01-01"])
def test_onset_coarser_than_a_day_or_in_the_future_stays_unknown(library, onset):
    injury = rq.condition("ach-1", rq.ICD10, "S86.0", "Injury of Achilles tendon", onset=onset)
    assert "weeks_since_injury" not in profile_of(
        library, "achilles-tendon-rupture", rq.prefetch(None, [injury])
    )


def test_a_quantity_in_another_unit_is_not_converted_by_guesswork(library):
    egfr = rq.observation(
        "e",
        rq.LOINC,
        "62238-1",
        "eGFR",
        valueQuantity={"value": 1.2, "unit": "mL/s", "code": "mL/s"},
    )
    assert "egfr" not in profile_of(
        library, "hip-fracture", rq.prefetch(None, [rq.HIP_NECK], [egfr])
    )


def test_the_most_recent_statement_wins(library):
    old = rq.condition("old", rq.ICD10, "S72.1", "Pertrochanteric fracture", onset="2020-01-01")
    got = profile_of(library, "hip-fracture", rq.prefetch(None, [old, rq.HIP_NECK]))
    assert got["fracture_type"] == "femoral_neck"


def _data(library, edit):
    folder = common_dir(library)
    mapping = yaml.safe_load((folder / "fhir-mapping.yaml").read_text())
    edit(mapping)
    cds = CdsFile.model_validate(yaml.safe_load((folder / "cds.yaml").read_text()))
    return CdsData(cds, FhirMapping.model_validate(mapping), library)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda m: m["conditions"]["hip-fracture"]["fields"][1].update(field="fracture_kind"),
            "not in the profile",
        ),
        (
            lambda m: m["conditions"]["hip-fracture"]["fields"][1]["value"].update(value="neck"),
            "not a value of 'fracture_type'",
        ),
        (
            lambda m: m["conditions"]["hip-fracture"]["fields"][0].update(field="egfr"),
            "age comes from Patient",
        ),
        (
            lambda m: m["conditions"]["hip-fracture"]["diagnosis"].append(
                {"system": "nosuch", "code": "1", "display": "x", "source": "nowhere"}
            ),
            "unknown system or source",
        ),
        (
            lambda m: m["conditions"]["hip-fracture"]["diagnosis"].append(
                {"system": "snomed", "code": "1", "display": "x", "source": "snomed-int"}
            ),
            "snomed codes belong in a value set",
        ),
        (
            lambda m: m["conditions"]["hip-fracture"]["diagnosis"].append({"valueset": "hip"}),
            "unknown value set 'hip'",
        ),
    ],
)
def test_a_typo_in_the_mapping_fails_at_load_naming_the_place(library, edit, message):
    with pytest.raises(KnowledgeError) as err:
        _data(library, edit)
    assert (
        message in err.value.message
        and "fhir-mapping.yaml: conditions.hip-fracture" in err.value.path
    )
