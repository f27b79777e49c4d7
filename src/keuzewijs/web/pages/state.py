"""What every page step shares: the language in the path, the posted form (CSRF-checked), the
303 answer to a post, and the state in the URL (`?profile=<token>` with the answers the patient
gave, plus `w.<outcome>`, `v.<statement>`, `sure.<item>` and `per`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse

from keuzewijs.packs import Pack
from keuzewijs.profile_link import profile_token

from ..context import WebContext
from ..pages_render import LANGS
from ..security import CSRF_FIELD, check_csrf
from ..view import SURE_ITEMS


def page_lang(lang: str) -> str:
    if lang not in LANGS:
        raise HTTPException(404, "no such page")
    return lang


def other_lang(lang: str) -> str:
    return "en" if lang == "nl" else "nl"


def units(c: WebContext, lang: str) -> dict[str, str]:
    return {
        k.split(".", 1)[1]: v.get(lang)
        for k, v in c.texts.items()
        if k.startswith("unit.") and k.count(".") == 1
    }


async def posted_form(request: Request) -> Any:
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    return form


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def statements_from(form: Any, pack: Pack) -> dict[str, str]:
    ids = {s.id for s in pack.meta.values_statements}
    out = {}
    for key in form:
        if key.startswith("v.") and key[2:] in ids:
            value = (form.getlist(key) or [""])[-1] if hasattr(form, "getlist") else form[key]
            if value in ("yes", "no"):
                out[key[2:]] = value
    return out


def sure_from(form: Any) -> dict[str, bool]:
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
