"""Alembic revisions, one module each."""

# Nothing is exported from the package itself: its modules are imported by name.
__all__: list[str] = []
