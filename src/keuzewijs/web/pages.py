"""Server-rendered pages: start, the guided decision aid, stored decisions, clinician view, PDF.

POST -> redirect -> GET everywhere: a form post is answered with 303 to a GET page whose URL
holds the state (`?profile=<token>` with the answers the patient gave, plus `w.<outcome>`,
`v.<statement>` and `per`), so Back and Reload never resubmit and the language switch is a plain
link to the same state in the other language. The token is the same one an EHR card uses to open
this patient's advice: findings only, never a name or identifier; the Referrer-Policy is
no-referrer and the access log records route templates, not URLs. Only saving writes anything.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from keuzewijs.engine.advise import advise_pack
from keuzewijs.engine.contract import Advice
from keuzewijs.errors import InvalidChoice, KeuzewijsError, ProfileError
from keuzewijs.packs.loader import Pack
from keuzewijs.profile_link import profile_token, read_profile_token
from keuzewijs.store.repository import BadCode, DecisionNotFound, StoredDecision, normalise_code

from .context import WebContext, ctx
from .decisions import save_decision
from .forms import field_of, form_fields, parse_profile
from .icons import parse_per
from .locale import local_time
from .pages_render import LANGS, render
from .security import CSRF_FIELD, check_csrf
from .view import SURE_ITEMS, AdviceView, build_view
from .weighing import weights_from_form

router = APIRouter(include_in_schema=False)


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise HTTPException(404, "no such page")
    return lang


def _other(lang: str) -> str:
    return "en" if lang == "nl" else "nl"


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


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ---------------------------------------------------------------- the state in the URL
def _statements_from(form: Any, pack: Pack) -> dict[str, str]:
    ids = {s.id for s in pack.meta.values_statements}
    out = {}
    for key in form:
        if key.startswith("v.") and key[2:] in ids:
            value = (form.getlist(key) or [""])[-1] if hasattr(form, "getlist") else form[key]
            if value in ("yes", "no"):
                out[key[2:]] = value
    return out


def _sure_from(form: Any) -> dict[str, bool]:
    out = {}
    for item in SURE_ITEMS:
        value = form.get(f"sure.{item}")
        if value in ("yes", "no"):
            out[item] = value == "yes"
    return out


def state_query(
    profile: dict[str, Any],
    weights: dict[str, float] | None = None,
    statements: dict[str, str] | None = None,
    per: int | None = None,
    sure: dict[str, bool] | None = None,
) -> str:
    pairs: list[tuple[str, str]] = [("profile", profile_token(profile))]
    for k, w in (weights or {}).items():
        pairs.append((f"w.{k}", str(int(w)) if float(w).is_integer() else str(w)))
    pairs.extend((f"v.{k}", v) for k, v in (statements or {}).items())
    pairs.extend((f"sure.{k}", "yes" if v else "no") for k, v in (sure or {}).items())
    if per and per != 100:
        pairs.append(("per", str(per)))
    return urlencode(pairs)


# ---------------------------------------------------------------- start
@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/nl/", status_code=307)


def _start(
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
        switch_url=f"/{_other(lang)}/",
    )


@router.get("/{lang}/", response_class=HTMLResponse)
def start(request: Request, lang: str) -> HTMLResponse:
    return _start(request, _lang(lang))


# ---------------------------------------------------------------- the form (steps a, b)
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
    keep = f"?{urlencode({'profile': profile_token(values), 'edit': '1'})}" if values else ""
    return render(
        request,
        "condition.html",
        lang,
        status=status,
        pack=pack,
        fields=[f for f in fields if f.asked_of == "patient"],
        clinician_fields=[f for f in fields if f.asked_of == "clinician"],
        errors=errors,
        site=c.site_for(pack.id),
        switch_url=f"/{_other(lang)}/c/{pack.id}{keep}",
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
    edit: str | None = None,
    printable: str | None = Query(None, alias="print"),
) -> HTMLResponse:
    """The form; with `?profile=` the advice for that profile (from a form post or an EHR card);
    with `&edit=1` the form filled in with it; with `&print=1` the printable patient version."""
    lang = _lang(lang)
    c = ctx(request)
    pack = c.library.pack(condition_id)
    query = request.query_params
    if profile is None:
        typed = parse_profile(pack, query) if edit == "1" else {}  # the language switch's answers
        return _condition_page(request, lang, pack, typed, {})
    raw = read_profile_token(profile)
    if raw is None:
        return _condition_page(request, lang, pack, {}, {}, status=400, link_error=True)
    if edit == "1":
        return _condition_page(request, lang, pack, raw, {})
    try:
        advice = c.advice.advice(pack.id, raw, lang)
    except ProfileError as exc:
        return _condition_page(request, lang, pack, raw, _field_errors(exc), status=422)
    if printable == "1":
        view = build_view(advice, pack, c.texts, parse_per(None), {}, None)
        return _handout(
            request, lang, view, pack, pack.id, stored=None, current=True, print_page=True
        )
    return _advice_page(request, lang, pack, advice, query)


@router.post("/{lang}/c/{condition_id}")
async def submit_profile(request: Request, lang: str, condition_id: str) -> Response:
    """The profile form: invalid answers come back next to their fields (422); valid ones are
    answered with 303 to the advice page (GET), so Back and Reload never resubmit."""
    lang = _lang(lang)
    c = ctx(request)
    pack = c.library.pack(condition_id)
    form = await _form(request)
    raw = parse_profile(pack, form)
    try:
        advice = c.advice.advice(pack.id, raw, lang)
    except ProfileError as exc:
        return _condition_page(request, lang, pack, raw, _field_errors(exc), status=422)
    try:
        weights = weights_from_form(form, advice)
    except ProfileError:
        weights = {}
    query = state_query(
        advice.profile, weights, _statements_from(form, pack), parse_per(form.get("per"))
    )
    return _see_other(f"/{lang}/c/{pack.id}?{query}")


# ---------------------------------------------------------------- the advice (steps c-f)
def _view_from(
    request: Request, pack: Pack, advice: Advice, query: Any
) -> tuple[AdviceView, dict[str, str]]:
    weight_errors: dict[str, str] = {}
    try:
        weights = weights_from_form(query, advice)
    except ProfileError as exc:
        weights = {}
        weight_errors = {p.split(".", 1)[1]: m for p, m in exc.errors}
    statements = _statements_from(query, pack)
    view = build_view(
        advice,
        pack,
        ctx(request).texts,
        parse_per(query.get("per")),
        weights,
        None,
        {"statements": statements, "sure": _sure_from(query)},
    )
    return view, weight_errors


def _advice_page(
    request: Request, lang: str, pack: Pack, advice: Advice, query: Any, choice_error: bool = False
) -> HTMLResponse:
    c = ctx(request)
    view, weight_errors = _view_from(request, pack, advice, query)
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
        switch_url=f"/{_other(lang)}/c/{pack.id}?{request.url.query}",
    )


async def _posted_advice(
    request: Request, lang: str, condition_id: str
) -> tuple[Pack, Any, Advice | Response]:
    """Advice for a posted state: the hidden `profile` token, or (older forms, API-like posts)
    the profile's own `p.<field>` inputs."""
    c = ctx(request)
    pack = c.library.pack(condition_id)
    form = await _form(request)
    token = form.get("profile")
    raw = read_profile_token(str(token)) if token else parse_profile(pack, form)
    if raw is None:
        return pack, form, _condition_page(request, lang, pack, {}, {}, 400, link_error=True)
    try:
        return pack, form, c.advice.advice(pack.id, raw, lang)
    except ProfileError as exc:
        return pack, form, _condition_page(request, lang, pack, raw, _field_errors(exc), 422)


@router.post("/{lang}/c/{condition_id}/go")
async def go(request: Request, lang: str, condition_id: str) -> Response:
    """The advice page's form: 'show what fits' (303 to the page with these answers) or save."""
    return await _go(request, lang, condition_id, save=False)


@router.post("/{lang}/c/{condition_id}/save")
async def save(request: Request, lang: str, condition_id: str) -> Response:
    """Save straight away (forms that post here rather than with `do=save` to /go)."""
    return await _go(request, lang, condition_id, save=True)


async def _go(request: Request, lang: str, condition_id: str, save: bool) -> Response:
    lang = _lang(lang)
    pack, form, advice = await _posted_advice(request, lang, condition_id)
    if isinstance(advice, Response):
        return advice
    if save or form.get("do") == "save":
        return _save(request, lang, pack, form, advice)
    try:
        weights = weights_from_form(form, advice)
    except ProfileError:
        return _advice_page(request, lang, pack, advice, form)
    query = state_query(
        advice.profile,
        weights,
        _statements_from(form, pack),
        parse_per(form.get("per")),
        _sure_from(form),
    )
    return _see_other(f"/{lang}/c/{pack.id}?{query}#e-h")


def _save(request: Request, lang: str, pack: Pack, form: Any, advice: Advice) -> Response:
    """Save through the API's own path (save_decision): a bad weight or a choice the advice does
    not offer comes back next to its field (422), and nothing is saved."""
    answers: dict[str, Any] = {}
    if sure := _sure_from(form):
        answers["sure"] = sure
    if statements := _statements_from(form, pack):
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
        return _advice_page(request, lang, pack, advice, form)
    except InvalidChoice:
        return _advice_page(request, lang, pack, advice, form, choice_error=True)
    return _see_other(f"/{lang}/d/{saved.code}?saved=1")


# ---------------------------------------------------------------- clinician view, about
@router.get("/{lang}/c/{condition_id}/clinician", response_class=HTMLResponse)
def clinician_page(
    request: Request, lang: str, condition_id: str, profile: str = ""
) -> HTMLResponse:
    lang = _lang(lang)
    c = ctx(request)
    pack = c.library.pack(condition_id)
    raw = read_profile_token(profile)
    if raw is None:
        return _condition_page(request, lang, pack, {}, {}, status=400, link_error=True)
    try:
        advice = c.advice.advice(pack.id, raw, lang)
    except ProfileError as exc:
        return _condition_page(request, lang, pack, raw, _field_errors(exc), status=422)
    view, _ = _view_from(request, pack, advice, request.query_params)
    return render(
        request,
        "clinician.html",
        lang,
        stored=None,
        view=view,
        pack=pack,
        back_url=f"/{lang}/c/{pack.id}?{request.url.query}",
        site=c.site_for(pack.id),
        switch_url=f"/{_other(lang)}/c/{pack.id}/clinician?{request.url.query}",
    )


@router.post("/{lang}/c/{condition_id}/clinician")
async def clinician_post(request: Request, lang: str, condition_id: str) -> Response:
    lang = _lang(lang)
    pack, form, advice = await _posted_advice(request, lang, condition_id)
    if isinstance(advice, Response):
        return advice
    try:
        weights = weights_from_form(form, advice)
    except ProfileError:
        weights = {}
    query = state_query(advice.profile, weights, _statements_from(form, pack))
    return _see_other(f"/{lang}/c/{pack.id}/clinician?{query}")


@router.get("/{lang}/c/{condition_id}/about", response_class=HTMLResponse)
def about(request: Request, lang: str, condition_id: str) -> HTMLResponse:
    """'Over deze keuzehulp' (IPDAS): authors, dates, next review, funding, interests, sources."""
    lang = _lang(lang)
    pack = ctx(request).library.pack(condition_id)
    return render(
        request,
        "about.html",
        lang,
        pack=pack,
        switch_url=f"/{_other(lang)}/c/{pack.id}/about",
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
    lang = _lang(lang)
    pack = ctx(request).library.pack(condition_id)
    if estimate_id not in pack.study_results:
        raise HTTPException(404, "no study-level data for this estimate")
    title = f"{pack.meta.name.get(lang)}: {estimate_id}"
    return Response(_forest(pack, estimate_id, title), media_type="image/svg+xml")


# ---------------------------------------------------------------- stored decisions
@router.post("/{lang}/open", response_class=HTMLResponse)
async def open_code(request: Request, lang: str) -> Response:
    lang = _lang(lang)
    c = ctx(request)
    form = await _form(request)
    c.limiter.check(request)
    typed = str(form.get("code", ""))[:200]
    try:
        code = normalise_code(typed)
        c.store.get(code)
    except (BadCode, DecisionNotFound) as exc:
        key = "open.bad_code" if isinstance(exc, BadCode) else "open.not_found"
        status = 422 if isinstance(exc, BadCode) else 404
        return _start(request, lang, key, typed, status)  # what was typed stays in the field
    return _see_other(f"/{lang}/d/{code}")


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


def _stored_view(request: Request, lang: str, code: str, per: str | None) -> tuple[Any, ...]:
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
    lang = _lang(lang)
    stored, view, pack, current = _stored_view(request, lang, code, per)
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
        switch_url=f"/{_other(lang)}/d/{stored.code}",
    )


@router.get("/{lang}/d/{code}/clinician", response_class=HTMLResponse)
def decision_clinician(
    request: Request, lang: str, code: str, per: str | None = None
) -> HTMLResponse:
    lang = _lang(lang)
    stored, view, pack, _current = _stored_view(request, lang, code, per)
    return render(
        request,
        "clinician.html",
        lang,
        stored=stored,
        view=view,
        pack=pack,
        back_url=f"/{lang}/d/{stored.code}",
        site=ctx(request).site_for(stored.condition),
        switch_url=f"/{_other(lang)}/d/{stored.code}/clinician",
    )


def _handout(
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
    from .pdf import render_pdf  # WeasyPrint is heavy: load it on the first PDF only

    lang = _lang(lang)
    stored, view, pack, current = _stored_view(request, lang, code, per)
    url = f"{str(request.base_url).rstrip('/')}/{lang}/d/{stored.code}"
    html = _handout(
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
