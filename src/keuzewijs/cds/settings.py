"""Configuration of the CDS Hooks service (environment KEUZEWIJS_CDS_*), safe by default:
authentication required, short FHIR timeouts, loopback URLs.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TrustedIssuer(BaseModel):
    """An EHR allowed to call the service, with the keys its JWTs are signed with."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    iss: str = Field(min_length=1)
    jwks_url: str | None = Field(None, pattern=r"^https?://")
    jwks: dict[str, Any] | None = Field(None, description="a static JSON Web Key Set")
    fhir_servers: list[str] = Field(
        default_factory=list,
        description="FHIR base URLs this EHR may send as fhirServer; the service fetches missing "
        "prefetch (with the EHR's token) only from these",
    )

    @model_validator(mode="after")
    def _one_key_source(self) -> TrustedIssuer:
        if (self.jwks_url is None) == (self.jwks is None):
            raise ValueError("give exactly one of jwks_url or jwks")
        return self

    @field_validator("jwks")
    @classmethod
    def _usable_keys(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        """A static key set must hold a key we can verify with: found at start, not at the
        first hook call (PyJWT skips keys of unknown type or algorithm)."""
        if value is None:
            return value
        from jwt import PyJWKSet
        from jwt.exceptions import PyJWKError, PyJWKSetError

        try:
            PyJWKSet.from_dict(value)
        except (PyJWKSetError, PyJWKError) as exc:
            raise ValueError(f"no usable key in this JWK Set ({exc})") from None
        return value


class CdsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEUZEWIJS_CDS_", extra="ignore", frozen=True)

    public_base_url: str = Field(
        "http://127.0.0.1:8000", description="this service's URL as the EHR calls it (JWT aud)"
    )
    decision_aid_url: str = Field(
        "{base}/{lang}/c/{condition}?profile={profile}",
        description="link to the decision aid prefilled with the profile (base64url JSON)",
    )
    knowledge_page_url: str = Field("{base}/{lang}/c/{condition}", description="card source URL")
    print_url: str = Field(
        "{base}/{lang}/c/{condition}?profile={profile}&print=1", description="patient handout"
    )
    lang: Literal["nl", "en"] = "nl"
    require_auth: bool = True
    issuers: list[TrustedIssuer] = Field(default_factory=list)
    jwt_leeway_seconds: int = Field(30, ge=0, le=300)
    # The spec asks EHRs to issue JWTs that expire within 5 minutes; longer ones are refused so
    # the jti replay cache stays small.
    jwt_max_lifetime_seconds: int = Field(300, ge=10, le=3600)
    fhir_timeout_seconds: float = Field(3.0, gt=0, le=30)
    fhir_max_pages: int = Field(5, ge=1, le=50)
    fhir_max_response_bytes: int = Field(5_000_000, ge=10_000, le=100_000_000)
    fhir_servers_without_auth: list[str] = Field(
        default_factory=list,
        description="allowed fhirServer base URLs when require_auth is off (development, tests)",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="browser origins allowed to call the CDS endpoints (e.g. the CDS Hooks "
        "sandbox, https://sandbox.cds-hooks.org); empty: no CORS headers",
    )
    max_body_bytes: int = Field(2_000_000, ge=10_000)
    pama_qcdsm_id: str | None = Field(
        None, description="CMS G-code of this qualified CDS mechanism, when used in the US"
    )
