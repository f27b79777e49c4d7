"""The profile in a link (`?profile=<token>`): how an EHR card hands the findings it holds to the
decision aid. One encoder and one decoder, so the CDS side and the web side cannot drift apart.
The token is base64url of compact JSON; it carries findings only, never a name or identifier."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


def profile_token(profile: dict[str, Any]) -> str:
    raw = json.dumps(profile, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_profile_token(token: str) -> dict[str, Any] | None:
    """The profile of a token (padding optional), or None when it is not base64url of a JSON
    object."""
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        return None
    return value if isinstance(value, dict) else None
