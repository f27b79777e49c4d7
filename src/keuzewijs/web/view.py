"""From an Advice (the engine's output) to what the pages show. No rule is evaluated here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keuzewijs.engine.contract import Advice, OptionAdvice, OutcomeEffect
from keuzewijs.packs.loader import Pack
from keuzewijs.packs.models import FieldType, Text

from .icons import IconArray, icon_array
from .weighing import DEFAULT_WEIGHT, Fit, compute_fit, weighable_outcomes


@dataclass(frozen=True)
class Cell:
    effect: OutcomeEffect | None
    icons: IconArray | None


@dataclass(frozen=True)
class OutcomeRow:
    id: str
    name: str
    kind: str
    timeframes: list[str]
    cells: list[Cell]


@dataclass(frozen=True)
class Answer:
    label: str
    value: str


@dataclass(frozen=True)
class Priority:
    id: str
    name: str
    weight: float


@dataclass
class AdviceView:
    advice: Advice
    per: int
    rows: list[OutcomeRow]
    action_rows: list[tuple[OptionAdvice, list[tuple[OutcomeEffect, IconArray | None]]]]
    fit: Fit
    weights: dict[str, float]
    priorities: list[Priority]
    situation: list[Answer]
    not_now: list[Any]
    do_now: list[Any]
    chosen: str | None

    @property
    def chosen_name(self) -> str | None:
        for o in (*self.advice.options, *self.advice.actions):
            if o.id == self.chosen:
                return o.name
        return None


def outcome_rows(options: list[OptionAdvice], per: int, prefix: str) -> list[OutcomeRow]:
    order: dict[str, tuple[str, str]] = {}
    for option in options:
        for e in option.outcomes:
            order.setdefault(e.id, (e.name, e.kind))
    rows = []
    for oid, (name, kind) in order.items():
        cells = []
        frames: list[str] = []
        for option in options:
            effect = next((e for e in option.outcomes if e.id == oid), None)
            icons = None
            if effect is not None:
                if effect.timeframe not in frames:
                    frames.append(effect.timeframe)
                if effect.risk_per_1000 is not None:
                    icons = icon_array(
                        f"{prefix}-{oid}-{option.id}", effect.risk_per_1000, effect.ci_per_1000, per
                    )
            cells.append(Cell(effect, icons))
        rows.append(OutcomeRow(oid, name, kind, frames, cells))
    return rows


def answer_text(
    pack: Pack | None, name: str, value: Any, lang: str, texts: dict[str, Text]
) -> Answer:
    spec = pack.fields.get(name) if pack else None
    if spec is None:  # a stored decision whose field no longer exists in the pack
        return Answer(name, str(value))
    labels = {v.id: v.label.get(lang) for v in spec.values or []}
    if spec.type == FieldType.boolean:
        shown = texts["word.yes" if value else "word.no_answer"].get(lang)
    elif spec.type == FieldType.set:
        shown = ", ".join(labels.get(v, v) for v in value) or texts["form.none_of_these"].get(lang)
    elif spec.type == FieldType.enum:
        shown = labels.get(value, str(value))
    else:
        number = int(value) if isinstance(value, float) and value.is_integer() else value
        unit = texts.get(f"unit.{spec.unit}") if spec.unit else None
        shown = f"{number} {unit.get(lang)}" if unit else str(number)
    return Answer(spec.question.get(lang), shown)


def build_view(
    advice: Advice,
    pack: Pack | None,
    texts: dict[str, Text],
    per: int,
    weights: dict[str, float],
    chosen: str | None = None,
) -> AdviceView:
    outcomes = weighable_outcomes(advice)
    full = {oid: weights.get(oid, float(DEFAULT_WEIGHT)) for oid, _ in outcomes}
    priorities = sorted(
        (Priority(oid, name, full[oid]) for oid, name in outcomes), key=lambda p: -p.weight
    )
    action_rows = []
    for action in advice.actions:
        items = [
            (
                e,
                icon_array(f"a-{e.id}-{action.id}", e.risk_per_1000, e.ci_per_1000, per)
                if e.risk_per_1000 is not None
                else None,
            )
            for e in action.outcomes
        ]
        action_rows.append((action, items))
    return AdviceView(
        advice=advice,
        per=per,
        rows=outcome_rows(advice.options, per, "o"),
        action_rows=action_rows,
        fit=compute_fit(advice, full),
        weights=full,
        priorities=priorities,
        situation=[answer_text(pack, k, v, advice.lang, texts) for k, v in advice.profile.items()],
        not_now=[r for r in advice.recommendations if r.direction == "against"],
        do_now=[r for r in advice.recommendations if r.direction != "against"],
        chosen=chosen,
    )


def hidden_profile(profile: dict[str, Any]) -> list[tuple[str, str]]:
    """The profile as hidden form inputs, so every later step can re-post it (no server session)."""
    out: list[tuple[str, str]] = []
    for name, value in profile.items():
        if isinstance(value, list):
            out.extend((f"p.{name}", str(v)) for v in value) if value else out.append(
                (f"p.{name}", "__none__")
            )
        elif isinstance(value, bool):
            out.append((f"p.{name}", "true" if value else "false"))
        else:
            out.append((f"p.{name}", str(value)))
    return out
