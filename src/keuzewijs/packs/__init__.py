"""Knowledge packs: pydantic models of the data in `knowledge/<condition-id>/` and their loader.

The public face: what the layers above use is exported here; `keuzewijs.packs.models` (the
classes of the YAML files) and `keuzewijs.packs.conditions` (the condition tree) are public
modules too. The rest (loader, pack, profile, integrity, indicators, studydata, files) is
internal (import-linter contract in pyproject.toml)."""

from .files import read_yaml
from .indicators import Criterion, FieldSource, Indicator, Synthetic, SyntheticTiming, Window
from .loader import (
    PACK_FILES,
    default_root,
    get_library,
    load_pack,
    load_sites,
    load_ui,
    pack_dirs,
    parse_file,
)
from .pack import Library, Pack
from .problems import Problem
from .profile import validate_profile

__all__ = [
    "PACK_FILES",
    "Criterion",
    "FieldSource",
    "Indicator",
    "Library",
    "Pack",
    "Problem",
    "Synthetic",
    "SyntheticTiming",
    "Window",
    "default_root",
    "get_library",
    "load_pack",
    "load_sites",
    "load_ui",
    "pack_dirs",
    "parse_file",
    "read_yaml",
    "validate_profile",
]
