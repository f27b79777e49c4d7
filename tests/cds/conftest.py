"""A FastAPI app holding only the CDS router (the web app includes the same router).

Requests go through httpx's ASGI transport (starlette's TestClient warns about httpx).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from keuzewijs.cds import CdsService
from keuzewijs.cds.router import CdsCors
from keuzewijs.cds.settings import CdsSettings
from keuzewijs.cds.store import FeedbackStore, MemoryFeedbackStore
from keuzewijs.packs.loader import Library

from .card_rules import check_response
from .jwt_keys import ec_key, rsa_key
from .requests import NOW

CHECKED = {"responses": 0, "cards": 0}

BASE = "http://testserver"


class Client:
    """A small synchronous client over httpx.ASGITransport; `feedback` is the store the service
    saves card feedback to."""

    def __init__(self, app: FastAPI, feedback: FeedbackStore):
        self.app, self.feedback = app, feedback

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=self.app), base_url=BASE
            ) as client:
                return await client.request(method, url, **kwargs)

        response = asyncio.run(go())
        _check_cards(method, url, response)
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


def _check_cards(method: str, url: str, response: httpx.Response) -> None:
    """Every hook answer a test receives is checked against the CDS Hooks 2.0.1 card rules."""
    path = url.split("?")[0].rstrip("/")
    if method != "POST" or not path.startswith("/cds-services/") or path.endswith("/feedback"):
        return
    if response.status_code != 200:
        return
    body = response.json()
    broken = check_response(body)
    assert not broken, f"CDS Hooks card rules broken: {broken}"
    CHECKED["responses"] += 1
    CHECKED["cards"] += len(body["cards"])


FHIR_SERVER = "https://ehr.example.org/fhir"


def make_client(library: Library, **kwargs: Any) -> Client:
    settings = kwargs.pop("settings", None) or CdsSettings(
        require_auth=False, public_base_url=BASE, fhir_servers_without_auth=[FHIR_SERVER]
    )
    feedback = kwargs.pop("feedback_store", None)
    feedback = MemoryFeedbackStore() if feedback is None else feedback
    app = FastAPI()
    service = CdsService(
        settings, library=library, clock=lambda: NOW, feedback_store=feedback, **kwargs
    )
    app.include_router(service.router)
    app.add_middleware(CdsCors, origins=settings.cors_origins)
    return Client(app, feedback)


@pytest.fixture(scope="session")
def keys() -> dict[str, Any]:
    """An RSA and an EC signing key (made once: key generation is the slow part of JWT tests)."""
    return {"RS384": rsa_key(), "ES384": ec_key()}


@pytest.fixture
def client(library: Library) -> Client:
    return make_client(library)


@pytest.fixture
def client_factory(library: Library) -> Callable[..., Client]:
    return lambda **kw: make_client(library, **kw)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if CHECKED["responses"]:
        terminalreporter.write_line(
            f"CDS Hooks card rules: {CHECKED['cards']} cards in "
            f"{CHECKED['responses']} hook answers checked, none broken"
        )
