"""Bounds on untrusted JSON: nesting depth, string length, digits per number, total size.

One checker for every door (API and page bodies, CDS bodies, profile links, CLI files, FHIR
server answers), run on the raw bytes before any parser builds objects, so hostile input is
refused in bounded time and memory with a 400/413 (web) or exit 2 (CLI), and never reaches a
recursion limit or the int-from-string limit of Python. The messages name the limit, never echo
the input.

The scan is one pass over the bytes, in time linear in their length whatever they hold. It is
written here, and not left to a streaming parser such as ijson, because it is the first thing
every request meets before authentication: a streaming parser calls back into Python for every
token (1 MB of `[0,0,…]` is half a million events) and converts numbers before a digit limit
could refuse them, while these few vector operations over the bytes cost a few milliseconds per
megabyte (`benchmarks/json_limits.py` measures it against `json.loads`, the floor, and the
regex checker it replaced, whose restarts at every quote made escaped quotes quadratic).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from keuzewijs.errors import InputFormatError, InputLimitError

__all__ = ["CDS", "CHECKED_SCOPE_KEY", "DEFAULT", "JsonLimits", "JsonShape", "measure"]

_BACKSLASH, _QUOTE = ord("\\"), ord('"')
# Depth change per byte outside strings: +1 for an opening bracket, -1 for a closing one.
_DEPTH_DELTA = np.zeros(256, dtype=np.int8)
_DEPTH_DELTA[[ord("["), ord("{")]] = 1
_DEPTH_DELTA[[ord("]"), ord("}")]] = -1
_IS_DIGIT = np.zeros(256, dtype=np.uint8)
_IS_DIGIT[ord("0") : ord("9") + 1] = 1


@dataclass(frozen=True)
class JsonShape:
    """What the limits look at: the longest string (bytes between its quotes, escapes counted as
    written), the longest run of digits outside strings, and the deepest nesting."""

    longest_string: int
    longest_digits: int
    depth: int


@dataclass(frozen=True)
class _Scan:
    """Per byte, as a JSON tokenizer sees it: 1 where it is string content (between the quotes),
    1 where it is a digit outside strings; and the nesting depth after it."""

    in_string: np.ndarray
    digit: np.ndarray
    depth: np.ndarray

    def has_run(self, mask: np.ndarray, length: int) -> bool:
        # A run of `length` ones, found by bytes.find over the mask: C speed, linear time. A run
        # longer than the input cannot exist (and its needle would cost `length` bytes).
        if not 0 < length <= len(mask):
            return length <= 0
        return mask.tobytes().find(b"\x01" * length) != -1


def _scan(data: bytes) -> _Scan:
    """One linear pass over `data`.

    A quote opens or closes a string unless an odd run of backslashes precedes it; an unclosed
    string runs to the end. Brackets and digits count only outside strings. Bytes that are not
    JSON are measured the same way: up to the first byte that is not JSON (a backslash outside a
    string, say) this is exactly what the parser will meet, and the parser stops there."""
    raw = np.frombuffer(data, dtype=np.uint8)
    quote = raw == _QUOTE
    if data.find(b"\\") != -1:
        # A byte right after an odd run of backslashes is escaped: runs are found from the edges
        # of the backslash mask, so the work is one pass plus one step per run.
        edges = np.flatnonzero(np.diff((raw == _BACKSLASH).view(np.int8), prepend=0, append=0))
        starts, stops = edges[0::2], edges[1::2]
        escaped = stops[((stops - starts) & 1).astype(bool)]
        quote[escaped[escaped < len(raw)]] = False
    # 1 from an opening quote up to its closing quote (exclusive): the string's parity.
    parity = np.bitwise_xor.accumulate(quote.view(np.uint8))
    outside = parity == 0
    in_string = parity & ~quote.view(np.uint8) & 1
    digit = _IS_DIGIT[raw] & outside.view(np.uint8)
    depth = np.cumsum(np.where(outside, _DEPTH_DELTA[raw], 0), dtype=np.int32)
    return _Scan(in_string, digit, depth)


def _longest_run(mask: np.ndarray) -> int:
    edges = np.flatnonzero(np.diff(mask.view(np.int8), prepend=0, append=0))
    return int((edges[1::2] - edges[0::2]).max()) if len(edges) else 0


def measure(data: bytes) -> JsonShape:
    """The exact shape of `data` (for diagnostics and tests; `check` only asks whether a limit
    is passed, which is cheaper)."""
    if not data:
        return JsonShape(0, 0, 0)
    scan = _scan(data)
    depth = max(int(scan.depth.max()), 0)
    return JsonShape(_longest_run(scan.in_string), _longest_run(scan.digit), depth)


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
        if not data:
            return
        scan = _scan(data)
        if scan.has_run(scan.in_string, self.max_string_chars + 1):
            raise InputLimitError(
                f"a string is longer than {self.max_string_chars} characters", path=where
            )
        if scan.has_run(scan.digit, self.max_digits + 1):
            raise InputLimitError(f"a number has more than {self.max_digits} digits", path=where)
        if int(scan.depth.max()) > self.max_depth:
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
