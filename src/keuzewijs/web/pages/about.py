"""'Over deze keuzehulp' (IPDAS): authors, dates, next review, funding, interests, sources; and
the forest plots of estimates a pack pools from study-level data."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from keuzewijs.packs import Pack

from ..context import ctx
from ..pages_render import render
from .state import other_lang, page_lang

router = APIRouter(include_in_schema=False)


@router.get("/{lang}/c/{condition_id}/about", response_class=HTMLResponse)
def about(request: Request, lang: str, condition_id: str) -> HTMLResponse:
    """'Over deze keuzehulp' (IPDAS): authors, dates, next review, funding, interests, sources."""
    lang = page_lang(lang)
    pack = ctx(request).library.pack(condition_id)
    return render(
        request,
        "about.html",
        lang,
        pack=pack,
        switch_url=f"/{other_lang(lang)}/c/{pack.id}/about",
    )


_FORESTS: dict[
    tuple[str, str, str], str
] = {}  # drawing takes ~0.1 s; the knowledge version keys it


def _forest(pack: Pack, estimate_id: str, title: str) -> str:
    from keuzewijs.evidence.plot import forest_svg  # matplotlib: only when a pack has study data

    key = (pack.knowledge_version, estimate_id, title)
    if key not in _FORESTS:
        _FORESTS[key] = forest_svg(pack.study_results[estimate_id], title)
    return _FORESTS[key]


@router.get("/{lang}/c/{condition_id}/forest/{estimate_id}.svg")
def forest(request: Request, lang: str, condition_id: str, estimate_id: str) -> Response:
    """Forest plot of an estimate the pack pools from study-level data (matplotlib SVG)."""
    lang = page_lang(lang)
    pack = ctx(request).library.pack(condition_id)
    if estimate_id not in pack.study_results:
        raise HTTPException(404, "no study-level data for this estimate")
    title = f"{pack.meta.name.get(lang)}: {estimate_id}"
    return Response(_forest(pack, estimate_id, title), media_type="image/svg+xml")
