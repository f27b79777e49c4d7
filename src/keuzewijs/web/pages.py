"""Server-rendered pages: start, the guided decision aid, stored decisions, clinician view, PDF.

Every step is a plain form post carrying the profile in hidden fields: no JavaScript and no
server session needed. The one exception is the link an EHR card opens (CDS Hooks): it carries
the profile the EHR already holds as `?profile=<base64url JSON>` (findings only, never a name or
identifier), so that the clinician lands on this patient's advice; `&print=1` gives the printable
patient version.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from keuzewijs.engine.advise import advise_pack
from keuzewijs.engine.contract import Advice
from keuzewijs.errors import KeuzewijsError, ProfileError
from keuzewijs.packs.loader import Pack
from keuzewijs.profile_link import read_profile_token
from keuzewijs.store.repository import BadCode, DecisionNotFound, StoredDecision, normalise_code

from .context import WebContext, ctx
from .forms import field_of, form_fields, parse_profile
from .icons import parse_per
from .pages_render import LANGS, render
from .security import CSRF_FIELD, check_csrf
from .view import build_view, hidden_profile
from .weighing import weights_from_form

router = APIRouter(include_in_schema=False)


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise HTTPException(404, "no such page")
    return lang


def _units(c: WebContext, lang: str) -> dict[str, str]:
    return {
        k.split(".", 1)[1]: v.get(lang)
        for k, v in c.texts.items()
        if k.startswith("unit.") and k.count(".") == 1
    }


async def _form(request: Request) -> Any:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    return form


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/nl/", status_code=307)


@router.get("/{lang}/", response_class=HTMLResponse)
def start(request: Request, lang: str) -> HTMLResponse:
    lang = _lang(lang)
    return render(
        request,
        "start.html",
        lang,
        packs=list(ctx(request).library.packs.values()),
        code_error=None,
    )


def _condition_page(
    request: Request,
    lang: str,
    pack: Pack,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    link_error: bool = False,
) -> HTMLResponse:
    c = ctx(request)
    fields = form_fields(pack, lang, values, errors, _units(c, lang))
    return render(
        request,
        "condition.html",
        lang,
        status=status,
        pack=pack,
        fields=fields,
        errors=errors,
        site=c.site_for(pack.id),
        switch_url=f"/{'en' if lang == 'nl' else 'nl'}/c/{pack.id}",
        link_error=link_error,
    )


def _field_errors(exc: ProfileError) -> dict[str, str]:
    """The first message per form field, to show next to it."""
    errors: dict[str, str] = {}
    for path, message in exc.errors:
        errors.setdefault(field_of(path), message)
    return errors


@router.get("/{lang}/c/{condition_id}", response_class=HTMLResponse)
def condition(
    request: Request,
    lang: str,
    condition_id: str,
    profile: str | None = None,
    printable: str | None = Query(None, alias="print"),
) -> HTMLResponse:
    lang = _lang(lang)
    c = ctx(request)
    pack = c.library.pack(condition_id)
    if profile is None:
        return _condition_page(request, lang, pack, {}, {})
    raw = read_profile_token(profile)
    if raw is None:
        return _condition_page(request, lang, pack, {}, {}, status=400, link_error=True)
    try:
        advice = c.advice.advice(pack.id, raw, lang)
    except ProfileError as exc:
        return _condition_page(request, lang, pack, raw, _field_errors(exc), status=422)
    if printable == "1":
        view = build_view(advice, pack, c.texts, parse_per(None), {}, None)
        return render(
            request,
            "handout.html",
            lang,
            stored=None,
            view=view,
            pack=pack,
            current=True,
            site=c.site_for(pack.id),
            printed_on=datetime.now(UTC).strftime("%Y-%m-%d"),
            print_page=True,
            unweighed=True,
        )  # printed from the EHR: nobody has weighed yet
    return _advice_page(request, lang, pack, FormData(), advice)


@router.post("/{lang}/c/{condition_id}/edit", response_class=HTMLResponse)
async def edit(request: Request, lang: str, condition_id: str) -> HTMLResponse:
    lang = _lang(lang)
    pack = ctx(request).library.pack(condition_id)
    form = await _form(request)
    return _condition_page(request, lang, pack, parse_profile(pack, form), {})


async def _advice_from_form(
    request: Request, lang: str, condition_id: str
) -> tuple[Pack, Any, Advice | HTMLResponse]:
    c = ctx(request)
    pack = c.library.pack(condition_id)
    form = await _form(request)
    raw = parse_profile(pack, form)
    try:
        return pack, form, c.advice.advice(pack.id, raw, lang)
    except ProfileError as exc:
        return pack, form, _condition_page(request, lang, pack, raw, _field_errors(exc), status=422)


def _advice_page(
    request: Request,
    lang: str,
    pack: Pack,
    form: Any,
    advice: Advice,
    template: str = "advice.html",
) -> HTMLResponse:
    c = ctx(request)
    weight_errors: dict[str, str] = {}
    try:
        weights = weights_from_form(dict(form), advice)
    except ProfileError as exc:
        weights = {}
        weight_errors = {p.split(".", 1)[1]: m for p, m in exc.errors}
    chosen = form.get("chosen") or None
    view = build_view(
        advice, pack, c.texts, parse_per((form.getlist("per") or [None])[-1]), weights, chosen
    )
    return render(
        request,
        template,
        lang,
        status=422 if weight_errors else 200,
        pack=pack,
        view=view,
        hidden=hidden_profile(advice.profile),
        weight_errors=weight_errors,
        site=c.site_for(pack.id),
        switch_action=f"/{'en' if lang == 'nl' else 'nl'}/c/{pack.id}",
    )


@router.post("/{lang}/c/{condition_id}", response_class=HTMLResponse)
async def advice_page(request: Request, lang: str, condition_id: str) -> HTMLResponse:
    lang = _lang(lang)
    pack, form, result = await _advice_from_form(request, lang, condition_id)
    if isinstance(result, HTMLResponse):
        return result
    return _advice_page(request, lang, pack, form, result)


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
    lang = _lang(lang)
    pack = ctx(request).library.pack(condition_id)
    if estimate_id not in pack.study_results:
        raise HTTPException(404, "no study-level data for this estimate")
    title = f"{pack.meta.name.get(lang)}: {estimate_id}"
    return Response(_forest(pack, estimate_id, title), media_type="image/svg+xml")


@router.post("/{lang}/c/{condition_id}/clinician", response_class=HTMLResponse)
async def clinician_page(request: Request, lang: str, condition_id: str) -> HTMLResponse:
    lang = _lang(lang)
    pack, form, result = await _advice_from_form(request, lang, condition_id)
    if isinstance(result, HTMLResponse):
        return result
    return _advice_page(request, lang, pack, form, result, template="clinician.html")


@router.post("/{lang}/c/{condition_id}/save")
async def save(request: Request, lang: str, condition_id: str) -> Response:
    lang = _lang(lang)
    pack, form, result = await _advice_from_form(request, lang, condition_id)
    if isinstance(result, HTMLResponse):
        return result
    try:
        weights = weights_from_form(dict(form), result)
    except ProfileError:
        return _advice_page(request, lang, pack, form, result)
    chosen = form.get("chosen") or None
    offered = {o.id for o in (*result.options, *result.actions)}
    saved = ctx(request).store.save(
        condition=pack.id,
        knowledge_version=result.knowledge_version,
        lang=lang,
        profile=result.profile,
        advice=result.model_dump(mode="json"),
        weights=weights,
        chosen_option=chosen if chosen in offered else None,
    )
    return RedirectResponse(f"/{lang}/d/{saved.code}?saved=1", status_code=303)


@router.post("/{lang}/open", response_class=HTMLResponse)
async def open_code(request: Request, lang: str) -> Response:
    lang = _lang(lang)
    c = ctx(request)
    form = await _form(request)
    c.limiter.check(request)
    try:
        code = normalise_code(str(form.get("code", "")))
        c.store.get(code)
    except (BadCode, DecisionNotFound) as exc:
        key = "open.bad_code" if isinstance(exc, BadCode) else "open.not_found"
        return render(
            request,
            "start.html",
            lang,
            status=422 if isinstance(exc, BadCode) else 404,
            packs=list(c.library.packs.values()),
            code_error=key,
        )
    return RedirectResponse(f"/{lang}/d/{code}", status_code=303)


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


@router.get("/{lang}/d/{code}", response_class=HTMLResponse)
def decision(
    request: Request, lang: str, code: str, per: str | None = None, saved: str | None = None
) -> HTMLResponse:
    lang = _lang(lang)
    stored, advice, pack, current = _stored(request, lang, code)
    view = build_view(
        advice, pack, ctx(request).texts, parse_per(per), stored.weights, stored.chosen_option
    )
    return render(
        request,
        "decision.html",
        lang,
        stored=stored,
        view=view,
        pack=pack,
        current=current,
        just_saved=saved == "1",
        site=ctx(request).site_for(stored.condition),
        switch_url=f"/{'en' if lang == 'nl' else 'nl'}/d/{stored.code}",
    )


@router.get("/{lang}/d/{code}/clinician", response_class=HTMLResponse)
def decision_clinician(
    request: Request, lang: str, code: str, per: str | None = None
) -> HTMLResponse:
    lang = _lang(lang)
    stored, advice, pack, _current = _stored(request, lang, code)
    view = build_view(
        advice, pack, ctx(request).texts, parse_per(per), stored.weights, stored.chosen_option
    )
    return render(
        request,
        "clinician.html",
        lang,
        stored=stored,
        view=view,
        pack=pack,
        hidden=[],
        weight_errors={},
        site=ctx(request).site_for(stored.condition),
        switch_url=f"/{'en' if lang == 'nl' else 'nl'}/d/{stored.code}/clinician",
    )


@router.get("/{lang}/d/{code}/handout.pdf")
def handout(request: Request, lang: str, code: str, per: str | None = None) -> Response:
    from .pdf import render_pdf  # WeasyPrint is heavy: load it on the first PDF only

    lang = _lang(lang)
    stored, advice, pack, current = _stored(request, lang, code)
    view = build_view(
        advice, pack, ctx(request).texts, parse_per(per), stored.weights, stored.chosen_option
    )
    html = render(
        request,
        "handout.html",
        lang,
        stored=stored,
        view=view,
        pack=pack,
        current=current,
        site=ctx(request).site_for(stored.condition),
    ).body
    return Response(
        render_pdf(bytes(html).decode()),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="keuzewijs-{stored.condition}.pdf"'},
    )
