"""CDS Hooks 2.0 request and response shapes (pydantic), so a malformed request names its field.

Request: https://cds-hooks.hl7.org/2.0/#http-request-1 ; response: #cds-service-response.
Unknown top-level request keys are allowed (the spec allows extensions); context fields are
checked per hook in `context_fields`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator


class FhirAuthorization(BaseModel):
    model_config = ConfigDict(extra="allow")
    access_token: str = Field(min_length=1)
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    subject: str


_HOST = r"[A-Za-z0-9\-._~%!$&'()*+,;=:\[\]]+"
_PATH = r"[A-Za-z0-9\-._~%!$&'()*+,;=:@/]*"


class HookRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    hook: str = Field(min_length=1)
    hookInstance: UUID
    # A host after the scheme: "http://" alone is no server (the schema said it was). The host
    # is spelled with RFC 3986 authority characters, not `\s`: JSON Schema's (ECMA) `\s` and
    # pydantic's differ (U+0085, U+FEFF), so schemathesis found a schema-valid host we refused.
    # No user:password@ in the host; a path, but no query or fragment, in a FHIR base URL.
    fhirServer: str | None = Field(None, pattern=rf"^https?://{_HOST}(?:/{_PATH})?$")
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None


# Required context fields per hook (CDS Hooks hook definitions, patient-view 1.0, order-select 1.0,
# order-sign 1.1, encounter-discharge 1.0).
CONTEXT_FIELDS: dict[str, dict[str, type]] = {
    "patient-view": {"userId": str, "patientId": str},
    "order-select": {"userId": str, "patientId": str, "selections": list, "draftOrders": dict},
    "order-sign": {"userId": str, "patientId": str, "draftOrders": dict},
    "encounter-discharge": {"userId": str, "patientId": str, "encounterId": str},
}


class CdsOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class Coding(CdsOut):
    code: str
    system: str | None = None
    display: str | None = None


class CardSource(CdsOut):
    label: str
    url: str | None = None
    topic: Coding | None = None


class Action(CdsOut):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: str | None = None  # a relative reference (CDS Hooks 2.0.1 Action.resourceId)


class Suggestion(CdsOut):
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[Action] = Field(default_factory=list)


class Link(CdsOut):
    label: str
    url: str
    type: Literal["absolute", "smart"]
    appContext: str | None = None


class Card(CdsOut):
    uuid: str
    summary: str = Field(max_length=139)  # "<140-character" (CDS Hooks 2.0.1)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: CardSource
    suggestions: list[Suggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[Coding] | None = None
    links: list[Link] | None = None
    # Names the rule and (for orders) the draft order a card is about: CDS Hooks extensions.
    extension: dict[str, Any] | None = None


class HookResponse(CdsOut):
    cards: list[Card]
    systemActions: list[Action] | None = None
    # CDS Hooks extension object: `nl.keuzewijs.unrecognised-orders` lists the draft orders
    # whose code matches no order value set (no rating given). docs/cds-hooks.md.
    extension: dict[str, Any] | None = None


class ServiceDescription(CdsOut):
    hook: str
    title: str
    description: str
    id: str
    prefetch: dict[str, str]
    usageRequirements: str | None = None


class Discovery(CdsOut):
    services: list[ServiceDescription]


class OverrideReasonFeedback(BaseModel):
    model_config = ConfigDict(extra="allow")
    reason: Coding | None = None
    userComment: str | None = Field(None, max_length=2000)


class AcceptedSuggestion(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str


# An ISO 8601 instant that is a real one, in the pattern itself, so that the OpenAPI schema
# admits exactly what the service accepts (it once allowed 2026-02-30, which was then refused):
# year 0001-9999, days per month, 29 February in leap years, hours 00-23, an offset. Digits are
# [0-9], not \d, which is Unicode digits to pydantic and ASCII to JSON Schema.
_YEAR = r"(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_LEAP = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_HH_MM = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
_TIME = rf"{_HH_MM}(?::[0-5][0-9](?:\.[0-9]{{1,6}})?)?(?:Z|[+-]{_HH_MM})"
INSTANT = rf"^(?:{_YEAR}-{_MONTH_DAY}|{_LEAP}-02-29)T{_TIME}$"


class FeedbackItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    card: UUID
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = None
    overrideReason: OverrideReasonFeedback | None = None
    outcomeTimestamp: str = Field(pattern=INSTANT)

    @field_validator("outcomeTimestamp")
    @classmethod
    def _a_real_instant(cls, value: str) -> str:
        # the pattern admits 0000-00-00T00:00Z, which is no date (found by schemathesis)
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("must be a real date and time (ISO 8601)") from None
        return value


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    feedback: list[FeedbackItem] = Field(min_length=1, max_length=100)
