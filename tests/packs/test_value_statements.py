"""'Afwegen' statements lean to a group of options: the model checks the list itself, the pack
check that every id is an option of the pack and that a statement leaves an option out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from keuzewijs.errors import KnowledgeError
from keuzewijs.packs.loader import load_pack
from keuzewijs.packs.models import ValueStatement
from tests.conftest import KNOWLEDGE

TEXT = {"nl": "Ik wil weer kunnen lopen.", "en": "I want to walk again."}
HIP_GROUP = (
    "leans_to: [total_hip_prosthesis, hemiarthroplasty, cannulated_screws, dynamic_hip_screw, "
    "intramedullary_nail]"
)


def test_a_statement_leans_to_one_option_or_a_group() -> None:
    one = ValueStatement.model_validate({"id": "a", "text": TEXT, "leans_to": ["surgery"]})
    group = ValueStatement.model_validate({"id": "b", "text": TEXT, "leans_to": ["x", "y"]})
    assert one.leans_to == ["surgery"] and group.leans_to == ["x", "y"]


@pytest.mark.parametrize(
    ("leans_to", "message"),
    [
        ([], "at least 1 item"),
        (["x", "x"], "leans_to names x more than once"),
        (["Not An Id"], "String should match pattern"),
        ("surgery", "valid list"),  # one form only: a list, also for a single option
    ],
)
def test_the_model_rejects_a_bad_list(leans_to: object, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        ValueStatement.model_validate({"id": "a", "text": TEXT, "leans_to": leans_to})
    assert message in str(err.value)


def _hip_with(tmp_path: Path, new: str) -> Path:
    root = tmp_path / "hip-fracture"
    shutil.copytree(KNOWLEDGE / "hip-fracture", root)
    path = root / "pack.yaml"
    text = path.read_text(encoding="utf-8")
    assert HIP_GROUP in text
    path.write_text(text.replace(HIP_GROUP, new), encoding="utf-8")
    return root


def test_the_hip_statements_lean_to_the_operations_and_to_not_operating(library) -> None:
    pack = library.pack("hip-fracture")
    groups = {st.id: set(st.leans_to) for st in pack.meta.values_statements}
    choices = {o.id for o in pack.options.values() if o.kind == "option"}
    assert groups["comfort-no-operation"] == {"non_operative"}
    assert groups["walk-and-manage-myself"] == choices - {"non_operative"}


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (
            "leans_to: [hemiarthroplasty, hip_resurfacing]",
            "'hip_resurfacing' is not an option; allowed: ",
        ),
        # an action is a step around the choice, not one of the options weighed
        ("leans_to: [hemiarthroplasty, surgery]", "'surgery' is not an option; allowed: "),
        (HIP_GROUP.replace("]", ", non_operative]"), "leans to every option, so it favours none"),
    ],
)
def test_a_pack_whose_statement_names_a_wrong_group_does_not_load(
    tmp_path: Path, new: str, message: str
) -> None:
    root = _hip_with(tmp_path, new)
    with pytest.raises(KnowledgeError) as err:
        load_pack(root)
    assert err.value.path.endswith("values_statements[0] (walk-and-manage-myself).leans_to")
    assert message in err.value.message
