"""Read knowledge packs from disk, validate them, and index them for the engine.

A folder under the knowledge root is a pack when it holds `pack.yaml`; folders
starting with `_` hold shared data (interface texts). Sites live in `sites/`.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from keuzewijs.errors import KnowledgeError, UnknownConditionError

from .indicators import Indicator, IndicatorsFile
from .models import (
    EvidenceFile,
    Option,
    OptionsFile,
    Outcome,
    OutcomesFile,
    PackMeta,
    ProfileField,
    ProfileSchema,
    RulesFile,
    Site,
    Source,
    SourcesFile,
    Text,
    UiTexts,
)
from .profile import build_profile_model

# libyaml's safe loader is several times faster than the pure-Python one (cold start).
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PACK_FILES = {
    "pack.yaml": PackMeta,
    "profile.yaml": ProfileSchema,
    "options.yaml": OptionsFile,
    "outcomes.yaml": OutcomesFile,
    "evidence.yaml": EvidenceFile,
    "rules.yaml": RulesFile,
    "sources.yaml": SourcesFile,
}
M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_YamlLoader)
    except FileNotFoundError:
        raise KnowledgeError("file is missing", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise KnowledgeError(
            f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", path=str(path)
        ) from None
    except RecursionError:
        raise KnowledgeError("nested too deeply to be a knowledge file", path=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise KnowledgeError(
            f"not valid YAML{where}: {getattr(exc, 'problem', exc)}", path=str(path)
        ) from None


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_file(path: Path, model: type[M]) -> M:
    try:
        return model.model_validate(read_yaml(path))
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise KnowledgeError(f"{err['msg']}{more}", path=f"{path}: {_dotted(err['loc'])}") from None


@dataclass(frozen=True)
class Pack:
    """One condition's knowledge, validated and indexed."""

    root: Path
    meta: PackMeta
    profile: ProfileSchema
    options_file: OptionsFile
    outcomes_file: OutcomesFile
    evidence: EvidenceFile
    rules: RulesFile
    sources_file: SourcesFile
    digest: str
    profile_model: type[BaseModel] = field(repr=False)
    # Optional indicators.yaml: population-audit indicators that refer to this pack's rules.
    indicators: list[Indicator] = field(default_factory=list)
    # Estimates pooled from study-level CSVs (studydata.py): per-estimate results for forest
    # plots, and where computed and published numbers differ beyond rounding.
    study_results: dict[str, Any] = field(default_factory=dict, repr=False)
    study_gaps: list[Any] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def knowledge_version(self) -> str:
        return f"{self.meta.id}@{self.meta.version}+{self.digest[:12]}"

    @functools.cached_property
    def fields(self) -> dict[str, ProfileField]:
        return {f.name: f for f in self.profile.fields}

    @functools.cached_property
    def options(self) -> dict[str, Option]:
        return {o.id: o for o in self.options_file.options}

    @functools.cached_property
    def outcomes(self) -> dict[str, Outcome]:
        return {o.id: o for o in self.outcomes_file.outcomes}

    @functools.cached_property
    def sources(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources_file.sources}


def load_pack(root: Path) -> Pack:
    """Load and cross-check one pack folder; raise KnowledgeError naming the file and field."""
    from .integrity import check_pack  # local: integrity needs Pack
    from .studydata import pool_study_data

    parsed = {name: parse_file(root / name, model) for name, model in PACK_FILES.items()}
    pooled = pool_study_data(root, parsed["evidence.yaml"])
    digest = hashlib.sha256()
    for name in sorted(PACK_FILES):
        digest.update((root / name).read_bytes())
    for path in pooled.files:  # study data changes the numbers, so it changes the version
        digest.update(path.read_bytes())
    meta: PackMeta = parsed["pack.yaml"]
    if meta.id != root.name:
        raise KnowledgeError(
            f"pack id '{meta.id}' must equal its folder name '{root.name}'",
            path=str(root / "pack.yaml"),
        )
    pack = Pack(
        root=root,
        meta=meta,
        profile=parsed["profile.yaml"],
        options_file=parsed["options.yaml"],
        outcomes_file=parsed["outcomes.yaml"],
        evidence=pooled.evidence,
        rules=parsed["rules.yaml"],
        sources_file=parsed["sources.yaml"],
        digest=digest.hexdigest(),
        profile_model=build_profile_model(meta.id, parsed["profile.yaml"]),
        study_results=pooled.results,
        study_gaps=pooled.gaps,
    )
    problems = check_pack(pack)
    if (root / "indicators.yaml").exists():
        indicators = parse_file(root / "indicators.yaml", IndicatorsFile).indicators
        _check_indicators(pack, indicators, str(root / "indicators.yaml"))
        object.__setattr__(pack, "indicators", indicators)
    if problems:
        first = problems[0]
        more = (
            f" (and {len(problems) - 1} more; run `keuzewijs validate`)"
            if len(problems) > 1
            else ""
        )
        raise KnowledgeError(first.message + more, path=first.path)
    return pack


def _check_indicators(pack: Pack, indicators: list[Indicator], path: str) -> None:
    """An indicator refers to a rule and fields of its own pack; a dangling id is an error."""
    rule_ids = [r.id for r in (*pack.rules.red_flags, *pack.rules.recommendations)]
    for i, ind in enumerate(indicators):
        if ind.rule not in rule_ids:
            raise KnowledgeError(
                f"unknown rule '{ind.rule}'; known: {', '.join(rule_ids)}",
                path=f"{path}: indicators[{i}].rule",
            )
        known = {*pack.sources, *(r.id for r in ind.references)}
        for ref in ind.sources:
            if ref.id not in known:
                raise KnowledgeError(
                    f"unknown source '{ref.id}'; known: {', '.join(sorted(known))}",
                    path=f"{path}: indicators[{i}].sources",
                )
        for source in [*ind.profile, *(s for v in ind.variants for s in v.profile)]:
            spec = pack.fields.get(source.field)
            if spec is None:
                raise KnowledgeError(
                    f"unknown field '{source.field}'; allowed: {', '.join(pack.fields)}",
                    path=f"{path}: indicators[{i}]",
                )
            for value in (source.member, source.otherwise):
                if value is not None and value not in spec.value_ids():
                    raise KnowledgeError(
                        f"'{value}' is not a value of '{source.field}'",
                        path=f"{path}: indicators[{i}]",
                    )


@dataclass(frozen=True)
class Library:
    """All packs under one knowledge root, with the shared interface texts."""

    root: Path
    packs: dict[str, Pack]
    ui: dict[str, Text]

    def pack(self, condition_id: str) -> Pack:
        try:
            return self.packs[condition_id]
        except KeyError:
            allowed = ", ".join(sorted(self.packs)) or "(none)"
            raise UnknownConditionError(
                f"unknown condition '{condition_id}'; allowed: {allowed}", path="condition"
            ) from None


def pack_dirs(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(("_", ".")) and (p / "pack.yaml").exists()
    )


def load_ui(root: Path) -> dict[str, Text]:
    shared = Path(__file__).resolve().parents[3] / "knowledge" / "_common" / "ui.yaml"
    path = root / "_common" / "ui.yaml"
    return parse_file(path if path.exists() else shared, UiTexts).texts


def load_library(root: Path) -> Library:
    if not root.is_dir():
        raise KnowledgeError("knowledge folder not found; set KEUZEWIJS_KNOWLEDGE", path=str(root))
    packs = {p.name: load_pack(p) for p in pack_dirs(root)}
    return Library(root=root, packs=packs, ui=load_ui(root))


def default_root() -> Path:
    """KEUZEWIJS_KNOWLEDGE, else the `knowledge/` folder of this checkout."""
    env = os.environ.get("KEUZEWIJS_KNOWLEDGE")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[3] / "knowledge"


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
