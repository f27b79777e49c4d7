"""The start page: every condition, and the field to reopen a saved decision by its code."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..context import ctx
from ..pages_render import render
from .state import other_lang, page_lang

router = APIRouter(include_in_schema=False)


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/nl/", status_code=307)


def start_page(
    request: Request, lang: str, code_error: str | None = None, typed: str = "", status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "start.html",
        lang,
        status=status,
        packs=list(ctx(request).library.packs.values()),
        code_error=code_error,
        typed_code=typed,
        switch_url=f"/{other_lang(lang)}/",
    )


@router.get("/{lang}/", response_class=HTMLResponse)
def start(request: Request, lang: str) -> HTMLResponse:
    return start_page(request, page_lang(lang))
