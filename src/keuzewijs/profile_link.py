"""The profile in a link (`?profile=<token>`): how an EHR card hands the findings it holds to the
decision aid. One encoder and one decoder, so the CDS side and the web side cannot drift apart.
The token is base64url of compact JSON; it carries findings only, never a name or identifier."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from keuzewijs.errors import InputFormatError
from keuzewijs.limits import JsonLimits

# A profile is a flat object of answers: a few hundred bytes; the link never needs nesting.
LINK_LIMITS = JsonLimits(max_bytes=16_000, max_depth=3, max_string_chars=500, max_digits=30)
_SCALAR = (str, int, float, bool, type(None))


def profile_token(profile: dict[str, Any]) -> str:
    raw = json.dumps(profile, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_profile_token(token: str) -> dict[str, Any] | None:
    """The profile of a token (padding optional), or None when it is not base64url of a flat
    JSON object of answers (a value is a string, number, true/false, null or a list of strings)
    within LINK_LIMITS. None means: a bad link (400), whatever the token holds."""
    if len(token) > LINK_LIMITS.max_bytes * 4 // 3 + 4:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value = LINK_LIMITS.loads(raw, where="profile")
    except (binascii.Error, ValueError, InputFormatError):
        return None
    if not isinstance(value, dict):
        return None
    for item in value.values():
        if isinstance(item, list):
            if not all(isinstance(x, str) for x in item):
                return None
        elif not isinstance(item, _SCALAR):
            return None
    return value
