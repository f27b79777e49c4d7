"""Configuration from the environment (KEUZEWIJS_*), with safe defaults; fails fast on bad values.

Safe defaults: loopback address, no debug, a local SQLite file. A bad value stops the
program at start with one line naming the variable, never later in a request.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path
from typing import Any, Literal, TypeVar

import pydantic_settings
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from keuzewijs.errors import SettingsError as SettingsError
from keuzewijs.errors import brief


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEUZEWIJS_", extra="ignore", frozen=True)

    database_url: str = Field(
        "sqlite:///var/keuzewijs.db",
        description="SQLAlchemy URL; sqlite:///relative/path or postgresql+psycopg://user@host/db",
    )
    knowledge: Path | None = Field(
        None, description="knowledge folder (default: ./knowledge of this checkout)"
    )
    site: str | None = Field(
        None, description="hospital site id from sites/*.yaml (contact, locations, costs)"
    )
    sites: Path | None = Field(
        None, description="folder of site files (default: sites/ beside the knowledge folder)"
    )
    # Pages choose the number to call now by the time of day. Tests and demonstrations fix the
    # clock here (an ISO time with offset); unset, the real time is used.
    clock: dt.datetime | None = Field(None, description="fixed time for tests and demos")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    debug: bool = False
    # Code look-ups are the only way to reach a stored decision: limit guessing per client.
    lookup_rate_per_minute: int = Field(30, ge=1, le=10_000)
    # FULL: the WAL is fsynced at every commit, so a 201 survives power loss, not only a crash.
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    migrate_on_start: bool = True
    https_only_cookies: bool = False
    # Request limits (the CDS body limit is KEUZEWIJS_CDS_MAX_BODY_BYTES).
    max_body_bytes: int = Field(1_000_000, ge=10_000, le=100_000_000)
    max_header_bytes: int = Field(32_768, ge=4_096, le=1_048_576)
    # Proxies whose X-Forwarded-For/-Proto are believed: comma-separated addresses or networks
    # (e.g. "10.0.0.5,10.1.0.0/16"). Empty: the forwarded headers are ignored, from anyone.
    trusted_proxies: str = ""
    # Worker processes of `keuzewijs serve` (each loads the knowledge; state is in the database).
    workers: int = Field(1, ge=1, le=64)
    # One listening socket shared by the workers instead of a SO_REUSEPORT socket per worker:
    # for hosts where other processes of the same user are not trusted (docs/web.md).
    shared_socket: bool = False
    # A request head (request line + headers) must be complete this many seconds after its
    # first byte (or after the connection opened): a client trickling a header line every few
    # seconds is answered 408 and closed instead of holding a connection forever.
    head_timeout_seconds: float = Field(10.0, gt=0, le=300)
    # Per worker: connections + running requests above this are answered 503 at once (uvicorn
    # limit_concurrency), so one worker never takes on more than it can finish.
    limit_concurrency: int = Field(1000, ge=10, le=100_000)
    # /metrics: on the application port by default (open, like /health); with METRICS_PORT it
    # is only served there (bind it to an address only the scraper reaches); with METRICS_TOKEN
    # a scrape must send `Authorization: Bearer <token>`.
    metrics_port: int | None = Field(None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    metrics_token: str | None = Field(None, min_length=16, max_length=200)
    # Stored decisions: saves per client and minute, saves per day for the whole service (all
    # workers and machines, counted in the database), and how long a decision is kept.
    save_rate_per_minute: int = Field(10, ge=1, le=10_000)
    saves_per_day: int = Field(5_000, ge=1, le=10_000_000)
    retention_days: int = Field(365, ge=1, le=3650)

    @field_validator("clock")
    @classmethod
    def _with_offset(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("give the time with its offset, e.g. 2026-12-07T14:00:00+01:00")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network; give a comma-separated list"
                ) from None
        return value

    @model_validator(mode="after")
    def _metrics_port_of_its_own(self) -> Settings:
        if self.metrics_port is not None and self.metrics_port == self.port:
            raise ValueError("metrics_port must differ from port")
        return self

    @property
    def proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("must start with sqlite:, postgresql: or postgresql+psycopg:")
        return value

    @property
    def sqlalchemy_url(self) -> str:
        # psycopg (v3) is the driver we ship; plain postgresql:// would ask for psycopg2.
        if self.database_url.startswith("postgresql:"):
            return "postgresql+psycopg:" + self.database_url[len("postgresql:") :]
        return self.database_url


S = TypeVar("S", bound=BaseSettings)


def read_settings(cls: type[S], **overrides: Any) -> S:
    """Build any KEUZEWIJS_* settings class; a bad value is a SettingsError naming the variable
    (malformed JSON in a list setting included), never a traceback."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    try:
        return cls(**overrides)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = [str(part) for part in err["loc"]]
        name = prefix + loc[0].upper() if loc else prefix + "*"
        inner = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc[1:])
        got = brief(err.get("input"))
        raise SettingsError(f"{err['msg']} (got {got})", path=name + inner) from None
    except pydantic_settings.SettingsError as exc:  # not ours (keuzewijs.errors.SettingsError)
        # pydantic-settings: 'error parsing value for field "issuers" from source ...'
        field = str(exc).split('"')[1] if str(exc).count('"') >= 2 else "*"
        raise SettingsError("not valid JSON", path=prefix + field.upper()) from None


def load_settings(**overrides: object) -> Settings:
    """Read the environment; raise SettingsError naming the variable when a value is not allowed."""
    return read_settings(Settings, **overrides)
