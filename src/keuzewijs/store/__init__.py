"""Stored decisions: SQLAlchemy 2 models, Alembic migrations inside the package, a small
repository."""

# Nothing is exported from the package itself: its modules are imported by name.
__all__: list[str] = []
