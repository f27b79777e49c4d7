"""'Over deze keuzehulp' (IPDAS): authors, dates, next review, funding, interests, sources; and
the forest plots of estimates a pack pools from study-level data."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from keuzewijs.packs import Pack

from ..clinician_lines import estimate_outcome, forest_labels
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
    tuple[str, str, str, str], str
] = {}  # drawing takes ~0.1 s; the knowledge version keys it


def _forest(pack: Pack, estimate_id: str, title: str, labels: dict[str, str], lang: str) -> str:
    from keuzewijs.evidence.plot import forest_svg  # matplotlib: only when a pack has study data

    key = (pack.knowledge_version, estimate_id, title, lang)
    if key not in _FORESTS:
        _FORESTS[key] = forest_svg(pack.study_results[estimate_id], title, labels, lang)
    return _FORESTS[key]


def _plot_title(pack: Pack, estimate_id: str, lang: str) -> str:
    """The condition and the outcome the estimate is about, in words (not the estimate's id)."""
    _, outcome = estimate_outcome(pack, estimate_id)
    about = outcome.name.get(lang) if outcome is not None else estimate_id
    return f"{pack.meta.name.get(lang)}: {about}"


@router.get("/{lang}/c/{condition_id}/forest/{estimate_id}.svg")
def forest(request: Request, lang: str, condition_id: str, estimate_id: str) -> Response:
    """Forest plot of an estimate the pack pools from study-level data (matplotlib SVG), in the
    page's language."""
    lang = page_lang(lang)
    c = ctx(request)
    pack = c.library.pack(condition_id)
    if estimate_id not in pack.study_results:
        raise HTTPException(404, "no study-level data for this estimate")
    labels = forest_labels(c.texts, lang)
    svg = _forest(pack, estimate_id, _plot_title(pack, estimate_id, lang), labels, lang)
    return Response(svg, media_type="image/svg+xml")
