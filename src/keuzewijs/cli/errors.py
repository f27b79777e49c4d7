"""The CLI boundary: every KeuzewijsError becomes one line on stderr and exit code 2."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from keuzewijs.errors import KeuzewijsError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USAGE = 2


def fail(message: str) -> typer.Exit:
    print(f"error: {message}", file=sys.stderr)
    return typer.Exit(EXIT_USAGE)


def user_errors(func: F) -> F:
    """Convert the exception hierarchy at the boundary; tracebacks are for bugs only."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KeuzewijsError as exc:
            raise fail(exc.one_line()) from None

    # ignored below: functools.wraps keeps the signature mypy cannot see
    return wrapper  # type: ignore[return-value]
