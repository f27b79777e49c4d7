"""House rules on names across src/keuzewijs (issue 21, a public face), read from the source
with `ast`:
- every class name is defined in one module only, so a name in a traceback, a log line or a
  review points at one class; the same for the names of module-level type aliases
  (`Verdict = Literal[...]`), which read like classes;
- no import renames a class (`from m import Recommendation as Rule`): a reader sees a class under
  the name it is defined with;
- no module imports a private name (leading underscore) from another module: what another module
  uses is public there (and in its `__all__` where it has one).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
MODULES = sorted((SRC / "keuzewijs").rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _trees() -> dict[str, ast.Module]:
    return {_module_name(p): ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in MODULES}


TREES = _trees()


def _is_class_name(name: str) -> bool:
    """CapWords (`Recommendation`, `HTTPException`), not a CONSTANT (`CDS`, `DEFAULT`)."""
    return name[:1].isupper() and not name.isupper()


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _imports_from(tree: ast.Module) -> list[ast.ImportFrom]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]


def _type_aliases(tree: ast.Module) -> list[str]:
    """Module-level `Name = ...` / `Name: TypeAlias = ...` with a CapWords name: in src these
    are all type aliases (`Key = tuple[str, str]`). Python 3.11 has no `type Name = ...`."""
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [n for n in names if _is_class_name(n)]


def class_names_defined_twice(trees: dict[str, ast.Module]) -> dict[str, list[str]]:
    """Class names and type-alias names defined in more than one module."""
    where: dict[str, list[str]] = defaultdict(list)
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                where[node.name].append(module)
        for alias in _type_aliases(tree):
            where[alias].append(module)
    return {name: modules for name, modules in sorted(where.items()) if len(modules) > 1}


def class_aliases(trees: dict[str, ast.Module]) -> list[str]:
    return [
        f"{module}: from {node.module} import {alias.name} as {alias.asname}"
        for module, tree in trees.items()
        for node in _imports_from(tree)
        for alias in node.names
        if alias.asname and alias.asname != alias.name and _is_class_name(alias.name)
    ]


def private_imports(trees: dict[str, ast.Module]) -> list[str]:
    """`from x import _name`, relative or absolute; only names of src modules are checked (a
    third-party private import would be a different mistake, and there is none)."""
    found = []
    for module, tree in trees.items():
        for node in _imports_from(tree):
            is_ours = node.level > 0 or (node.module or "").split(".")[0] == "keuzewijs"
            found += [
                f"{module}: from {'.' * node.level}{node.module or ''} import {alias.name}"
                for alias in node.names
                if is_ours and _is_private(alias.name)
            ]
    return found


def test_every_class_name_is_defined_once() -> None:
    assert class_names_defined_twice(TREES) == {}


def test_no_import_renames_a_class() -> None:
    assert class_aliases(TREES) == []


def test_no_module_imports_a_private_name_of_another() -> None:
    assert private_imports(TREES) == []


def test_the_checks_see_the_whole_source() -> None:
    """Guards against a glob or parse that finds nothing (and so never fails)."""
    assert len(TREES) > 100
    assert "keuzewijs.engine.contract" in TREES
    assert sum(isinstance(n, ast.ClassDef) for t in TREES.values() for n in ast.walk(t)) > 100


_BAD = """
from keuzewijs.packs.models import Recommendation as Rule
from .choices import _options
from keuzewijs.limits import CDS as CDS_LIMITS
from keuzewijs.errors import SettingsError as SettingsError
import xml.etree.ElementTree as ET
class Strict: pass
Key = tuple[str, str]
"""


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (class_names_defined_twice, {"Key": ["a", "b"], "Strict": ["a", "b"]}),
        (
            class_aliases,
            [f"{m}: from keuzewijs.packs.models import Recommendation as Rule" for m in "ab"],
        ),
        (private_imports, [f"{m}: from .choices import _options" for m in "ab"]),
    ],
)
def test_each_check_fails_on_a_violation(check, expected) -> None:
    """Each check catches what it is for, and lets pass what is allowed (a constant alias, the
    explicit re-export `X as X`, a module alias)."""
    trees = {"a": ast.parse(_BAD), "b": ast.parse(_BAD)}
    assert check(trees) == expected
