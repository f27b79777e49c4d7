"""Coherence of what a pack shows (issue 17), reported by `keuzewijs validate`:

1. subgroup baselines and the overall baseline of one comparison are mutually possible: the
   overall lies within the range of its subgroups, or the pack says why not (`why_outside`);
2. both arms of every comparison row have numbers (or neither: a relative effect only), and a
   pair of observed arms names each other;
3. a number quoted in an option's text or a fact equals the evidence it cites;
4. every fact is part of the advice for at least one vignette (so every presenter shows it);
5. every figure that is shown has a time frame that states a duration.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from keuzewijs.engine.contract import Advice
from keuzewijs.packs import Pack, Problem
from keuzewijs.packs.models import ProportionEstimate, RelativeEstimate, Statement


def baselines(pack: Pack) -> Iterator[Problem]:
    groups: dict[tuple[str, str, str], list[RelativeEstimate]] = defaultdict(list)
    for est in pack.evidence.estimates:
        if isinstance(est, RelativeEstimate) and est.baseline is not None:
            groups[est.outcome, est.intervention, est.comparator].append(est)
    for (outcome, intervention, comparator), ests in groups.items():
        overall = [e for e in ests if e.applies_when is None]
        subgroups = [e.baseline.risk for e in ests if e.applies_when is not None and e.baseline]
        if not overall or not subgroups:
            continue
        for est in overall:
            assert est.baseline is not None
            risk = est.baseline.risk
            if not min(subgroups) <= risk <= max(subgroups) and est.baseline.why_outside is None:
                yield Problem(
                    f"evidence.yaml: {est.id}.baseline",
                    f"overall baseline {risk:g} lies outside its subgroups' baselines "
                    f"{min(subgroups):g}-{max(subgroups):g} ({outcome}: {intervention} vs "
                    f"{comparator}); fix it or say why in `why_outside`",
                )


def pairs(pack: Pack) -> Iterator[Problem]:
    by_id = {e.id: e for e in pack.evidence.estimates}
    for est in pack.evidence.estimates:
        if not isinstance(est, ProportionEstimate) or est.compared_with is None:
            continue
        other = by_id.get(est.compared_with)
        where = f"evidence.yaml: {est.id}.compared_with"
        if not isinstance(other, ProportionEstimate):
            yield Problem(where, f"'{est.compared_with}' is no proportion estimate of this pack")
        elif other.compared_with != est.id:
            yield Problem(where, f"'{other.id}' does not name '{est.id}' back")
        elif other.outcome != est.outcome or other.option == est.option:
            yield Problem(where, "the two arms must share the outcome and differ in option")


# a time frame states a duration or a period: a number, or a unit of time or a hospital stay
_DURATION = re.compile(
    r"\d|\b(?:dagen|dag|weken|week|maanden|maand|jaren|jaar|uren|uur|opname|days?|weeks?|months?"
    r"|years?|hours?|stay)\b",
    re.IGNORECASE,
)


def shown_rows(pack: Pack, advices: Iterable[Advice]) -> Iterator[Problem]:
    condition = pack.id
    excused = {e.id for e in pack.evidence.estimates if e.timeframe_missing is not None}
    timeframe_problem: set[str] = set()
    for advice in advices:
        for row in advice.comparisons:
            if (row.intervention_per_1000 is None) != (row.comparator_per_1000 is None):
                yield Problem(
                    f"{condition}: row {row.outcome} ({', '.join(row.evidence_ids)})",
                    "one arm has a number and the other has none",
                )
        figures = [
            (e.evidence_id, e.timeframe)
            for o in (*advice.options, *advice.actions)
            for e in (*o.outcomes, *o.figures)
        ]
        for evidence_id, timeframe in figures:
            if (
                not _DURATION.search(timeframe)
                and evidence_id not in excused
                and evidence_id not in timeframe_problem
            ):
                timeframe_problem.add(evidence_id)
                yield Problem(
                    f"evidence.yaml: {evidence_id}",
                    f"shown with a time frame that states no duration: '{timeframe}' (give one, "
                    "or say in `timeframe_missing` why the sources give none)",
                )


def unused_facts(pack: Pack, advices: Iterable[Advice]) -> Iterator[Problem]:
    used = {f.id for advice in advices for f in advice.facts}
    for fact in pack.meta.facts:
        if fact.id not in used:
            yield Problem(
                f"pack.yaml: facts.{fact.id}", "shown in no vignette's advice (unused fact)"
            )


_QUOTE = re.compile(
    r"(\d+(?:,\d+)?)\s+(?:van de|op de|in)\s+(\d[\d.]*)\b"  # '13 van de 100', '1 op de 3'
    r"|(\d+(?:,\d+)?)\s*(?:%|procent)"  # '12,5%'
)


def _quoted(text: str) -> list[tuple[str, float, int | None]]:
    """(as written, value as a proportion, denominator when it is a count of people)."""
    out: list[tuple[str, float, int | None]] = []
    for m in _QUOTE.finditer(text):
        if m.group(1):
            number, total = float(m.group(1).replace(",", ".")), int(m.group(2).replace(".", ""))
            if total > 0:
                out.append((m.group(0), number / total, total))
        else:
            out.append((m.group(0), float(m.group(3).replace(",", ".")) / 100, None))
    return out


def _values(est: object) -> set[float]:
    values: set[float] = set()
    if isinstance(est, ProportionEstimate):
        if est.proportion is not None:
            values.add(est.proportion)
        if est.events is not None and est.total:
            values.add(est.events / est.total)
    elif isinstance(est, RelativeEstimate) and est.baseline is not None:
        values.add(est.baseline.risk)
        values.add(min(est.baseline.risk * est.estimate, 1.0))
    return values


def quoted_numbers(pack: Pack) -> Iterator[Problem]:
    by_source = _figures_by_source(pack)
    for where, st in _statements(pack):
        cited = {s.id for s in st.sources}
        evidence = set().union(*(by_source[s] for s in cited if s in by_source))
        if not evidence:
            continue  # no estimate of this pack cites the text's sources: nothing to compare
        locators = " ".join(s.locator for s in st.sources)
        # the percentages a locator quotes from its source count as the evidence it cites
        evidence |= {float(p) / 100 for p in re.findall(r"(\d+(?:\.\d+)?)\s*%", locators)}
        for lang in ("nl",):
            for written, value, total in _quoted(st.text.get(lang)):
                if _explained(written, value, total, evidence, locators):
                    continue
                yield Problem(
                    where,
                    f"quotes '{written}', which equals none of the figures its sources give in "
                    "evidence.yaml nor its locators",
                )


def _figures_by_source(pack: Pack) -> dict[str, set[float]]:
    """Source id -> the figures of the estimates that cite it."""
    by_source: dict[str, set[float]] = defaultdict(set)
    for est in pack.evidence.estimates:
        for ref in est.sources:
            by_source[ref.id] |= _values(est)
    return by_source


def _statements(pack: Pack) -> list[tuple[str, Statement]]:
    """The pack's facts and option texts, each with where it is written."""
    texts: list[tuple[str, Statement]] = [(f"pack.yaml: facts.{f.id}", f) for f in pack.meta.facts]
    for option in pack.options_file.options:
        for name, st in (
            ("what_happens", option.what_happens),
            *((f"pros[{i}]", s) for i, s in enumerate(option.pros)),
            *((f"cons[{i}]", s) for i, s in enumerate(option.cons)),
            ("recovery", option.recovery),
            ("living_with", option.living_with),
        ):
            if st is not None:
                texts.append((f"options.yaml: {option.id}.{name}", st))
    return texts


def _explained(
    written: str, value: float, total: int | None, evidence: set[float], locators: str
) -> bool:
    """A quoted number is explained by the figures its sources give or by their locators."""
    if total not in (None, 100, 1000) and any(abs(value - v) < 1e-9 for v in evidence):
        return True  # counts that are the estimate's events / total
    step = 0.0005 if total == 1000 else 0.005  # the rounding of 'N van de 100'
    if any(abs(value - v) <= step + 1e-6 for v in evidence):
        return True
    if (
        written.startswith("1 ")
        and total
        and any(v > 0 and round(1 / v) == total for v in evidence)
    ):
        return True  # '1 op de 3': a rounded fraction of the figure
    number = written.split()[0].rstrip("%")
    as_written = rf"(?<![\d,.]){re.escape(number.replace(',', '.'))}(?![\d])"
    # quoted as the locator of its own source says
    return bool(re.search(as_written, locators)) or number in locators


def check(pack: Pack, advices: list[Advice]) -> list[Problem]:
    return [
        *baselines(pack),
        *pairs(pack),
        *shown_rows(pack, advices),
        *unused_facts(pack, advices),
        *quoted_numbers(pack),
    ]
