"""grid.yaml, the Option Grid: at most 6 questions, every option answered once per question in
at most 25 words per language, each answer sourced (issue 19)."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from keuzewijs.packs.models import GRID_MAX_WORDS, GridFile
from keuzewijs.packs.text_refs import check_grid


def test_shipped_grids_are_complete(library):
    for pack in library.packs.values():
        assert pack.grid is not None, pack.id
        assert list(check_grid(pack)) == []
        options = {o.id for o in pack.options_file.options if o.kind == "option"}
        for q in pack.grid.questions:
            assert {a.option for a in q.answers} == options
            for a in q.answers:
                assert a.sources
                for lang in ("nl", "en"):
                    assert len(a.text.get(lang).split()) <= GRID_MAX_WORDS


CHOICE = {"text": {"nl": "Keuze.", "en": "Choice."}, "sources": [{"id": "s", "locator": "l"}]}


def _with(pack, questions):
    grid = GridFile.model_validate({"choice": CHOICE, "questions": questions})
    return dataclasses.replace(pack, grid=grid)


def test_grid_problems_are_named(library):
    pack = library.pack("achilles-tendon-rupture")
    src = [{"id": "minerva-2020", "locator": "p. 35"}]
    long = " ".join(["woord"] * (GRID_MAX_WORDS + 1))
    questions = [
        {
            "id": "q",
            "question": {"nl": "Vraag?", "en": "Question?"},
            "answers": [
                {"option": "surgery", "text": {"nl": long, "en": "Short."}, "sources": src},
                {"option": "mri", "text": {"nl": "Kort.", "en": "Short."}, "sources": src},
            ],
        }
    ]
    found = [p.message for p in check_grid(_with(pack, questions))]
    assert "unknown source 's'" in found  # the choice's source
    assert any(f"{GRID_MAX_WORDS + 1} words" in m for m in found)
    assert any("'mri' is not an option" in m for m in found)
    assert any("missing: ['conservative']" in m for m in found)


def test_at_most_six_questions():
    q = {
        "id": "q",
        "question": {"nl": "V?", "en": "Q?"},
        "answers": [
            {"option": o, "text": {"nl": "x", "en": "x"}, "sources": [{"id": "s", "locator": "l"}]}
            for o in ("a", "b")
        ],
    }
    with pytest.raises(ValidationError):
        GridFile.model_validate({"choice": CHOICE, "questions": [q] * 7})
