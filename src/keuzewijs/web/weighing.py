"""Step (e), what matters to you: a transparent weighing of the outcomes. A display aid, not advice.

For every outcome the patient gives a weight w from 0 (does not matter to me) to 10 (matters
most). For each option the page counts, per 1000 people, those who get the *unwanted* side of
each outcome:  bad = risk per 1000 for a harm,  1000 - risk per 1000 for a benefit.
    weighted burden(option) = sum over compared outcomes of w(outcome) x bad(option, outcome) / 1000
Lower burden = fits these weights better. Only outcomes with a number for every compared option
enter the sum (otherwise options would be compared on different things); options without any
number are listed as 'cannot be weighed' and stay on the page. The point estimates are used;
their uncertainty is shown beside the icon arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keuzewijs.engine.contract import Advice, OptionAdvice
from keuzewijs.errors import ProfileError

MIN_WEIGHT, MAX_WEIGHT, DEFAULT_WEIGHT = 0, 10, 5


def weighable_outcomes(advice: Advice) -> list[tuple[str, str]]:
    """(outcome id, name) of outcomes that have a number for at least one option, in first-seen
    order."""
    seen: dict[str, str] = {}
    for option in advice.options:
        for effect in option.outcomes:
            if effect.risk_per_1000 is not None:
                seen.setdefault(effect.id, effect.name)
    return list(seen.items())


def validate_weights(advice: Advice, raw: dict[str, Any]) -> dict[str, float]:
    """Weights for the advice's weighable outcomes; unknown outcome or out-of-range weight is a
    422."""
    allowed = [o for o, _ in weighable_outcomes(advice)]
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
    weight: float
    bad_per_1000: int
    value: float


@dataclass
class OptionFit:
    id: str
    name: str
    burden: float
    terms: list[Term]
    best: bool = False


@dataclass
class Fit:
    compared: list[tuple[str, str]]
    fits: list[OptionFit]
    not_weighable: list[str] = field(default_factory=list)
    deciding: Term | None = None  # the outcome that separates the best option from the next one
    runner_up: str | None = None

    @property
    def best(self) -> list[OptionFit]:
        return [f for f in self.fits if f.best]


def _risks(option: OptionAdvice) -> dict[str, tuple[int, str]]:
    return {e.id: (e.risk_per_1000, e.kind) for e in option.outcomes if e.risk_per_1000 is not None}


def compute_fit(advice: Advice, weights: dict[str, float]) -> Fit:
    with_numbers = [(o, _risks(o)) for o in advice.options if _risks(o)]
    not_weighable = [o.name for o in advice.options if not _risks(o)]
    names = dict(weighable_outcomes(advice))
    shared = [oid for oid in names if with_numbers and all(oid in r for _, r in with_numbers)]
    fits = []
    for option, risks in with_numbers:
        terms = []
        for oid in shared:
            risk, kind = risks[oid]
            bad = risk if kind == "harm" else 1000 - risk
            weight = weights.get(oid, DEFAULT_WEIGHT)
            terms.append(Term(oid, names[oid], weight, bad, weight * bad / 1000))
        fits.append(OptionFit(option.id, option.name, round(sum(t.value for t in terms), 3), terms))
    result = Fit([(o, names[o]) for o in shared], fits, not_weighable)
    if len(fits) >= 2 and shared:
        lowest = min(f.burden for f in fits)
        for f in fits:
            f.best = f.burden == lowest
        ranked = sorted(fits, key=lambda f: f.burden)
        best, nxt = ranked[0], ranked[1]
        if nxt.burden > best.burden:
            diffs = [(n.value - b.value, b) for b, n in zip(best.terms, nxt.terms, strict=False)]
            result.deciding = max(diffs, key=lambda d: d[0])[1]
            result.runner_up = nxt.name
    return result


def weights_from_form(form: dict[str, str], advice: Advice) -> dict[str, float]:
    """Slider values from the form (`w.<outcome>`); a bad value is a field error, not a crash."""
    raw: dict[str, Any] = {}
    for key, value in form.items():
        if key.startswith("w."):
            try:
                raw[key[2:]] = float(value)
            except ValueError:
                raw[key[2:]] = value
    return validate_weights(advice, raw)
