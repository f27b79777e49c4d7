"""Step (e), what matters to you: a transparent weighing of the outcomes. A display aid, not advice.

Only outcomes the patient actually weighed count; nothing is weighed by default, so a patient
who has not said what matters sees no 'fits best'. For every outcome the patient says how much
it matters (0 = not, 10 = very; the page offers four levels and 'not yet'). Per option, per 1000
people:
    score(option) = sum over weighed benefits of  w x chance per 1000 / 1000
                  - sum over weighed harms    of  w x risk per 1000 / 1000
Higher score = fits these weights better. (The same ranking as counting the unwanted side of
every outcome, but a benefit stays a benefit on the page.) Only outcomes that have a number for
every compared option and whose numbers differ between them can be weighed: an outcome with a
number for one option only would compare the options on different things, and one with equal
numbers cannot tell them apart. Options without any number are listed as 'not weighed' and stay
on the page.

Uncertainty (issue 17): an outcome counts towards a 'fits best' only when the options differ in
it beyond their intervals (the engine's verdict 'fewer'/'more' for every compared option). A
weighed outcome whose interval crosses no effect is named as not counted ('probably little or no
difference'), and when no weighed outcome differs clearly the page says the options lie close
together for what the patient finds important. A verdict that rests on one answer says so, and
when the weighing and the statements point different ways, one sentence says both. The page,
the stored decision and the handout all print `Fit.messages()`, so they carry the same words.

The 'afwegen' statements are the way without numbers. Each leans to a group of options; it is
offered only when the page shows an option of its group and one outside it (an option withheld
for this patient is not shown, so a statement leaning to it alone is not asked). A statement
the patient agrees with counts once for every shown option of its group; the options with the
most count are where the statements point. Statements and numbers are not added up: they are
shown as two results, so each stays traceable to what the patient said.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from keuzewijs.engine.contract import Advice, OptionAdvice
from keuzewijs.errors import ProfileError

MIN_WEIGHT, MAX_WEIGHT = 0, 10
LEVELS = (0, 3, 7, 10)  # the answers the page offers: not / a little / important / very important


def numbered_outcomes(advice: Advice) -> list[tuple[str, str]]:
    """(outcome id, name) of outcomes with a number for at least one option, first-seen order."""
    seen: dict[str, str] = {}
    for option in advice.options:
        for effect in option.outcomes:
            if effect.risk_per_1000 is not None:
                seen.setdefault(effect.id, effect.name)
    return list(seen.items())


@dataclass(frozen=True)
class Weighable:
    id: str
    name: str
    kind: str  # harm | benefit
    clear: bool = True  # the options differ beyond the intervals (verdict fewer/more)


@dataclass
class WeighingScope:
    """Which outcomes the page can weigh, and why the others cannot be."""

    options: list[OptionAdvice]  # options with at least one number
    weighable: list[Weighable]
    equal: list[str]  # names: a number for every compared option, but the same number
    partial: list[str]  # names: a number for some compared options only
    not_weighable: list[str]  # option names without any number


def _risks(option: OptionAdvice) -> dict[str, tuple[int, str]]:
    return {e.id: (e.risk_per_1000, e.kind) for e in option.outcomes if e.risk_per_1000 is not None}


def _clear(options: Sequence[OptionAdvice], outcome: str) -> bool:
    """Every compared option's number for the outcome differs beyond the interval of the
    difference (the engine's verdict), so it may decide a 'fits best'."""
    verdicts = [e.verdict for o in options for e in o.outcomes if e.id == outcome]
    return bool(verdicts) and all(v in ("fewer", "more") for v in verdicts)


def comparison(advice: Advice) -> WeighingScope:
    with_numbers = [o for o in advice.options if _risks(o)]
    risks = [_risks(o) for o in with_numbers]
    weighable, equal, partial = [], [], []
    for oid, name in numbered_outcomes(advice):
        if len(with_numbers) < 2 or not all(oid in r for r in risks):
            partial.append(name)
            continue
        values = {r[oid][0] for r in risks}
        if len(values) == 1:
            equal.append(name)
        else:
            weighable.append(Weighable(oid, name, risks[0][oid][1], _clear(with_numbers, oid)))
    return WeighingScope(
        with_numbers,
        weighable,
        equal,
        partial,
        [o.name for o in advice.options if not _risks(o)],
    )


def validate_weights(advice: Advice, raw: dict[str, Any]) -> dict[str, float]:
    """Weights for outcomes with a number; unknown outcome or out-of-range weight is a 422."""
    allowed = [o for o, _ in numbered_outcomes(advice)]
    errors = []
    out: dict[str, float] = {}
    for key, value in raw.items():
        if key not in allowed:
            errors.append(
                (f"weights.{key}", f"unknown outcome; allowed: {', '.join(allowed) or '(none)'}")
            )
        elif (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not MIN_WEIGHT <= value <= MAX_WEIGHT
        ):
            errors.append(
                (
                    f"weights.{key}",
                    f"must be a number from {MIN_WEIGHT} to {MAX_WEIGHT} (got {value!r})",
                )
            )
        else:
            out[key] = float(value)
    if errors:
        raise ProfileError(errors)
    return out


@dataclass
class Term:
    outcome: str
    name: str
    kind: str
    weight: float
    per_1000: int
    value: float  # signed: + for a benefit, - for a harm; 0 when the outcome is not clear
    clear: bool = True


@dataclass
class OptionFit:
    id: str
    name: str
    score: float
    terms: list[Term]
    best: bool = False


def statement_group(leans_to: Sequence[str], advice: Advice) -> list[str] | None:
    """The shown options a statement leans to, or None when it is not offered: it leans to no
    shown option, or to every shown option (agreeing with it would then favour nothing)."""
    shown = [o.id for o in advice.options]  # the engine leaves withheld options out
    group = [o for o in shown if o in leans_to]
    return group if 0 < len(group) < len(shown) else None


@dataclass
class Leaning:
    """Where the agreed statements point: per shown option, how many of them lean to it."""

    agreed: int  # statements the patient agreed with
    counts: dict[str, int]  # option id -> agreed statements leaning to it
    names: dict[str, str]  # option id -> name

    @property
    def best_ids(self) -> list[str]:
        """Options with the most statements; empty when they point every way alike."""
        if not self.agreed or not self.counts:
            return []
        top = max(self.counts.values())
        if top == min(self.counts.values()):
            return []
        return [oid for oid, n in self.counts.items() if n == top]

    @property
    def best(self) -> list[str]:
        return [self.names[oid] for oid in self.best_ids]


@dataclass
class Fit:
    comparison: WeighingScope
    weighed: list[Weighable]  # outcomes the patient gave a weight above 0
    fits: list[OptionFit]
    deciding: Term | None = None  # the outcome that separates the best option from the next one
    runner_up: str | None = None
    unweighed: list[Weighable] = field(default_factory=list)  # weighable, but no answer yet
    leaning: Leaning = field(default_factory=lambda: Leaning(0, {}, {}))

    @property
    def expressed(self) -> bool:
        """The patient said what matters (an outcome weighed above 0 or a statement agreed
        with): only then is there a 'fits best'."""
        return bool(self.weighed) or self.leaning.agreed > 0

    @property
    def best(self) -> list[OptionFit]:
        """The best fit in numbers; only from weights the patient gave."""
        return [f for f in self.fits if f.best] if self.weighed else []

    @property
    def tie(self) -> bool:
        return len(self.best) > 1

    @property
    def clear(self) -> list[Weighable]:
        """Weighed outcomes in which the options differ beyond their intervals."""
        return [w for w in self.weighed if w.clear]

    @property
    def unclear(self) -> list[Weighable]:
        """Weighed outcomes with probably little or no difference: not counted."""
        return [w for w in self.weighed if not w.clear]

    @property
    def close(self) -> bool:
        """Weighed, but no weighed outcome differs clearly: no 'fits best'."""
        return bool(self.weighed) and not self.clear

    @property
    def disagree(self) -> bool:
        """The weighing and the statements each point somewhere, and not to the same option."""
        numbers = {f.id for f in self.best} if not self.tie else set()
        return (
            bool(numbers)
            and bool(self.leaning.best_ids)
            and not (numbers & set(self.leaning.best_ids))
        )

    def messages(self) -> list[tuple[str, dict[str, str]]]:
        """The result in words as (ui key, values): what the page, the stored decision and the
        handout print, so all three say the same."""
        out: list[tuple[str, dict[str, str]]] = []
        if self.weighed:
            if self.close:
                out.append(("fit.close", {}))
            elif self.tie:
                out.append(("fit.tie", {}))
            else:
                out.append(("fit.best", {"options": " / ".join(f.name for f in self.best)}))
                if self.deciding and self.runner_up:
                    values = {"outcome": self.deciding.name, "other": self.runner_up}
                    out.append((f"fit.why_{self.deciding.kind}", values))
                if len(self.clear) == 1:
                    out.append(("fit.one_answer", {"outcome": self.clear[0].name}))
            if self.unclear:
                names = ", ".join(w.name for w in self.unclear)
                out.append(("fit.unclear", {"outcomes": names}))
        if self.leaning.agreed:
            if self.leaning.best:
                out.append(("fit.statements", {"options": " / ".join(self.leaning.best)}))
            else:
                out.append(("fit.statements_even", {}))
        if self.disagree:
            out.append(
                (
                    "fit.reconcile",
                    {
                        "numbers": " / ".join(f.name for f in self.best),
                        "statements": " / ".join(self.leaning.best),
                    },
                )
            )
        return out


def lean(advice: Advice, agreed: Sequence[Sequence[str]]) -> Leaning:
    """Tally the statements the patient agreed with (each given by its `leans_to`); statements
    not offered for this advice do not count."""
    groups = [g for g in (statement_group(a, advice) for a in agreed) if g is not None]
    counts = {o.id: sum(o.id in g for g in groups) for o in advice.options}
    return Leaning(len(groups), counts, {o.id: o.name for o in advice.options})


def compute_fit(
    advice: Advice, weights: dict[str, float], agreed: Sequence[Sequence[str]] = ()
) -> Fit:
    """The fit in numbers from `weights`, and where the agreed statements point (`agreed`: the
    `leans_to` of each statement the patient said fits them)."""
    comp = comparison(advice)
    weighed = [w for w in comp.weighable if weights.get(w.id, 0) > 0]
    unweighed = [w for w in comp.weighable if w.id not in weights]
    fits = []
    for option in comp.options:
        risks = _risks(option)
        terms = []
        for w in weighed:
            risk, kind = risks[w.id]
            sign = 1 if kind == "benefit" else -1
            value = sign * weights[w.id] * risk / 1000 if w.clear else 0.0
            terms.append(Term(w.id, w.name, kind, weights[w.id], risk, value, w.clear))
        fits.append(OptionFit(option.id, option.name, round(sum(t.value for t in terms), 3), terms))
    result = Fit(comp, weighed, fits, unweighed=unweighed, leaning=lean(advice, agreed))
    if len(fits) >= 2 and result.clear:
        highest = max(f.score for f in fits)
        for f in fits:
            f.best = f.score == highest
        ranked = sorted(fits, key=lambda f: -f.score)
        best, nxt = ranked[0], ranked[1]
        if best.score > nxt.score:
            diffs = [(b.value - n.value, b) for b, n in zip(best.terms, nxt.terms, strict=True)]
            result.deciding = max(diffs, key=lambda d: d[0])[1]
            result.runner_up = nxt.name
    return result


def weights_from_form(form: Any, advice: Advice) -> dict[str, float]:
    """Answers from the form or query (`w.<outcome>`); empty = not answered (left out, never a
    default). A bad value is a field error, not a crash."""
    raw: dict[str, Any] = {}
    for key in form:
        if not key.startswith("w."):
            continue
        value = form[key] if not hasattr(form, "getlist") else (form.getlist(key) or [""])[-1]
        if str(value).strip() == "":
            continue
        try:
            raw[key[2:]] = float(value)
        except ValueError:
            raw[key[2:]] = value
    return validate_weights(advice, raw)
