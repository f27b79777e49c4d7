"""The clinician view of fresh advice: the same state as the advice page, shown for the
clinician (the stored decision's clinician view is in decision.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from keuzewijs.errors import ProfileError
from keuzewijs.profile_link import read_profile_token

from ..context import ctx
from ..pages_render import render
from ..weighing import weights_from_form
from .advice import posted_advice, view_from
from .form import condition_page, field_errors
from .state import other_lang, page_lang, see_other, state_query, statements_from

router = APIRouter(include_in_schema=False)


@router.get("/{lang}/c/{condition_id}/clinician", response_class=HTMLResponse)
def clinician_page(
    request: Request, lang: str, condition_id: str, profile: str = ""
) -> HTMLResponse:
    lang = page_lang(lang)
    c = ctx(request)
    pack = c.library.pack(condition_id)
    raw = read_profile_token(profile)
    if raw is None:
        return condition_page(request, lang, pack, {}, {}, status=400, link_error=True)
    try:
        advice = c.advice.advice(pack.id, raw, lang)
    except ProfileError as exc:
        return condition_page(request, lang, pack, raw, field_errors(exc), status=422)
    view, _ = view_from(request, pack, advice, request.query_params)
    return render(
        request,
        "clinician.html",
        lang,
        stored=None,
        view=view,
        pack=pack,
        back_url=f"/{lang}/c/{pack.id}?{request.url.query}",
        site=c.site_for(pack.id),
        switch_url=f"/{other_lang(lang)}/c/{pack.id}/clinician?{request.url.query}",
    )


@router.post("/{lang}/c/{condition_id}/clinician")
async def clinician_post(request: Request, lang: str, condition_id: str) -> Response:
    lang = page_lang(lang)
    pack, form, advice = await posted_advice(request, lang, condition_id)
    if isinstance(advice, Response):
        return advice
    try:
        weights = weights_from_form(form, advice)
    except ProfileError:
        weights = {}
    query = state_query(advice.profile, weights, statements_from(form, pack))
    return see_other(f"/{lang}/c/{pack.id}/clinician?{query}")
