"""The form (steps a, b): the profile questions, and their post (invalid answers come back next
to their fields with 422; valid ones are answered with 303 to the advice page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from keuzewijs.errors import ProfileError
from keuzewijs.packs import Pack
from keuzewijs.profile_link import profile_token

from ..context import ctx
from ..forms import derive_fields, field_of, form_fields, parse_profile
from ..icons import parse_per
from ..pages_render import render
from ..weighing import weights_from_form
from .state import (
    other_lang,
    page_lang,
    posted_form,
    see_other,
    state_query,
    statements_from,
    units,
)

router = APIRouter(include_in_schema=False)


def condition_page(
    request: Request,
    lang: str,
    pack: Pack,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    link_error: bool = False,
) -> HTMLResponse:
    c = ctx(request)
    fields = form_fields(pack, lang, values, errors, units(c, lang))
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
        switch_url=f"/{other_lang(lang)}/c/{pack.id}{keep}",
        link_error=link_error,
    )


def field_errors(exc: ProfileError) -> dict[str, str]:
    """The first message per form field, to show next to it."""
    errors: dict[str, str] = {}
    for path, message in exc.errors:
        errors.setdefault(field_of(path), message)
    return errors


@router.post("/{lang}/c/{condition_id}")
async def submit_profile(request: Request, lang: str, condition_id: str) -> Response:
    """The profile form: invalid answers come back next to their fields (422); valid ones are
    answered with 303 to the advice page (GET), so Back and Reload never resubmit."""
    lang = page_lang(lang)
    c = ctx(request)
    pack = c.library.pack(condition_id)
    form = await posted_form(request)
    zone = c.site.time_zone if c.site else "Europe/Amsterdam"
    raw = derive_fields(pack, parse_profile(pack, form), c.now(), zone)
    try:
        advice = c.advice.advice(pack.id, raw, lang)
    except ProfileError as exc:
        return condition_page(request, lang, pack, raw, field_errors(exc), status=422)
    try:
        weights = weights_from_form(form, advice)
    except ProfileError:
        weights = {}
    query = state_query(
        advice.profile, weights, statements_from(form, pack), parse_per(form.get("per"))
    )
    return see_other(f"/{lang}/c/{pack.id}?{query}")
