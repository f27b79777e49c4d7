"""Stored decisions: reopen by code, the summary (in either language while the knowledge is
unchanged), and its clinician view."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from keuzewijs.engine import advise_pack
from keuzewijs.engine.contract import Advice
from keuzewijs.errors import KeuzewijsError
from keuzewijs.packs import Pack
from keuzewijs.store.repository import BadCode, DecisionNotFound, StoredDecision, normalise_code

from ..context import ctx
from ..icons import parse_per
from ..locale import local_time
from ..pages_render import render
from ..view import build_view
from .state import other_lang, page_lang, posted_form, see_other

router = APIRouter(include_in_schema=False)


@router.post("/{lang}/open", response_class=HTMLResponse)
async def open_code(request: Request, lang: str) -> Response:
    lang = page_lang(lang)
    c = ctx(request)
    form = await posted_form(request)
    c.limiter.check(request)
    typed = str(form.get("code", ""))[:200]
    try:
        code = normalise_code(typed)
        c.store.get(code)
    except (BadCode, DecisionNotFound) as exc:
        # A redirect, not an error page as the answer to a POST: on a phone the start page
        # opens on the field and its message (#code), and Reload does not post again.
        problem = "bad" if isinstance(exc, BadCode) else "not_found"
        query = urlencode({"code_error": problem, "code": typed})  # what was typed stays
        return see_other(f"/{lang}/?{query}#code")
    return see_other(f"/{lang}/d/{code}")


def _stored(
    request: Request, lang: str, code: str
) -> tuple[StoredDecision, Advice, Pack | None, bool]:
    """The stored decision and the advice to show: the snapshot, or the same knowledge version
    re-rendered in the other language. `current` tells whether the knowledge is unchanged."""
    c = ctx(request)
    c.limiter.check(request)
    stored = c.store.get(code)
    snapshot = Advice.model_validate(stored.advice)
    pack = c.library.packs.get(stored.condition)
    current = pack is not None and pack.knowledge_version == stored.knowledge_version
    if lang != snapshot.lang and current and pack is not None:
        try:
            return stored, advise_pack(c.library, pack, stored.profile, lang), pack, current
        except KeuzewijsError:  # pragma: no cover - the same version validated this profile before
            pass
    return stored, snapshot, pack, current


def stored_view(request: Request, lang: str, code: str, per: str | None) -> tuple[Any, ...]:
    stored, advice, pack, current = _stored(request, lang, code)
    view = build_view(
        advice,
        pack,
        ctx(request).texts,
        parse_per(per),
        stored.weights,
        stored.chosen_option,
        stored.answers,
    )
    return stored, view, pack, current


@router.get("/{lang}/d/{code}", response_class=HTMLResponse)
def decision(
    request: Request, lang: str, code: str, per: str | None = None, saved: str | None = None
) -> HTMLResponse:
    lang = page_lang(lang)
    stored, view, pack, current = stored_view(request, lang, code, per)
    c = ctx(request)
    return render(
        request,
        "decision.html",
        lang,
        stored=stored,
        saved_on=local_time(stored.created_at),
        view=view,
        pack=pack,
        current=current,
        just_saved=saved == "1",
        site=c.site_for(stored.condition),
        phones=c.site.phones if c.site else [],
        switch_url=f"/{other_lang(lang)}/d/{stored.code}",
        retention_days=c.settings.retention_days,
    )


@router.post("/{lang}/d/{code}/delete")
async def delete(request: Request, lang: str, code: str) -> Response:
    """Erase the stored decision (the patient's right to erasure): the form's confirmation box
    must be ticked; then 303 to the start page, which says it is gone."""
    lang = page_lang(lang)
    c = ctx(request)
    form = await posted_form(request)  # CSRF checked
    c.limiter.check(request)  # a code guess like a look-up
    if form.get("confirm") != "yes":
        return see_other(f"/{lang}/d/{normalise_code(code)}")
    c.store.delete(code)  # BadCode 422, DecisionNotFound 404: the error page
    return see_other(f"/{lang}/?deleted=1")


@router.get("/{lang}/d/{code}/clinician", response_class=HTMLResponse)
def decision_clinician(
    request: Request, lang: str, code: str, per: str | None = None
) -> HTMLResponse:
    lang = page_lang(lang)
    stored, view, pack, _current = stored_view(request, lang, code, per)
    return render(
        request,
        "clinician.html",
        lang,
        stored=stored,
        view=view,
        pack=pack,
        back_url=f"/{lang}/d/{stored.code}",
        site=ctx(request).site_for(stored.condition),
        switch_url=f"/{other_lang(lang)}/d/{stored.code}/clinician",
    )
