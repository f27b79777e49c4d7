"""Text rendering of an Advice for the terminal: urgent first, then recommendations, then
options."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from keuzewijs.engine.contract import Advice
from keuzewijs.packs.models import Text


def _src(sources) -> str:
    return "; ".join(f"{s.id} ({s.locator})" for s in sources)


def print_advice(advice: Advice, ui: dict[str, Text], console: Console) -> None:
    lang = advice.lang

    def t(key: str) -> str:
        return ui[key].get(lang)

    console.print(f"[bold]{advice.condition_name}[/bold]  [dim]{advice.knowledge_version}[/dim]")
    for item in advice.urgent:
        body = (
            f"{escape(item.message)}\n[bold]{t('label.action')}:[/bold] {escape(item.action)}\n"
            f"[dim]{t('label.applies_because')}: {escape(item.why)}\n"
            f"{escape(_src(item.sources))}[/dim]"
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
            console.print(f"  ? {escape(check.message)} [dim]({', '.join(check.needs)})[/dim]")
            console.print(f"    [bold]{t('label.if_yes')}:[/bold] {escape(check.action)}")
    if advice.recommendations:
        console.print(f"\n[bold]{t('heading.recommendations')}[/bold]")
        for rec in advice.recommendations:
            marks = [t("strength." + rec.strength)]
            if rec.status == "provisional":
                marks.append(t("status.provisional"))
            label = f"{t('direction.' + rec.direction)} {rec.about} ({', '.join(marks)})"
            text = escape(rec.text)
            if rec.status == "provisional" and rec.unless:
                text = f"{text} [bold]— {escape(rec.unless)}[/bold]"
            console.print(f"  [bold]{label}[/bold]: {text}")
            if rec.unless_open:
                console.print(f"    {t('label.unless_open')}:")
                for question in rec.unless_open:
                    console.print(
                        f"      - {escape(question.question)} [dim]({question.field})[/dim]"
                    )
            console.print(f"    {t('label.why')}: {escape(rec.why)}")
            if rec.applies_because:
                because = escape(rec.applies_because)
                console.print(f"    [dim]{t('label.applies_because')}: {because}[/dim]")
            console.print(f"    [dim]{escape(_src(rec.sources))}[/dim]")
    for heading, options in (
        ("heading.options", advice.options),
        ("heading.actions", advice.actions),
    ):
        with_numbers = [o for o in options if o.outcomes]
        if not with_numbers:
            continue
        console.print(f"\n[bold]{t(heading)}[/bold]")
        table = Table(show_header=True, header_style="bold")
        for column in (
            "",
            "outcome",
            t("label.per_1000"),
            "95% CI",
            "relative effect",
            "timeframe",
        ):
            table.add_column(column)
        for option in with_numbers:
            for out in option.outcomes:
                rel = out.relative_effect
                table.add_row(
                    option.name,
                    out.name,
                    "" if out.risk_per_1000 is None else str(out.risk_per_1000),
                    "" if out.ci_per_1000 is None else f"{out.ci_per_1000[0]}–{out.ci_per_1000[1]}",
                    ""
                    if rel is None
                    else (
                        f"{rel.measure} {rel.estimate:g} ({rel.ci[0]:g}–{rel.ci[1]:g}) "
                        f"vs {rel.versus}"
                    ),
                    out.timeframe,
                )
        console.print(table)
    if advice.needs:
        console.print(f"\n[bold]{t('heading.needs')}[/bold]")
        for need in advice.needs:
            console.print(f"  - {need.question} [dim]({need.field})[/dim]")
    console.print(f"\n[italic]{advice.disclaimer}[/italic]")
