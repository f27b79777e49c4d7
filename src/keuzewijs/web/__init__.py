"""The web decision aid: FastAPI app, server-rendered pages, REST API under /api/v1."""
