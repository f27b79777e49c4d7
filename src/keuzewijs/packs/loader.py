"""Read knowledge packs from disk, validate them, and index them for the engine.

A folder under the knowledge root is a pack when it holds `pack.yaml`; folders
starting with `_` hold shared data (interface texts). Sites live in `sites/`.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from keuzewijs.errors import KnowledgeError

from .files import parse_file, read_yaml
from .indicators import Indicator, IndicatorsFile
from .integrity import check_indicators, check_pack
from .models import (
    EvidenceFile,
    OptionsFile,
    OutcomesFile,
    PackMeta,
    ProfileSchema,
    RulesFile,
    Site,
    SourcesFile,
    Text,
    UiTexts,
)
from .pack import Library, Pack
from .profile import build_profile_model
from .studydata import pool_study_data
from .urgency import check_urgency_words

# Pack, Library and the file readers live in pack.py and files.py; importers of this module
# keep working.
__all__ = [
    "PACK_FILES",
    "Library",
    "Pack",
    "default_root",
    "get_library",
    "load_library",
    "load_pack",
    "load_sites",
    "load_ui",
    "pack_dirs",
    "parse_file",
    "read_yaml",
]

PACK_FILES = (
    "pack.yaml",
    "profile.yaml",
    "options.yaml",
    "outcomes.yaml",
    "evidence.yaml",
    "rules.yaml",
    "sources.yaml",
)


def load_pack(root: Path) -> Pack:
    """Load and cross-check one pack folder; raise KnowledgeError naming the file and field."""
    meta = parse_file(root / "pack.yaml", PackMeta)
    profile = parse_file(root / "profile.yaml", ProfileSchema)
    options = parse_file(root / "options.yaml", OptionsFile)
    outcomes = parse_file(root / "outcomes.yaml", OutcomesFile)
    evidence = parse_file(root / "evidence.yaml", EvidenceFile)
    rules = parse_file(root / "rules.yaml", RulesFile)
    sources = parse_file(root / "sources.yaml", SourcesFile)
    indicators_path = root / "indicators.yaml"
    indicators: list[Indicator] = (
        parse_file(indicators_path, IndicatorsFile).indicators if indicators_path.exists() else []
    )
    pooled = pool_study_data(root, evidence)
    digest = hashlib.sha256()
    for name in sorted(PACK_FILES):
        digest.update((root / name).read_bytes())
    for path in pooled.files:  # study data changes the numbers, so it changes the version
        digest.update(path.read_bytes())
    if meta.id != root.name:
        raise KnowledgeError(
            f"pack id '{meta.id}' must equal its folder name '{root.name}'",
            path=str(root / "pack.yaml"),
        )
    pack = Pack(
        root=root,
        meta=meta,
        profile=profile,
        options_file=options,
        outcomes_file=outcomes,
        evidence=pooled.evidence,
        rules=rules,
        sources_file=sources,
        digest=digest.hexdigest(),
        profile_model=build_profile_model(meta.id, profile),
        indicators=indicators,
        study_results=pooled.results,
        study_gaps=pooled.gaps,
    )
    problems = check_pack(pack) + check_indicators(pack, indicators, str(indicators_path))
    if problems:
        first = problems[0]
        more = (
            f" (and {len(problems) - 1} more; run `keuzewijs validate`)"
            if len(problems) > 1
            else ""
        )
        raise KnowledgeError(first.message + more, path=first.path)
    return pack


def pack_dirs(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(("_", ".")) and (p / "pack.yaml").exists()
    )


def load_ui(root: Path) -> dict[str, Text]:
    return parse_file(root / "_common" / "ui.yaml", UiTexts).texts


def load_library(root: Path) -> Library:
    if not root.is_dir():
        raise KnowledgeError("knowledge folder not found; set KEUZEWIJS_KNOWLEDGE", path=str(root))
    packs = {p.name: load_pack(p) for p in pack_dirs(root)}
    ui = load_ui(root)
    for pack in packs.values():
        problems = check_urgency_words(pack, ui)
        if problems:
            raise KnowledgeError(problems[0].message, path=f"{pack.root}/{problems[0].path}")
    return Library(root=root, packs=packs, ui=ui)


def default_root() -> Path:
    """KEUZEWIJS_KNOWLEDGE; else the `knowledge/` folder of the source checkout this code runs
    from; else `./knowledge` (an installed wheel carries code, not knowledge)."""
    env = os.environ.get("KEUZEWIJS_KNOWLEDGE")
    if env:
        return Path(env).resolve()
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "pyproject.toml").is_file() and (checkout / "knowledge").is_dir():
        return checkout / "knowledge"
    return Path("knowledge").resolve()


@functools.lru_cache(maxsize=8)
def _cached(root: Path) -> Library:
    return load_library(root)


def get_library(root: Path | str | None = None) -> Library:
    return _cached(Path(root).resolve() if root else default_root())


def load_sites(root: Path) -> dict[str, Site]:
    sites_dir = root.parent / "sites"
    if not sites_dir.is_dir():
        return {}
    return {p.stem: parse_file(p, Site) for p in sorted(sites_dir.glob("*.yaml"))}
