"""Jinja2 environment and the small helpers every page uses (texts in the page's language)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from .clinician_lines import (
    clinician_line,
    field_label,
    forest_labels,
    method_text,
    trace_subject,
)
from .context import ctx
from .forms import needs_to_ask
from .security import CSRF_FIELD, csrf_token

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
TEMPLATES.env.globals["CSRF_FIELD"] = CSRF_FIELD
TEMPLATES.env.globals["needs_to_ask"] = needs_to_ask


def trace_answer(pack: Any, name: str, value: Any, lang: str, texts: dict[str, Any]) -> str:
    """A value the rule trace used, in words: the field's label and its answer ('ja', a unit,
    a value's label), or a definition's label; never a raw `True` or `10.0`."""
    from .view import answer_text

    if pack is not None and name in pack.fields:
        answer = answer_text(pack, name, value, lang, texts)
        return f"{answer.short or answer.label}: {answer.value}"
    definition = pack.rules.definitions.get(name) if pack is not None else None
    label = definition.label.get(lang) if definition is not None else name
    if isinstance(value, bool):
        return f"{label}: {texts['word.yes' if value else 'word.no_answer'].get(lang)}"
    return f"{label}: {_num(value, lang) if isinstance(value, int | float) else value}"


TEMPLATES.env.globals["trace_answer"] = trace_answer
TEMPLATES.env.globals["clinician_line"] = clinician_line
TEMPLATES.env.globals["field_label"] = field_label
TEMPLATES.env.globals["trace_subject"] = trace_subject
TEMPLATES.env.globals["method_text"] = method_text
# 'Nog nodig' lists this many questions; the rest are folded (issue 19).
TEMPLATES.env.globals["NEEDS_SHOWN"] = 5
LANGS = ("nl", "en")


class Texts:
    """t('key') in templates: the text in the page's language; a missing key fails loudly in
    tests."""

    def __init__(self, texts: dict[str, Any], lang: str):
        self.texts, self.lang = texts, lang

    def __call__(self, key: str, **values: Any) -> str:
        text = self.texts[key].get(self.lang)
        return text.format(**values) if values else text


def _condition(extra: dict[str, Any]) -> str | None:
    pack, stored = extra.get("pack"), extra.get("stored")
    return getattr(pack, "id", None) or getattr(stored, "condition", None)


def page_context(request: Request, lang: str, **extra: Any) -> dict[str, Any]:
    c = ctx(request)
    condition = _condition(extra)
    if condition is not None:  # only this condition's numbers, the one to call now first
        call = c.phones(condition)
        extra = {**extra, "call": call, "phones": call.shown}
    return {
        "request": request,
        "lang": lang,
        "other_lang": "en" if lang == "nl" else "nl",
        "t": Texts(c.texts, lang),
        "csrf": csrf_token(request),
        **extra,
    }


def render(
    request: Request, template: str, lang: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request, template, page_context(request, lang, **extra), status_code=status
    )


def lang_of(request: Request) -> str:
    first = request.url.path.strip("/").split("/", 1)[0]
    return first if first in LANGS else "nl"


def error_page(
    request: Request, status: int, headers: dict[str, str] | None = None
) -> HTMLResponse:
    lang = lang_of(request)
    key = f"error.{status}" if f"error.{status}" in ctx(request).texts else "error.other"
    response = render(
        request, "error.html", lang, status=status, message_key=key, status_code=status
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _log_ratio(value: float, low: float, high: float) -> float:
    """Position of value on a log axis from low to high, clamped to [0, 1] (forest plot)."""
    import math

    clamped = min(max(float(value), low), high)
    return math.log(clamped / low) / math.log(high / low)


TEMPLATES.env.filters["log_ratio"] = _log_ratio


def _forest_text(result: Any, texts: dict[str, Any], lang: str) -> str:
    """The forest plot in words (its alt text) in the page's language, from the plotting
    module's own description."""
    from keuzewijs.evidence.plot import describe

    return describe(result, forest_labels(texts, lang))


def _forest_method(result: Any, texts: dict[str, Any], lang: str) -> str:
    """The pooling method in words, in the page's language (the plot's caption)."""
    from keuzewijs.evidence.plot import method_description

    return method_description(result, forest_labels(texts, lang))


TEMPLATES.env.globals["forest_method"] = _forest_method
TEMPLATES.env.filters["forest_text"] = _forest_text


def _num(value: float | int, lang: str, decimals: int | None = None) -> str:
    from .locale import format_number

    if isinstance(value, float) and decimals is None and value.is_integer():
        value = int(value)
    return format_number(value, lang, decimals)


TEMPLATES.env.filters["num"] = _num
