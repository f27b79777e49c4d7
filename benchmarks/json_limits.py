"""Cost of the JSON limit check on hostile input (issue 22 item 1). Run:
`.venv/bin/python benchmarks/json_limits.py` (`--check` exits 1 when a target is missed).

Every body, `?profile=` link, CDS request and CLI profile passes `JsonLimits.check` before
authentication, so its cost on the worst input a client can send bounds what one request can
take from a worker. Compared in the same run with:
- the floor: `json.loads` (CPython's C parser) on the same bytes where they are JSON;
- the peer it replaced: the regex checker of commit a1c5d4e, which restarted its string regex at
  every quote (quadratic on escaped quotes), run only up to 32 KB because it takes minutes beyond.
Targets from the issue: 1 MB of adversarial input under 100 ms; the escaped-quote body under
10 ms per 32 KB. Median of 5 runs, wall clock (perf_counter).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import statistics
import sys
import time
from collections.abc import Callable

from keuzewijs.limits import JsonLimits

ROOMY = JsonLimits(max_bytes=4_000_000, max_depth=10**9, max_string_chars=10**9, max_digits=10**9)

# The checker before this change (a1c5d4e), kept here only as the peer to compare with.
_OLD_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_OLD_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
_OLD_DELTA = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def old_check(data: bytes) -> None:
    for match in _OLD_STRING.finditer(data):
        _ = match.end() - match.start()
    skeleton = _OLD_STRING.sub(b'""', data)
    re.search(rb"[0-9]{31}", skeleton)
    brackets = skeleton.translate(None, _OLD_BRACKETS)
    if brackets:
        max(itertools.accumulate(_OLD_DELTA[b] for b in brackets))


def fill(unit: bytes, size: int, head: bytes = b"", tail: bytes = b"") -> bytes:
    body = size - len(head) - len(tail)
    return head + (unit * (body // len(unit) + 1))[:body] + tail


PATTERNS: dict[str, Callable[[int], bytes]] = {
    "escaped quotes, bare (the issue's body)": lambda n: fill(b'\\"', n),
    "escaped quotes in a string": lambda n: fill(b'\\"', n, b'{"a": "', b'"}'),
    "many short strings": lambda n: fill(b'"",', n, b"[", b'""]'),
    "nested brackets": lambda n: fill(b"[", n // 2) + fill(b"]", n // 2),
    "digits": lambda n: fill(b"1234567890,", n, b"[", b"0]"),
    "backslash runs and quotes": lambda n: fill(b'\\\\\\"', n),
}


def seconds(fn: Callable[[], object], runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    missed = []
    print(f"{'pattern':42} {'size':>8} {'check ms':>9} {'json.loads':>11} {'old':>10} ratios")
    for name, make in PATTERNS.items():
        for size in (32_768, 1_048_576):
            data = make(size)
            t_new = seconds(lambda: ROOMY.check(data))  # noqa: B023
            try:
                json.loads(data)
                t_floor = seconds(lambda: json.loads(data))  # noqa: B023
            except (ValueError, RecursionError):
                t_floor = float("nan")
            t_old = seconds(lambda: old_check(data), runs=1) if size <= 32_768 else float("nan")  # noqa: B023
            ratios = f"check/loads {t_new / t_floor:5.2f}" if t_floor == t_floor else ""
            if t_old == t_old:
                ratios += f"  old/check {t_old / t_new:8.0f}"
            print(
                f"{name:42} {size:>8} {t_new * 1e3:9.2f} {t_floor * 1e3:11.2f} "
                f"{t_old * 1e3:10.1f} {ratios}"
            )
            limit = 0.010 if size == 32_768 else 0.100
            if t_new > limit:
                missed.append(
                    f"{name} at {size} bytes: {t_new * 1e3:.1f} ms > {limit * 1e3:.0f} ms"
                )
    for line in missed:
        print("MISSED:", line)
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
