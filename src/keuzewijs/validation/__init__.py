"""Checks on the knowledge base beyond its schema: vignettes (the clinical specification) and
coverage."""

# Nothing is exported from the package itself: its modules are imported by name.
__all__: list[str] = []
