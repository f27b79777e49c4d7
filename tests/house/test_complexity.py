"""House rule (issue 21): no function or method in src has a cyclomatic complexity over 20, as
radon counts it (`radon cc -s src` lists the same blocks). A block over the limit is split by
job, not silenced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from radon.complexity import cc_visit

from tests.conftest import REPO

SRC = REPO / "src" / "keuzewijs"
LIMIT = 20


def _flatten(blocks: list[Any]) -> Iterator[Any]:
    """Functions, methods and closures, as `radon cc` lists them. radon's blocks hold every
    function and method already; a class counts through its methods, so it is skipped."""
    for block in blocks:
        if not hasattr(block, "methods"):
            yield block
            yield from _flatten(block.closures)


def over_limit(source: str, name: str) -> list[str]:
    return [
        f"{name}:{b.lineno} {b.fullname} has complexity {b.complexity}"
        for b in _flatten(cc_visit(source))
        if b.complexity > LIMIT
    ]


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_no_block_in_src_is_over_the_limit() -> None:
    modules = _modules()
    assert len(modules) > 100  # the check ran over the package, not over nothing
    found = [line for path in modules for line in over_limit(path.read_text("utf-8"), str(path))]
    assert found == []


def test_the_check_finds_a_block_over_the_limit() -> None:
    branches = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(LIMIT))
    source = f"def busy(x):\n{branches}    return -1\n"
    assert over_limit(source, "m.py") == [f"m.py:1 busy has complexity {LIMIT + 1}"]
    simple = "def calm(x):\n    return x\n"
    assert over_limit(simple, "m.py") == []


def test_a_method_and_a_closure_are_checked_too() -> None:
    branches = "".join(
        f"            if x == {i}:\n                return {i}\n" for i in range(LIMIT)
    )
    source = (
        "class C:\n    def m(self, x):\n        def inner(x):\n"
        f"{branches}            return 0\n        return inner(x)\n"
    )
    assert [line.split(" has")[0] for line in over_limit(source, "m.py")] == ["m.py:3 inner"]
