"""Alembic migrations of keuzewijs.store."""

# Nothing is exported from the package itself: its modules are imported by name.
__all__: list[str] = []
