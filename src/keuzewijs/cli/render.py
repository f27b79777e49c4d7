"""Text rendering of an Advice for the terminal: urgent first, then recommendations, then
options."""

from __future__ import annotations

from rich.console import Console
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
            f"{item.message}\n[bold]{t('label.action')}:[/bold] {item.action}\n"
            f"[dim]{t('label.applies_because')}: {item.why}\n{_src(item.sources)}[/dim]"
        )
        console.print(Panel(body, title=f"[bold]{t('heading.urgent')}[/bold]", border_style="red"))
    if advice.to_check:
        console.print(f"\n[bold yellow]{t('heading.to_check')}[/bold yellow]")
        for check in advice.to_check:
            console.print(f"  ? {check.message} [dim]({', '.join(check.needs)})[/dim]")
    if advice.recommendations:
        console.print(f"\n[bold]{t('heading.recommendations')}[/bold]")
        for rec in advice.recommendations:
            label = (
                f"{t('direction.' + rec.direction)} {rec.about} ({t('strength.' + rec.strength)})"
            )
            console.print(f"  [bold]{label}[/bold]: {rec.text}")
            console.print(f"    {t('label.why')}: {rec.why}")
            if rec.applies_because:
                console.print(f"    [dim]{t('label.applies_because')}: {rec.applies_because}[/dim]")
            console.print(f"    [dim]{_src(rec.sources)}[/dim]")
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
