"""The JSON limit checker reads its input in one linear pass (issue 22 item 1).

Two kinds of proof: the vectorised scan agrees with a plain byte-by-byte tokenizer (the obvious
state machine, written here as the oracle) on generated JSON-like bytes, and its CPU cost on
adversarial patterns grows linearly, not with the square of the size. The old regex checker
restarted at every quote: 32 KB of escaped quotes took 27 s. Wall-clock speed is measured in
benchmarks/json_limits.py, not here; this test bounds CPU time only loosely (a quadratic scan
misses those bounds by orders of magnitude)."""

from __future__ import annotations

import contextlib
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keuzewijs.errors import InputLimitError
from keuzewijs.limits import DEFAULT, JsonLimits, JsonShape, measure
from tests.conftest import fuzz_examples

# Bytes that steer a JSON tokenizer, plus filler: every pattern a hostile body can be built from.
_ALPHABET = [b'"', b"\\", b"[", b"]", b"{", b"}", b"1", b"0", b"a", b",", b":", b" ", b"\xc3\xa9"]


def reference_shape(data: bytes) -> JsonShape:
    """The plain state machine: outside/inside a string, an escape pending or not."""
    longest_string = longest_digits = depth = deepest = 0
    inside = escaped = False
    string_len = digits = 0
    for byte in data:
        if inside:
            if escaped:
                escaped = False
                string_len += 1
            elif byte == 0x5C:
                escaped = True
                string_len += 1
            elif byte == 0x22:
                inside = False
                longest_string = max(longest_string, string_len)
            else:
                string_len += 1
            continue
        if byte == 0x22:
            inside, string_len, digits = True, 0, 0
            continue
        if 0x30 <= byte <= 0x39:
            digits += 1
            longest_digits = max(longest_digits, digits)
            continue
        digits = 0
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth -= 1
    if inside:
        longest_string = max(longest_string, string_len)
    return JsonShape(longest_string, longest_digits, deepest)


def _pieces(draw: st.DrawFn, size: int) -> bytes:
    return b"".join(draw(st.lists(st.sampled_from(_ALPHABET), max_size=size)))


@st.composite
def json_like(draw: st.DrawFn) -> bytes:
    return _pieces(draw, 300)


@st.composite
def valid_json(draw: st.DrawFn) -> bytes:
    leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    tree = st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=20,
    )
    return json.dumps(draw(tree), ensure_ascii=draw(st.booleans())).encode()


def _no_backslash_outside_strings(data: bytes) -> bool:
    inside = escaped = False
    for byte in data:
        if inside:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                inside = False
        elif byte == 0x22:
            inside = True
        elif byte == 0x5C:
            return False
    return True


@settings(max_examples=fuzz_examples(300), deadline=None)
@given(json_like())
def test_the_scan_agrees_with_a_byte_by_byte_tokenizer(data: bytes) -> None:
    # Outside strings a backslash is not JSON; there the two may count an escape differently,
    # and either way the parser refuses the input. Everywhere else they must agree exactly.
    if _no_backslash_outside_strings(data):
        assert measure(data) == reference_shape(data)


@settings(max_examples=fuzz_examples(300), deadline=None)
@given(json_like(), st.integers(0, 40), st.integers(0, 12), st.integers(0, 12))
def test_check_refuses_exactly_what_exceeds_a_limit(
    data: bytes, max_string: int, max_digits: int, max_depth: int
) -> None:
    # The path every request takes (threshold tests, not `measure`) against the oracle.
    if not _no_backslash_outside_strings(data):
        return
    limits = JsonLimits(max_string_chars=max_string, max_digits=max_digits, max_depth=max_depth)
    shape = reference_shape(data)
    exceeds = (
        shape.longest_string > max_string
        or shape.longest_digits > max_digits
        or shape.depth > max_depth
    )
    try:
        limits.check(data)
        refused = False
    except InputLimitError:
        refused = True
    assert refused == exceeds


@settings(max_examples=fuzz_examples(200), deadline=None)
@given(valid_json())
def test_valid_json_within_the_limits_passes_and_parses(data: bytes) -> None:
    assert measure(data) == reference_shape(data)
    roomy = JsonLimits(max_depth=64, max_digits=100)
    assert roomy.loads(data) == json.loads(data)


def test_each_limit_names_what_was_exceeded() -> None:
    cases = {
        b'{"a": "' + b"x" * 10_001 + b'"}': "a string is longer than 10000 characters",
        b'{"a": 1' + b"0" * 30 + b"}": "a number has more than 30 digits",
        b"[" * 33 + b"]" * 33: "nested deeper than 32 levels",
        b'"' + b"\\\\" * 6000: "a string is longer than 10000 characters",
    }
    for body, message in cases.items():
        with pytest.raises(InputLimitError) as caught:
            DEFAULT.check(body)
        assert caught.value.message == message
    # Just within each limit: accepted.
    DEFAULT.check(b'{"a": "' + b"x" * 10_000 + b'"}')
    DEFAULT.check(b'{"a": 1' + b"0" * 29 + b"}")
    DEFAULT.check(b"[" * 32 + b"]" * 32)


def test_escaped_quotes_inside_a_string_do_not_close_it() -> None:
    assert measure(b'"a\\"b"') == JsonShape(4, 0, 0)
    assert measure(b'"a\\\\"[') == JsonShape(3, 0, 1)  # an escaped backslash, then the close
    assert measure(b'"[[[" 12 "{"') == JsonShape(3, 2, 0)


def _cpu_seconds(data: bytes, limits: JsonLimits) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        with contextlib.suppress(InputLimitError):
            limits.check(data)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.slow
@settings(
    max_examples=fuzz_examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(_ALPHABET), min_size=1, max_size=8))
def test_cost_grows_linearly_on_repeated_hostile_patterns(unit_parts: list[bytes]) -> None:
    # A pattern repeated to 64 KB and to 1 MB (16 times more): a linear scan costs about 16
    # times more, a quadratic one 256 times. The bound leaves room for a busy machine; the
    # escaped-quote body of the issue cost 27 s at 32 KB before.
    unit = b"".join(unit_parts)
    roomy = JsonLimits(
        max_bytes=2_000_000, max_depth=10**9, max_string_chars=10**9, max_digits=10**9
    )
    small = (unit * (65_536 // len(unit) + 1))[:65_536]
    big = (unit * (1_048_576 // len(unit) + 1))[:1_048_576]
    t_small, t_big = _cpu_seconds(small, roomy), _cpu_seconds(big, roomy)
    assert t_big < 48 * t_small + 0.05, (unit, t_small, t_big)
    assert t_big < 0.5, (unit, t_big)
