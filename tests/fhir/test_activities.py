"""knowledge/_common/fhir-activities.yaml is checked against the packs; a typo fails naming it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from keuzewijs.errors import KnowledgeError
from keuzewijs.fhir.activities import activities_for, load_activities
from keuzewijs.packs.loader import Library, load_library

from ..conftest import KNOWLEDGE


def library_with(tmp_path: Path, edit: Callable[[dict[str, Any]], Any]) -> Library:
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    path = root / "_common" / "fhir-activities.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_library(root)


def test_every_option_of_every_pack_has_an_activity(library):
    for pack_id, pack in library.packs.items():
        assert set(activities_for(library, pack_id)) == set(pack.options)


def test_an_unknown_option_is_refused_naming_it(tmp_path: Path):
    lib = library_with(
        tmp_path, lambda d: d["activities"]["hip-fracture"].update(hip_screws={"kind": "Task"})
    )
    with pytest.raises(KnowledgeError) as err:
        load_activities(lib)
    assert "activities.hip-fracture.hip_screws" in err.value.path
    assert "not an option of hip-fracture" in str(err.value)


def test_an_unknown_code_source_is_refused(tmp_path: Path):
    def edit(d):
        d["activities"]["lumbar-disc-herniation"]["mri"]["codes"][0]["source"] = "somewhere"

    with pytest.raises(KnowledgeError) as err:
        load_activities(library_with(tmp_path, edit))
    assert "unknown source 'somewhere'" in str(err.value)


def test_a_pack_with_an_option_left_out_cannot_be_exported(tmp_path: Path):
    lib = library_with(tmp_path, lambda d: d["activities"]["hip-fracture"].pop("rehabilitation"))
    with pytest.raises(KnowledgeError) as err:
        activities_for(lib, "hip-fracture")
    assert "rehabilitation" in str(err.value)
    assert set(activities_for(lib, "achilles-tendon-rupture")) == {"surgery", "conservative"}


def test_a_kind_outside_the_request_resources_is_refused(tmp_path: Path):
    lib = library_with(
        tmp_path, lambda d: d["activities"]["hip-fracture"]["surgery"].update(kind="Procedure")
    )
    with pytest.raises(KnowledgeError) as err:
        load_activities(lib)
    assert "activities.hip-fracture.surgery.kind" in err.value.path


def test_an_option_without_snomed_code_or_reason_is_refused(tmp_path: Path):
    def edit(d):
        d["activities"]["achilles-tendon-rupture"]["conservative"].pop("no_code_reason")

    with pytest.raises(KnowledgeError) as err:
        load_activities(library_with(tmp_path, edit))
    assert "activities.achilles-tendon-rupture.conservative" in err.value.path
    assert "no snomed code and no no_code_reason" in str(err.value)


def test_a_snomed_code_next_to_a_no_code_reason_is_refused(tmp_path: Path):
    def edit(d):
        d["activities"]["hip-fracture"]["rehabilitation"]["no_code_reason"] = "left over"

    with pytest.raises(KnowledgeError) as err:
        load_activities(library_with(tmp_path, edit))
    assert "has a snomed code and a no_code_reason" in str(err.value)
