"""One exception hierarchy; the CLI and the API convert it at their boundary.

Every error carries a `path` (the field or file it concerns) and a one-line
message naming what is allowed, so the boundary never needs a traceback.

    KeuzewijsError
    ├── UnknownConditionError      a condition id no pack provides (404)
    ├── ProfileError               a profile that does not fit the pack's schema (422)
    ├── KnowledgeError             a malformed or inconsistent knowledge pack
    ├── InputFormatError           input that cannot be parsed at all (400)
    │   └── InputLimitError        input over a size limit (413 or 400)
    ├── EvidenceError (ValueError) arguments the evidence layer cannot compute with
    ├── SettingsError              an environment variable with a value not allowed
    ├── FhirExportError            an exported FHIR resource that does not validate
    ├── DecisionNotFound           no stored decision has this code (404)
    ├── BadCode                    a code that cannot be one of ours (422)
    ├── InvalidChoice              a chosen option the advice does not offer (422)
    ├── TooManyRequests            a rate limit or quota reached, with seconds to wait (429)
    └── HookProblem                a refused CDS Hooks request, with its HTTP status

The modules that raise the boundary errors import them from here (and re-export them).
Helpers for the boundaries: `location_path` (a pydantic error location as a path) and
`problem_body` (an RFC 9457 problem+json body whose `errors[].path` uses those paths).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

PROBLEM_JSON = "application/problem+json"
# The titles of every problem+json answer, web API and CDS service alike: the status in words.
PROBLEM_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    412: "Required data not available",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}
# A location part may be client text (a key of a posted object): a path never echoes it whole.
_PART_LIMIT = 100


def location_path(loc: tuple[Any, ...] | list[Any], prefix: str = "") -> str:
    """A pydantic error location as a path: `conditions.hip[0].when` (indexes in brackets)."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = str(part)[:_PART_LIMIT]
            out += f".{name}" if out else name
    return out


def problem_body(
    status: int, detail: str, errors: Sequence[tuple[str, str]] = ()
) -> dict[str, Any]:
    """An RFC 9457 problem+json body: the one builder of the web app, its middleware and the CDS
    service, so both name things alike. `errors` are (path, message) pairs; each with a path
    becomes `{"path": "profile.age", "detail": message}` (an extension member, RFC 9457 §3.2)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": PROBLEM_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    named = [{"path": path, "detail": message} for path, message in errors if path]
    if named:
        body["errors"] = named
    return body


def brief(value: Any, limit: int = 60) -> str:
    """repr(value) cut to `limit` characters: a message names the input, never echoes it whole."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class KeuzewijsError(Exception):
    """Base of every error a user can cause."""

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def one_line(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.message}".replace("\n", " ")


class UnknownConditionError(KeuzewijsError):
    """A condition id that no knowledge pack provides."""


class ProfileError(KeuzewijsError):
    """A patient profile that does not fit the pack's profile schema."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        path, message = errors[0]
        extra = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(message + extra, path=path)


class KnowledgeError(KeuzewijsError):
    """A knowledge pack that is malformed or inconsistent."""


class InputFormatError(KeuzewijsError):
    """Input that cannot be parsed at all (malformed JSON/YAML/CSV)."""


class InputLimitError(InputFormatError):
    """Input over a size limit (body, nesting depth, string length, digits): 413 or 400, exit 2."""

    def __init__(self, message: str, *, path: str = "", status: int = 400) -> None:
        super().__init__(message, path=path)
        self.status = status


class EvidenceError(KeuzewijsError, ValueError):
    """Arguments the evidence layer cannot compute with (an unknown measure or method, no study,
    a risk outside 0-1). Also a ValueError, what these numerical functions raised before."""


# Errors of the boundary layers, here so the whole hierarchy is in one place.
class SettingsError(KeuzewijsError):
    """An environment variable with a value that is not allowed."""


class FhirExportError(KeuzewijsError):
    """An exported resource that does not validate: a bug in the exporter or the pack data."""


class DecisionNotFound(KeuzewijsError):
    """No stored decision has this code."""


class BadCode(KeuzewijsError):
    """A code that cannot be one of ours (wrong length or characters)."""


class InvalidChoice(KeuzewijsError):
    """A decision's chosen option that is not an option or action of its advice."""


class TooManyRequests(KeuzewijsError):
    """A rate limit or quota reached; `retry_after` seconds until a retry can succeed."""

    def __init__(self, message: str, *, retry_after: int, path: str = "") -> None:
        super().__init__(message, path=path)
        self.retry_after = retry_after


class HookProblem(KeuzewijsError):
    """A CDS Hooks request the service refuses, with its HTTP status (answered by cds/problems)."""

    def __init__(self, status: int, message: str, *, path: str = "") -> None:
        super().__init__(message, path=path)
        self.status = status
