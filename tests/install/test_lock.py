"""The lock file, the installed environment and the SOUP list agree (issue 18, Deliver 5)."""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import re
import tomllib
from types import ModuleType

import pytest
from packaging.requirements import Requirement

from ..conftest import REPO


def _soup() -> ModuleType:
    spec = importlib.util.spec_from_file_location("soup", REPO / "scripts" / "soup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SOUP = _soup()


@pytest.mark.hazard("H-025")
def test_soup_list_matches_the_lock_file() -> None:
    pins = SOUP.locked()
    text = (REPO / "docs" / "safety" / "soup.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([a-z0-9-]+) \| ([^ |]+) \|", text, flags=re.MULTILINE)
    listed = {name: version for name, version in rows if name != "package"}
    assert listed == pins, "run: make soup"
    assert text == SOUP.soup_markdown(), "docs/safety/soup.md is stale; run: make soup"


def _declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [
        Requirement(r)
        for r in (*project["dependencies"], *project["optional-dependencies"]["test"])
    ]


@pytest.mark.hazard("H-025")
def test_lock_satisfies_every_declared_dependency() -> None:
    pins = SOUP.locked()
    for req in _declared():
        name = SOUP.canonical(req.name)
        assert name in pins, f"{req.name} is declared but not locked; run: make lock"
        assert req.specifier.contains(pins[name], prereleases=True), (req, pins[name])
        for extra in req.extras:  # e.g. uvicorn[standard]: its extra's packages are locked too
            for sub in md.requires(req.name) or []:
                sub_req = Requirement(sub)
                if sub_req.marker and sub_req.marker.evaluate({"extra": extra}):
                    assert SOUP.canonical(sub_req.name) in pins, (req.name, extra, sub_req.name)


@pytest.mark.hazard("H-025")
def test_installed_versions_are_the_locked_ones() -> None:
    wrong = {}
    for name, version in SOUP.locked().items():
        try:
            installed = md.version(name)
        except md.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (version, installed)
    assert wrong == {}, "run: make install (the environment differs from requirements.lock)"
