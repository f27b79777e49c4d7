"""The advice (steps c-f): `GET /{lang}/c/{id}` shows the form, or with `?profile=` the advice
for those answers (from a form post or an EHR card); its own form posts 'show what fits' or
'save' to `/go` (or `/save`), answered with 303."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from keuzewijs.engine.contract import Advice
from keuzewijs.errors import InvalidChoice, ProfileError
from keuzewijs.packs import Pack
from keuzewijs.profile_link import profile_token, read_profile_token

from ..context import ctx
from ..decisions import save_decision
from ..forms import parse_profile
from ..icons import parse_per
from ..pages_render import render
from ..view import AdviceView, build_view
from ..weighing import weights_from_form
from .form import condition_page, field_errors
from .handout import handout_page
from .state import (
    other_lang,
    page_lang,
    posted_form,
    see_other,
    state_query,
    statements_from,
    sure_from,
)

router = APIRouter(include_in_schema=False)


@router.get("/{lang}/c/{condition_id}", response_class=HTMLResponse)
def condition(
    request: Request,
    lang: str,
    condition_id: str,
    profile: str | None = None,
    edit: str | None = None,
    printable: str | None = Query(None, alias="print"),
) -> HTMLResponse:
    """The form; with `?profile=` the advice for that profile (from a form post or an EHR card);
    with `&edit=1` the form filled in with it; with `&print=1` the printable patient version."""
    lang = page_lang(lang)
    c = ctx(request)
    pack = c.library.pack(condition_id)
    query = request.query_params
    if profile is None:
        typed = parse_profile(pack, query) if edit == "1" else {}  # the language switch's answers
        return condition_page(request, lang, pack, typed, {})
    raw = read_profile_token(profile)
    if raw is None:
        return condition_page(request, lang, pack, {}, {}, status=400, link_error=True)
    if edit == "1":
        return condition_page(request, lang, pack, raw, {})
    try:
        advice = c.advice.advice(pack.id, raw, lang)
    except ProfileError as exc:
        return condition_page(request, lang, pack, raw, field_errors(exc), status=422)
    if printable == "1":
        view = build_view(advice, pack, c.texts, parse_per(None), {}, None)
        return handout_page(
            request, lang, view, pack, pack.id, stored=None, current=True, print_page=True
        )
    return advice_page(request, lang, pack, advice, query)


def view_from(
    request: Request, pack: Pack, advice: Advice, query: Any
) -> tuple[AdviceView, dict[str, str]]:
    weight_errors: dict[str, str] = {}
    try:
        weights = weights_from_form(query, advice)
    except ProfileError as exc:
        weights = {}
        weight_errors = {p.split(".", 1)[1]: m for p, m in exc.errors}
    statements = statements_from(query, pack)
    # the option ticked on the page, carried by the language switch (an unknown id is ignored)
    chosen = query.get("chosen") or None
    if chosen not in {o.id for o in advice.options}:
        chosen = None
    view = build_view(
        advice,
        pack,
        ctx(request).texts,
        parse_per(query.get("per")),
        weights,
        chosen,
        {"statements": statements, "sure": sure_from(query)},
    )
    return view, weight_errors


def advice_page(
    request: Request, lang: str, pack: Pack, advice: Advice, query: Any, choice_error: bool = False
) -> HTMLResponse:
    c = ctx(request)
    view, weight_errors = view_from(request, pack, advice, query)
    said = {s.id: s.answer for s in view.statements if s.answer}
    state = state_query(advice.profile, view.weights, said, None, view.sure)
    return render(
        request,
        "advice.html",
        lang,
        status=422 if weight_errors or choice_error else 200,
        pack=pack,
        view=view,
        token=profile_token(advice.profile),
        state=state,
        state_per=state_query(advice.profile, view.weights, said, view.per, view.sure),
        weight_errors=weight_errors,
        choice_error=choice_error,
        site=c.site_for(pack.id),
        phones=c.site.phones if c.site else [],
        switch_url=f"/{other_lang(lang)}/c/{pack.id}?{request.url.query}",
    )


async def posted_advice(
    request: Request, lang: str, condition_id: str
) -> tuple[Pack, Any, Advice | Response]:
    """Advice for a posted state: the hidden `profile` token, or (older forms, API-like posts)
    the profile's own `p.<field>` inputs."""
    c = ctx(request)
    pack = c.library.pack(condition_id)
    form = await posted_form(request)
    token = form.get("profile")
    raw = read_profile_token(str(token)) if token else parse_profile(pack, form)
    if raw is None:
        return pack, form, condition_page(request, lang, pack, {}, {}, 400, link_error=True)
    try:
        return pack, form, c.advice.advice(pack.id, raw, lang)
    except ProfileError as exc:
        return pack, form, condition_page(request, lang, pack, raw, field_errors(exc), 422)


@router.post("/{lang}/c/{condition_id}/go")
async def go(request: Request, lang: str, condition_id: str) -> Response:
    """The advice page's form: 'show what fits' (303 to the page with these answers) or save."""
    return await _go(request, lang, condition_id, save=False)


@router.post("/{lang}/c/{condition_id}/save")
async def save(request: Request, lang: str, condition_id: str) -> Response:
    """Save straight away (forms that post here rather than with `do=save` to /go)."""
    return await _go(request, lang, condition_id, save=True)


async def _go(request: Request, lang: str, condition_id: str, save: bool) -> Response:
    lang = page_lang(lang)
    pack, form, advice = await posted_advice(request, lang, condition_id)
    if isinstance(advice, Response):
        return advice
    if save or form.get("do") == "save":
        return _save(request, lang, pack, form, advice)
    try:
        weights = weights_from_form(form, advice)
    except ProfileError:
        return advice_page(request, lang, pack, advice, form)
    query = state_query(
        advice.profile,
        weights,
        statements_from(form, pack),
        parse_per(form.get("per")),
        sure_from(form),
    )
    return see_other(f"/{lang}/c/{pack.id}?{query}#e-h")


def _save(request: Request, lang: str, pack: Pack, form: Any, advice: Advice) -> Response:
    """Save through the API's own path (save_decision): a bad weight or a choice the advice does
    not offer comes back next to its field (422), and nothing is saved."""
    ctx(request).save_limiter.check(request)  # 429 page with Retry-After above the rate
    answers: dict[str, Any] = {}
    if sure := sure_from(form):
        answers["sure"] = sure
    if statements := statements_from(form, pack):
        answers["statements"] = statements
    try:
        weights = weights_from_form(form, advice)
        saved = save_decision(
            ctx(request).store,
            advice,
            weights=weights,
            chosen_option=form.get("chosen") or None,
            answers=answers or None,
        )
    except ProfileError:
        return advice_page(request, lang, pack, advice, form)
    except InvalidChoice:
        return advice_page(request, lang, pack, advice, form, choice_error=True)
    return see_other(f"/{lang}/d/{saved.code}?saved=1")
