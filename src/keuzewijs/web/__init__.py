"""The web decision aid: FastAPI app, server-rendered pages, REST API under /api/v1."""

# Nothing is exported from the package itself: its modules are imported by name.
__all__: list[str] = []
