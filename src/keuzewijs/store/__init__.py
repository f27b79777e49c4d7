"""Stored decisions: SQLAlchemy 2 models, Alembic migrations inside the package, a small
repository."""
