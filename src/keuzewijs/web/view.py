"""From an Advice (the engine's output) to what the pages show. No rule is evaluated here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keuzewijs.engine.contract import Advice, OptionAdvice, OutcomeEffect
from keuzewijs.packs import Pack
from keuzewijs.packs.models import FieldType, Text

from .icons import IconArray, icon_array
from .locale import format_number
from .weighing import LEVELS, Fit, Weighable, compute_fit, statement_group


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
    # issue 17: the engine's verdict for the row ('waarschijnlijk weinig of geen verschil' when
    # the interval crosses no effect) and the population the numbers were measured in
    verdicts: list[str] = field(default_factory=list)
    populations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    label: str
    value: str
    short: str = ""  # the field's noun phrase ('leeftijd'), for the printed summary


@dataclass(frozen=True)
class Priority:
    id: str
    name: str
    kind: str
    weight: float


@dataclass(frozen=True)
class WeighQuestion:
    """One outcome the patient can weigh: the question phrased for a harm or a benefit."""

    outcome: Weighable
    answer: float | None  # None: not answered ('not yet')
    levels: tuple[int, ...] = LEVELS


@dataclass(frozen=True)
class StatementView:
    id: str
    text: str
    leans_to: str  # the shown options it leans to, by name ('A, B or C')
    answer: str | None  # yes | no | None


@dataclass(frozen=True)
class CheckItem:
    """A red flag not yet ruled out, asked as the profile's own questions, with its action."""

    questions: list[str]
    action: str
    message: str


@dataclass
class AdviceView:
    advice: Advice
    per: int
    rows: list[OutcomeRow]
    action_rows: list[tuple[OptionAdvice, list[tuple[OutcomeEffect, IconArray | None]]]]
    fit: Fit
    weights: dict[str, float]  # only what the patient set
    priorities: list[Priority]
    situation: list[Answer]
    not_now: list[Any]
    do_now: list[Any]
    chosen: str | None
    questions: list[WeighQuestion] = field(default_factory=list)
    statements: list[StatementView] = field(default_factory=list)
    checks: list[CheckItem] = field(default_factory=list)
    urgent: bool = False  # an active red flag: the action first, the choices folded away
    after: bool = False  # after the treatment: recovery and alarm signs, no choices
    after_facts: list[str] = field(default_factory=list)
    alarm_signs: list[str] = field(default_factory=list)
    sure: dict[str, bool] = field(default_factory=dict)

    @property
    def chosen_name(self) -> str | None:
        for o in (*self.advice.options, *self.advice.actions):
            if o.id == self.chosen:
                return o.name
        return None

    @property
    def sure_score(self) -> int | None:
        return sum(self.sure.values()) if len(self.sure) == len(SURE_ITEMS) else None


SURE_ITEMS = ("sure", "informed", "values", "support")  # Légaré et al. 2010, in this order


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
        shown = [c.effect for c in cells if c.effect is not None]
        # one sentence per pair: the intervention's (or first observed arm's) verdict
        verdicts = list(
            dict.fromkeys(
                e.verdict_text for e in shown if e.verdict_text and e.role != "comparator"
            )
        )
        populations = list(dict.fromkeys(e.population for e in shown if e.population))
        rows.append(OutcomeRow(oid, name, kind, frames, cells, verdicts, populations))
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
        key = f"unit.{spec.unit}.one" if number == 1 else f"unit.{spec.unit}"
        unit = texts.get(key) or texts.get(f"unit.{spec.unit}") if spec.unit else None
        shown = (
            f"{format_number(number, lang)} {unit.get(lang)}"
            if unit
            else format_number(number, lang)
        )
    return Answer(spec.question.get(lang), shown, spec.label.get(lang))


def _after_treatment(advice: Advice, pack: Pack | None) -> bool:
    """The engine's phase (contract 2.2); advice stored before it is judged from the profile."""
    if advice.phase == "after_treatment":
        return True
    after = pack.meta.after_treatment if pack else None
    return after is not None and advice.profile.get(after.field) is True


def _statements(
    advice: Advice, pack: Pack | None, texts: dict[str, Text], said: dict[str, str]
) -> tuple[list[StatementView], list[list[str]]]:
    """The statements offered for this advice, and the `leans_to` of those the patient agreed
    with. A statement whose options are not both shown (its group and another) is not asked."""
    lang = advice.lang
    names = {o.id: o.name for o in advice.options}
    word_or = texts["word.or"].get(lang)
    offered, agreed = [], []
    for st in pack.meta.values_statements if pack else []:
        group = statement_group(st.leans_to, advice)
        if group is None:
            continue
        shown = [names[o] for o in group]
        joined = f"{', '.join(shown[:-1])} {word_or} {shown[-1]}" if len(shown) > 1 else shown[0]
        offered.append(StatementView(st.id, st.text.get(lang), joined, said.get(st.id)))
        if said.get(st.id) == "yes":
            agreed.append(list(st.leans_to))
    return offered, agreed


def _priorities(weights: dict[str, float], fit: Fit) -> list[Priority]:
    """What the patient said matters, most important first."""
    kinds = {w.id: w for w in fit.comparison.weighable}
    return sorted(
        (
            Priority(oid, kinds[oid].name, kinds[oid].kind, w)
            for oid, w in weights.items()
            if oid in kinds
        ),
        key=lambda p: -p.weight,
    )


def _action_rows(
    advice: Advice, per: int
) -> list[tuple[OptionAdvice, list[tuple[OutcomeEffect, IconArray | None]]]]:
    """The actions (not choices) with their outcomes as icon arrays."""
    action_rows = []
    for action in advice.actions:
        items = [
            (
                e,
                icon_array(f"a-{e.id}-{action.id}", e.risk_per_1000, e.ci_per_1000, per)
                if e.risk_per_1000 is not None
                else None,
            )
            for e in (*action.outcomes, *action.figures)  # an action's own numbers included
        ]
        action_rows.append((action, items))
    return action_rows


def _checks(advice: Advice, pack: Pack | None) -> list[CheckItem]:
    """The red flags not yet ruled out, asked as the profile's own questions."""
    lang = advice.lang
    checks = []
    for c in advice.to_check:
        asked = [pack.fields[n].question.get(lang) for n in c.needs if pack and n in pack.fields]
        checks.append(CheckItem(asked or [c.message], c.action, c.message))
    return checks


def _after_panel(advice: Advice, pack: Pack | None) -> tuple[list[str], list[str]]:
    """After the treatment: the facts about recovery and the alarm signs to watch for."""
    if not (_after_treatment(advice, pack) and pack and pack.meta.after_treatment):
        return [], []
    lang = advice.lang
    spec = pack.meta.after_treatment
    if advice.phase == "after_treatment":  # the engine chose the facts for this patient
        facts = [f.text for f in advice.facts]
    else:  # advice stored before contract 2.2
        by_id = {f.id: f for f in pack.meta.facts}
        facts = [by_id[f].text.get(lang) for f in spec.facts if f in by_id]
    alarm_field = pack.fields.get(spec.alarm_field or "")
    alarms = [v.label.get(lang) for v in (alarm_field.values or [])] if alarm_field else []
    return facts, alarms


def _after_choice(
    advice: Advice,
    pack: Pack | None,
    action_rows: list[tuple[OptionAdvice, list[tuple[OutcomeEffect, IconArray | None]]]],
) -> tuple[list[Any], list[tuple[OptionAdvice, list[tuple[OutcomeEffect, IconArray | None]]]]]:
    """The recommendations and action rows to show: after the treatment, the choice is made, so
    no advice about it, and only the actions the pack keeps for that phase."""
    recommendations = list(advice.recommendations)
    if _after_treatment(advice, pack) and pack and pack.meta.after_treatment:
        chosen_ids = {o.id for o in advice.options}
        recommendations = [r for r in recommendations if r.about not in chosen_ids]
        keep = set(pack.meta.after_treatment.actions)
        if keep:
            action_rows = [row for row in action_rows if row[0].id in keep]
    return recommendations, action_rows


def build_view(
    advice: Advice,
    pack: Pack | None,
    texts: dict[str, Text],
    per: int,
    weights: dict[str, float],
    chosen: str | None = None,
    answers: dict[str, Any] | None = None,
) -> AdviceView:
    """The page's panels, each from its own builder."""
    lang = advice.lang
    answers = answers or {}
    statements, agreed = _statements(advice, pack, texts, answers.get("statements") or {})
    fit = compute_fit(advice, weights, agreed)
    facts, alarms = _after_panel(advice, pack)
    recommendations, action_rows = _after_choice(advice, pack, _action_rows(advice, per))
    return AdviceView(
        advice=advice,
        per=per,
        rows=outcome_rows(advice.options, per, "o"),
        action_rows=action_rows,
        fit=fit,
        weights=dict(weights),
        priorities=_priorities(weights, fit),
        situation=[answer_text(pack, k, v, lang, texts) for k, v in advice.profile.items()],
        not_now=[r for r in recommendations if r.direction == "against"],
        do_now=[r for r in recommendations if r.direction != "against"],
        chosen=chosen,
        questions=[WeighQuestion(w, weights.get(w.id)) for w in fit.comparison.weighable],
        statements=statements,
        checks=_checks(advice, pack),
        urgent=bool(advice.urgent),
        after=_after_treatment(advice, pack),
        after_facts=facts,
        alarm_signs=alarms,
        sure={k: v for k, v in (answers.get("sure") or {}).items() if k in SURE_ITEMS},
    )
