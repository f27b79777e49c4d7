"""A problem a pack check finds: where (file and path) and what, on one line."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def one_line(self) -> str:
        return f"{self.path}: {self.message}"
