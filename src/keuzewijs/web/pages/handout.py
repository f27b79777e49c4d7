"""The patient handout: fresh advice printed from the page (`?print=1`, dated today) or a stored
summary as PDF (dated when it was saved, with the QR code that reopens it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from keuzewijs.packs import Pack
from keuzewijs.store.repository import StoredDecision

from ..context import ctx
from ..locale import local_time
from ..pages_render import render
from ..view import AdviceView
from .decision import stored_view
from .state import page_lang

router = APIRouter(include_in_schema=False)


def handout_page(
    request: Request,
    lang: str,
    view: AdviceView,
    pack: Pack | None,
    condition: str,
    *,
    stored: StoredDecision | None,
    current: bool,
    qr: str | None = None,
    **extra: Any,
) -> HTMLResponse:
    """The patient handout: fresh advice printed from the page (`?print=1`, dated today) or a
    stored summary as PDF (dated when it was saved, with the QR code that reopens it)."""
    c = ctx(request)
    printed = stored.created_at if stored else datetime.now(UTC)
    return render(
        request,
        "handout.html",
        lang,
        stored=stored,
        view=view,
        pack=pack,
        current=current,
        site=c.site_for(condition),
        phones=c.site.phones if c.site else [],
        printed_on=local_time(printed, with_time=False),
        qr=qr,
        **extra,
    )


def qr_svg(url: str) -> str:
    """The QR code that reopens a stored summary, as inline SVG (segno; no image files)."""
    import segno

    return str(segno.make(url, error="m").svg_inline(scale=2, border=2, dark="#000"))


@router.get("/{lang}/d/{code}/handout.pdf")
def handout(request: Request, lang: str, code: str, per: str | None = None) -> Response:
    from ..pdf import render_pdf  # WeasyPrint is heavy: load it on the first PDF only

    lang = page_lang(lang)
    stored, view, pack, current = stored_view(request, lang, code, per)
    url = f"{str(request.base_url).rstrip('/')}/{lang}/d/{stored.code}"
    html = handout_page(
        request,
        lang,
        view,
        pack,
        stored.condition,
        stored=stored,
        current=current,
        qr=qr_svg(url),
        reopen_url=url,
    ).body
    return Response(
        render_pdf(bytes(html).decode()),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="keuzewijs-{stored.condition}.pdf"'},
    )
