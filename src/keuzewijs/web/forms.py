"""Step (b), your situation: the profile form is generated from the pack's profile schema.

Form names are `p.<field>`; parsing turns strings into the JSON types the profile model
expects, and leaves a string that does not parse so the model names the field and what is
allowed. Empty answers mean 'unknown', which the three-valued rules handle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from keuzewijs.packs import Pack
from keuzewijs.packs.models import FieldType, ProfileField

PREFIX = "p."
NONE_OF_THESE = "__none__"  # a ticked 'none of these' makes a set field an empty list, not unknown


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    help: str | None
    checked: bool
    reveals: bool = False  # ticking it shows this field's follow-up questions


@dataclass(frozen=True)
class FormField:
    name: str
    input_name: str
    type: str
    label: str
    question: str
    help: str | None
    unit: str | None
    minimum: float | None
    maximum: float | None
    choices: list[Choice]
    value: str
    error: str | None
    asked_of: str = "patient"
    follow_of: str | None = None  # the field whose answer makes this one relevant
    reveals_on: tuple[str, ...] = ()  # answers of this field that open its follow-ups


def _value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def form_fields(
    pack: Pack, lang: str, values: dict[str, Any], errors: dict[str, str], unit_text: dict[str, str]
) -> list[FormField]:
    out = []
    opens: dict[str, set[str]] = {}
    for spec in pack.profile.fields:
        if spec.show_if is not None:
            opens.setdefault(spec.show_if.field, set()).update(spec.show_if.values)
    for spec in pack.profile.fields:
        if spec.derived_from is not None:  # not asked: computed when the answers are sent
            continue
        current = values.get(spec.name)
        picked = set(current) if isinstance(current, list) else {current}
        reveal = opens.get(spec.name, set())
        choices = [
            Choice(
                v.id,
                v.label.get(lang),
                v.help.get(lang) if v.help else None,
                v.id in picked,
                v.id in reveal,
            )
            for v in spec.values or []
        ]
        out.append(
            FormField(
                name=spec.name,
                input_name=PREFIX + spec.name,
                type=spec.type.value,
                label=spec.label.get(lang),
                question=spec.question.get(lang),
                help=spec.help.get(lang) if spec.help else None,
                unit=unit_text.get(spec.unit) if spec.unit else None,
                minimum=spec.minimum
                if spec.minimum is not None
                else (0 if spec.type == FieldType.duration else None),
                maximum=spec.maximum,
                choices=choices,
                value=_value_text(current)
                if not isinstance(current, list)
                else (NONE_OF_THESE if current == [] else ""),
                error=errors.get(spec.name),
                asked_of=spec.asked_of,
                follow_of=spec.show_if.field if spec.show_if else None,
                reveals_on=tuple(sorted(reveal)),
            )
        )
    return out


def question_shown(profile: dict[str, Any], pack: Pack, name: str) -> bool:
    """A follow-up question counts only when its parent's answer opens it (else the answer,
    typed before the parent changed, is dropped rather than used)."""
    spec = pack.fields[name]
    if spec.derived_from is not None:  # computed from another answer, not asked
        return False
    if spec.show_if is None:
        return True
    parent = profile.get(spec.show_if.field)
    if isinstance(parent, bool):
        answers = {"true" if parent else "false"}
    elif isinstance(parent, list):
        answers = {str(v) for v in parent}
    else:
        answers = {str(parent)} if parent is not None else set()
    return bool(answers & set(spec.show_if.values)) and question_shown(
        profile, pack, spec.show_if.field
    )


def needs_to_ask(pack: Pack, profile: dict[str, Any], needs: list[Any]) -> list[Any]:
    """'Nog nodig': only the questions the form shows now (not a follow-up whose parent is
    unanswered), the most decisive first: a question an alarm sign waits for, then the one that
    settles the most rules; ties keep the engine's order."""
    flags = {flag.id for flag in pack.rules.red_flags}

    def weight(need: Any) -> tuple[int, int]:
        return (-int(bool(flags & set(need.affects))), -len(need.affects))

    shown = [n for n in needs if n.field in pack.fields and question_shown(profile, pack, n.field)]
    return sorted(shown, key=weight)


def derive_fields(
    pack: Pack, profile: dict[str, Any], now: dt.datetime, zone: str
) -> dict[str, Any]:
    """Fill the fields the form does not ask from the answers it did ask and the clock: one
    question ('how many hours ago were you admitted?') instead of two (issue 19)."""
    out = dict(profile)
    local_now = now.astimezone(ZoneInfo(zone))
    for spec in pack.profile.fields:
        derived = spec.derived_from
        if derived is None:
            continue
        hours = profile.get(derived.field)
        if isinstance(hours, int | float) and not isinstance(hours, bool) and hours >= 0:
            then = local_now - dt.timedelta(hours=float(hours))
            out[spec.name] = (local_now.date() - then.date()).days
        else:
            out.pop(spec.name, None)  # unknown stays unknown
    return out


def _number(text: str, spec: ProfileField) -> Any:
    cleaned = text.strip().replace(",", ".")  # Dutch decimal comma
    try:
        number = float(cleaned)
    except ValueError:
        return text
    if spec.type == FieldType.integer:
        return int(number) if number.is_integer() else number
    return int(number) if number.is_integer() else number


def parse_profile(pack: Pack, form: Any) -> dict[str, Any]:
    """Form data (a starlette FormData or a dict of lists) -> raw profile for validate_profile."""
    profile: dict[str, Any] = {}
    for key in form:
        if key.startswith(PREFIX) and key[len(PREFIX) :] not in pack.fields:
            profile[key[len(PREFIX) :]] = form.get(key)  # let the model say 'unknown field'
    for spec in pack.profile.fields:
        name = PREFIX + spec.name
        if spec.type == FieldType.set:
            ticked = [v for v in form.getlist(name) if v != ""]
            if NONE_OF_THESE in ticked:
                profile[spec.name] = [v for v in ticked if v != NONE_OF_THESE]
            elif ticked:
                profile[spec.name] = ticked
            continue
        text = form.get(name)
        if text is None or str(text).strip() == "":
            continue
        text = str(text)
        if spec.type == FieldType.boolean:
            profile[spec.name] = {"true": True, "false": False}.get(text, text)
        elif spec.type in (FieldType.integer, FieldType.number, FieldType.duration):
            profile[spec.name] = _number(text, spec)
        else:
            profile[spec.name] = text
    return {
        k: v for k, v in profile.items() if k not in pack.fields or question_shown(profile, pack, k)
    }


def field_of(path: str) -> str:
    """'profile.symptoms[0]' -> 'symptoms' (the form field that shows the message)."""
    rest = path.split(".", 1)[1] if path.startswith("profile.") else path
    return rest.split("[", 1)[0].split(".", 1)[0]
