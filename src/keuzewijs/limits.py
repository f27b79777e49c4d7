"""Bounds on untrusted JSON: nesting depth, string length, digits per number, total size.

One checker for every door (API and page bodies, CDS bodies, profile links, CLI files), run on
the raw bytes before any parser builds objects, so hostile input is refused in bounded time and
memory with a 400/413 (web) or exit 2 (CLI), and never reaches a recursion limit or the
int-from-string limit of Python. The messages name the limit, never echo the input.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

from keuzewijs.errors import InputFormatError, InputLimitError

# A JSON string token: quote, then runs of plain characters or escapes (linear, no backtracking).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")  # every byte except the brackets
_DELTA = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


@dataclass(frozen=True)
class JsonLimits:
    max_bytes: int = 1_000_000
    max_depth: int = 32
    max_string_chars: int = 10_000
    max_digits: int = 30

    def check(self, raw: bytes | str, *, where: str = "body") -> None:
        """Raise InputLimitError (413 for size, 400 otherwise) when `raw` exceeds a limit."""
        data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
        if len(data) > self.max_bytes:
            raise InputLimitError(f"larger than {self.max_bytes} bytes", path=where, status=413)
        if len(data) > self.max_string_chars + 2:
            for match in _STRING.finditer(data):
                if match.end() - match.start() - 2 > self.max_string_chars:
                    raise InputLimitError(
                        f"a string is longer than {self.max_string_chars} characters", path=where
                    )
        skeleton = _STRING.sub(b'""', data)
        if re.search(rb"[0-9]{%d}" % (self.max_digits + 1), skeleton):
            raise InputLimitError(f"a number has more than {self.max_digits} digits", path=where)
        brackets = skeleton.translate(None, _BRACKETS)
        if len(brackets) > self.max_depth and (
            max(itertools.accumulate(_DELTA[b] for b in brackets)) > self.max_depth
        ):
            raise InputLimitError(f"nested deeper than {self.max_depth} levels", path=where)

    def loads(self, raw: bytes | str, *, where: str = "body", checked: bool = False) -> Any:
        """Check, then parse JSON; malformed JSON is an InputFormatError (400 / exit 2).

        `checked`: these very bytes already passed `check` with these limits (the web app's
        LimitsMiddleware), so the scan is not run twice."""
        if not checked:
            self.check(raw, where=where)
        try:
            return json.loads(raw, parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            if isinstance(exc, json.JSONDecodeError):
                detail = f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            elif isinstance(exc, UnicodeDecodeError):
                detail = "not UTF-8 text"
            else:
                detail = f"not JSON ({exc})"
            raise InputFormatError(detail, path=where) from None


def _no_constant(name: str) -> Any:
    # Python's json accepts NaN/Infinity, which JSON does not have.
    raise ValueError(f"{name} is not JSON")


# The ASGI scope state key under which the web app's LimitsMiddleware records the limits a JSON
# body passed, so a handler that parses it with the same limits skips the second scan.
CHECKED_SCOPE_KEY = "checked_json_limits"

DEFAULT = JsonLimits()
# CDS Hooks bodies carry FHIR resources: deeper, with longer strings (narratives, attachments);
# the body cap is CdsSettings.max_body_bytes.
CDS = JsonLimits(max_bytes=2_000_000, max_depth=64, max_string_chars=1_000_000)
