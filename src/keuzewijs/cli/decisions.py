"""`keuzewijs decisions purge`: delete the stored decisions older than the retention period
(KEUZEWIJS_RETENTION_DAYS, default 365). `serve` does the same at start-up and now and then
while saving; this command is for a daily cron job or systemd timer."""

from __future__ import annotations

from typing import Annotated

import typer

from .errors import user_errors

decisions = typer.Typer(help="Stored decisions: retention.", no_args_is_help=True)


@decisions.command("purge")
@user_errors
def purge(
    retention_days: Annotated[
        int | None,
        typer.Option(help="keep this many days (default: $KEUZEWIJS_RETENTION_DAYS or 365)"),
    ] = None,
) -> None:
    """Delete the stored decisions older than the retention period; print how many."""
    from keuzewijs.settings import load_settings
    from keuzewijs.store.db import check_database, make_engine, session_factory
    from keuzewijs.store.migrate import upgrade
    from keuzewijs.store.repository import DecisionStore

    overrides: dict[str, object] = {}
    if retention_days is not None:
        overrides["retention_days"] = retention_days
    settings = load_settings(**overrides)
    check_database(settings)
    engine = make_engine(settings)
    try:
        upgrade(engine)
        store = DecisionStore(session_factory(engine), retention_days=settings.retention_days)
        deleted = store.purge()
    finally:
        engine.dispose()
    print(f"deleted {deleted} decisions older than {settings.retention_days} days")
