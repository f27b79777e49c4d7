"""Text rendering of an Advice for the terminal: urgent first, then recommendations, then options.

This is the patient layer: plain words from `knowledge/_common/ui.yaml`, option names instead
of ids, risks as natural frequencies with a plain-words certainty, and sources as numbered
references to a list at the end (citations keep their original language). Relative effects,
confidence intervals, GRADE reasons and locators are in the JSON output (`--format json`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from keuzewijs.engine.contract import Advice, Recommendation
from keuzewijs.packs.models import Text


class _References:
    """Numbers sources in the order they are first cited."""

    def __init__(self) -> None:
        self.order: list[str] = []

    def cite(self, sources: Iterable[object]) -> str:
        numbers = []
        for source in sources:
            sid = getattr(source, "id", "")
            if sid not in self.order:
                self.order.append(sid)
            numbers.append(self.order.index(sid) + 1)
        unique = sorted(set(numbers))
        return f"[{', '.join(str(n) for n in unique)}]" if unique else ""


def print_advice(advice: Advice, ui: dict[str, Text], console: Console) -> None:
    lang = advice.lang
    refs = _References()

    def t(key: str) -> str:
        return ui[key].get(lang)

    def ids(fields: list[str]) -> str:
        """Field ids help an English-speaking clinician map the question; Dutch patient text
        shows none (the readability gate checks that)."""
        return f" [dim]({', '.join(fields)})[/dim]" if lang == "en" and fields else ""

    names = {o.id: o.name for o in (*advice.options, *advice.actions)}

    version = advice.knowledge_version.rpartition("@")[2]  # the pack id is not for patients
    console.print(f"[bold]{escape(advice.condition_name)}[/bold]  [dim]{version}[/dim]")
    for item in advice.urgent:
        body = (
            f"{escape(item.message)}\n[bold]{t('label.action')}:[/bold] {escape(item.action)}\n"
            f"[dim]{t('label.applies_because')}: {escape(item.why)} {refs.cite(item.sources)}[/dim]"
        )
        # The console soft-wraps (long lines are left to the terminal), which would crop a panel
        # at its border: the urgent panel wraps its text inside, so the action is never cut off.
        console.print(
            Panel(body, title=f"[bold]{t('heading.urgent')}[/bold]", border_style="red"),
            soft_wrap=False,
        )
    if advice.to_check:
        console.print(f"\n[bold yellow]{t('heading.to_check')}[/bold yellow]")
        for check in advice.to_check:
            console.print(f"  ? {escape(check.message)}{ids(check.needs)}")
            label = t("label.if_yes" if check.kind == "red_flag" else "label.action")
            console.print(f"    [bold]{label}:[/bold] {escape(check.action)}")

    def show(rec: Recommendation) -> None:
        # advice about the choice as a whole (the pack's decision id) names no option
        about = f": {names[rec.about]}" if rec.about in names else ""
        label = f"{t('direction.' + rec.direction)}{about} ({t('strength.' + rec.strength)})"
        if rec.status == "provisional":
            label = f"{label}, {t('status.provisional')}"
        text = escape(rec.text)
        if rec.status == "provisional" and rec.unless:  # 'tenzij ...' only while it is open
            text = f"{text} [bold]— {escape(rec.unless)}[/bold]"
        console.print(f"  [bold]{escape(label)}[/bold]: {text}")
        if rec.unless_open:  # the label once, then each open question on its own line
            console.print(f"    ? {t('label.unless_open')}:")
            for open_exception in rec.unless_open:
                console.print(f"      - {escape(open_exception.question)}")
        console.print(f"    {t('label.why')}: {escape(rec.why)}")
        if rec.applies_because:
            console.print(
                f"    [dim]{t('label.applies_because')}: {escape(rec.applies_because)}[/dim]"
            )
        console.print(f"    [dim]{t('heading.sources')} {refs.cite(rec.sources)}[/dim]")

    if advice.recommendations:
        console.print(f"\n[bold]{t('heading.recommendations')}[/bold]")
        for rec in advice.recommendations:
            show(rec)
    if advice.later or advice.comparison_later:
        # a red flag fired: the elective advice and the comparison come after the urgent step
        console.print(f"\n[bold]{t('heading.later')}[/bold]")
        for rec in advice.later:
            show(rec)
    _print_choices(advice, t, console)
    _print_comparisons(advice, t, console)
    _print_figures(advice, t, console)
    if advice.facts:
        console.print(f"\n[bold]{t('heading.facts')}[/bold]")
        for fact in advice.facts:
            console.print(f"  - {escape(fact.text)} [dim]{refs.cite(fact.sources)}[/dim]")
    if advice.needs:
        console.print(f"\n[bold]{t('heading.needs')}[/bold]")
        for need in advice.needs:
            console.print(f"  - {escape(need.question)}{ids([need.field])}")
    console.print(f"\n[italic]{escape(advice.disclaimer)}[/italic]")
    if refs.order:
        citations = {s.id: s.citation for s in advice.sources}
        console.print(f"\n[bold]{t('heading.sources')}[/bold]")  # BIBLIOGRAPHY (see readability)
        for number, sid in enumerate(refs.order, start=1):
            console.print(f"  [{number}] {escape(citations.get(sid, sid))}", soft_wrap=True)


def _print_choices(advice: Advice, t: Callable[[str], str], console: Console) -> None:
    """The options open to this patient: advised against, or provisional with what decides it."""
    if not advice.options:
        return
    console.print(f"\n[bold]{t('heading.options')}[/bold]")
    for option in advice.options:
        marks = [t("label.advised_against")] if option.advised_against else []
        if option.applicable is None and option.decided_by:
            questions = "; ".join(q.question for q in option.decided_by)
            marks.append(f"{t('label.provisional_option')}: {questions}")
        mark = f" [dim]({escape(', '.join(marks))})[/dim]" if marks else ""
        console.print(f"  - {escape(option.name)}{mark}")


def _per_1000(risk: int | None) -> str:
    return "—" if risk is None else str(risk)


def _print_comparisons(advice: Advice, t: Callable[[str], str], console: Console) -> None:
    """One row per outcome and pair of options (GRADE summary of findings); the verdict is the
    engine's, so no row says 'fewer' or 'more' when its interval crosses no effect."""
    if not advice.comparisons:
        return
    names = {o.id: o.name for o in (*advice.options, *advice.actions)}
    console.print(f"\n[bold]{t('heading.comparisons')}[/bold]")
    table = Table(show_header=True, header_style="bold")
    for column in (
        t("label.outcome"),
        t("label.per_1000_people"),
        t("label.certainty"),
        t("label.timeframe"),
    ):
        table.add_column(column)
    for row in advice.comparisons:
        risks = (
            f"{escape(names[row.intervention])}: {_per_1000(row.intervention_per_1000)}\n"
            f"{escape(names[row.comparator])}: {_per_1000(row.comparator_per_1000)}\n"
            f"{escape(row.verdict_text)}"
        )
        population = f"\n[dim]{escape(row.population)}[/dim]" if row.population else ""
        table.add_row(
            f"{escape(row.name)}{population}",
            risks,
            t(f"certainty.plain.{row.certainty}") if row.certainty else "",
            escape(row.timeframe),
        )
    console.print(table)


def _print_figures(advice: Advice, t: Callable[[str], str], console: Console) -> None:
    """Numbers for one option alone: part of that option's description, not a comparison."""
    with_figures = [o for o in (*advice.options, *advice.actions) if o.figures]
    if not with_figures:
        return
    console.print(f"\n[bold]{t('heading.figures')}[/bold]")
    for option in with_figures:
        console.print(f"  [bold]{escape(option.name)}[/bold]")
        for figure in option.figures:
            console.print(
                f"    - {escape(figure.name)}: {_per_1000(figure.risk_per_1000)} "
                f"{t('label.per_1000_people')} ({escape(figure.timeframe)})"
            )
