"""Configuration from the environment (KEUZEWIJS_*), with safe defaults; fails fast on bad values.

Safe defaults: loopback address, no debug, a local SQLite file. A bad value stops the
program at start with one line naming the variable, never later in a request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from keuzewijs.errors import KeuzewijsError


class SettingsError(KeuzewijsError):
    """An environment variable with a value that is not allowed."""


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
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    debug: bool = False
    # Code look-ups are the only way to reach a stored decision: limit guessing per client.
    lookup_rate_per_minute: int = Field(30, ge=1, le=10_000)
    # FULL: the WAL is fsynced at every commit, so a 201 survives power loss, not only a crash.
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    migrate_on_start: bool = True
    https_only_cookies: bool = False

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


def load_settings(**overrides: object) -> Settings:
    """Read the environment; raise SettingsError naming the variable when a value is not allowed."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        name = "KEUZEWIJS_" + str(err["loc"][0]).upper() if err["loc"] else "KEUZEWIJS_*"
        raise SettingsError(f"{err['msg']} (got {err.get('input')!r})", path=name) from None
