"""IPDAS checks: the qualifying and certification criteria a pack's *data* can show.

IPDAS (International Patient Decision Aid Standards, v4) asks, among others, that a decision
aid describes the condition and the decision, lists the options with positive and negative
features in comparable detail, says what living with each option's consequences is like,
cites its evidence, shows its production date and update policy, shows the uncertainty around
probabilities and discloses its funding. Criteria about the process (user testing, field
testing) cannot be seen in data and are not checked here. Findings are reported, not fatal:
they tell the authors what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from keuzewijs.packs import Pack
from keuzewijs.packs.models import Option, PackMeta, ProportionEstimate, RelativeEstimate

# 'Comparable detail': an option whose pros+cons text is less than this share of the most
# detailed option's is flagged (a heuristic for reviewers, not a clinical threshold).
DETAIL_RATIO = 0.4


@dataclass(frozen=True)
class IpdasCriterion:
    id: str
    kind: str  # qualifying | certification
    title: str
    missing: list[str]

    @property
    def met(self) -> bool:
        return not self.missing


def _words(option: Option) -> int:
    return sum(len(s.text.en.split()) for s in (*option.pros, *option.cons))


def check_ipdas(pack: Pack) -> list[IpdasCriterion]:
    options = [o for o in pack.options_file.options if o.kind == "option"]
    return [
        *_decision_criteria(pack.meta),
        *_option_criteria(options),
        *_evidence_criteria(pack, options),
        *_production_criteria(pack.meta),
    ]


def _decision_criteria(meta: PackMeta) -> list[IpdasCriterion]:
    """The condition and the decision are described."""
    return [
        IpdasCriterion(
            "condition",
            "qualifying",
            "describes the health condition",
            []
            if len(meta.description.text.en.split()) >= 10
            else ["pack.yaml: description is too short"],
        ),
        IpdasCriterion(
            "decision",
            "qualifying",
            "states the decision to be made",
            [] if meta.decision.text.en.strip() else ["pack.yaml: decision"],
        ),
    ]


def _option_criteria(options: list[Option]) -> list[IpdasCriterion]:
    """The options, with positive and negative features in comparable detail."""
    detail = {o.id: _words(o) for o in options}
    most = max(detail.values(), default=0)
    return [
        IpdasCriterion(
            "options",
            "qualifying",
            "lists the options (at least two)",
            []
            if len(options) >= 2
            else [f"options.yaml: {len(options)} option(s) of kind 'option'"],
        ),
        IpdasCriterion(
            "positive-features",
            "qualifying",
            "positive features of each option",
            [f"options.yaml: {o.id} has no pros" for o in options if not o.pros],
        ),
        IpdasCriterion(
            "negative-features",
            "qualifying",
            "negative features of each option",
            [f"options.yaml: {o.id} has no cons" for o in options if not o.cons],
        ),
        IpdasCriterion(
            "comparable-detail",
            "qualifying",
            "positive and negative features in comparable detail",
            [
                f"options.yaml: {o}: {w} words of pros/cons vs {most} for the most detailed option"
                for o, w in detail.items()
                if most and w < DETAIL_RATIO * most
            ],
        ),
        IpdasCriterion(
            "living-with",
            "qualifying",
            "what living with each option's consequences is like",
            [f"options.yaml: {o.id} has no living_with" for o in options if o.living_with is None],
        ),
    ]


def _evidence_criteria(pack: Pack, options: list[Option]) -> list[IpdasCriterion]:
    """Evidence cited, probabilities for every option, with their uncertainty."""
    numbered = set()
    for est in pack.evidence.estimates:
        if isinstance(est, RelativeEstimate):
            numbered.update({est.intervention, est.comparator})
        else:
            numbered.add(est.option)
    no_uncertainty = [
        e.id
        for e in pack.evidence.estimates
        if isinstance(e, ProportionEstimate) and (e.events is None or e.total is None)
    ]
    no_certainty = [e.id for e in pack.evidence.estimates if e.certainty is None]
    return [
        IpdasCriterion(
            "evidence-cited",
            "certification",
            "cites the evidence for each option",
            [
                f"sources.yaml: {s.id} has no year"
                for s in pack.sources_file.sources
                if s.year is None
            ],
        ),
        IpdasCriterion(
            "outcome-probabilities",
            "certification",
            "probabilities of outcomes for the options",
            [
                f"evidence.yaml: no estimate for option {o.id}"
                for o in options
                if o.id not in numbered
            ],
        ),
        IpdasCriterion(
            "uncertainty",
            "certification",
            "uncertainty around each probability",
            [
                f"evidence.yaml: {e} gives a proportion without events/total (no interval)"
                for e in no_uncertainty
            ]
            + [f"evidence.yaml: {e} has no GRADE certainty" for e in no_certainty],
        ),
    ]


def _production_criteria(meta: PackMeta) -> list[IpdasCriterion]:
    """Production date, update policy and funding disclosed."""
    return [
        IpdasCriterion(
            "production-date",
            "certification",
            "production date",
            [] if meta.produced else ["pack.yaml: produced"],
        ),
        IpdasCriterion(
            "update-policy",
            "certification",
            "update policy and next review",
            []
            if meta.review_due > meta.produced and meta.update_policy.en.strip()
            else ["pack.yaml: review_due must follow produced, with an update_policy"],
        ),
        IpdasCriterion(
            "funding",
            "certification",
            "funding sources and conflicts of interest disclosed",
            [] if meta.funding.en.strip() else ["pack.yaml: funding"],
        ),
    ]


# ignored below: console is a rich Console, imported lazily by the caller
def print_ipdas(pack: Pack, console) -> None:  # type: ignore[no-untyped-def]
    criteria = check_ipdas(pack)
    met = sum(c.met for c in criteria)
    mark = "[green]✓[/green]" if met == len(criteria) else "[yellow]![/yellow]"
    console.print(f"    {mark} IPDAS: {met}/{len(criteria)} criteria that data can show are met")
    for c in criteria:
        for item in c.missing:
            console.print(f"      missing ({c.kind}, {c.title}): {item}")
