"""Vignettes: patient situations and the advice they must get, stored as data.

Used three ways: by the test suite (each vignette is a test), by `keuzewijs validate`
(every rule must fire in one vignette and stay silent in another), and by `keuzewijs demo`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from keuzewijs.engine import advise_pack
from keuzewijs.engine.contract import Advice
from keuzewijs.packs import Library, parse_file
from keuzewijs.packs.models import SourceRef, Strict


class Expect(Strict):
    urgent: list[str] = Field(description="exactly these red flags fire")
    fired: list[str] = Field(
        default_factory=list, description="shown with status 'applies' (every exception known)"
    )
    provisional: list[str] = Field(
        default_factory=list,
        description="shown with status 'provisional' (an exception open, asked as a question)",
    )
    not_fired: list[str] = Field(default_factory=list, description="not shown at all")
    to_check: list[str] | None = Field(
        None, description="exactly these red flags are still to be asked (order ignored)"
    )
    needs: list[str] = Field(default_factory=list)
    options: list[str] | None = None
    later: list[str] = Field(
        default_factory=list,
        description="recommendations folded under 'later' (a red flag fired; issue 18)",
    )
    comparison_later: bool | None = Field(
        None, description="whether the option comparison is folded under 'later'"
    )
    urgency: dict[str, str] = Field(
        default_factory=dict, description="red flag id -> its urgency level, fired or to check"
    )
    risks: dict[str, dict[str, int | None]] = Field(
        default_factory=dict,
        description="per 1000; null means the outcome must not be shown for that option",
    )


class Vignette(Strict):
    id: str
    description: str
    rules: list[str] = Field(default_factory=list)
    boundary: str | None = None
    source: SourceRef
    lang: Literal["nl", "en"] = "nl"
    demo: bool = Field(False, description="shown by `keuzewijs demo` / `make run`")
    profile: dict[str, Any]
    expect: Expect


class VignetteFile(Strict):
    condition: str
    vignettes: list[Vignette] = Field(min_length=1)


def vignette_dirs(
    library: Library | None, condition_id: str, explicit: Path | None = None
) -> list[Path]:
    if explicit is not None:
        return [explicit / condition_id]
    from keuzewijs.packs import default_root

    root = library.root if library else default_root()
    dirs = [root.parent / "tests" / "vignettes" / condition_id]
    if library and condition_id in library.packs:
        dirs.append(library.packs[condition_id].root / "vignettes")
    return dirs


def load_vignettes(
    library: Library | None, condition_id: str, explicit: Path | None = None
) -> list[Vignette]:
    out: list[Vignette] = []
    for folder in vignette_dirs(library, condition_id, explicit):
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            out.extend(parse_file(path, VignetteFile).vignettes)
    return out


def run_vignette(library: Library, condition_id: str, vignette: Vignette) -> Advice:
    return advise_pack(library, library.pack(condition_id), vignette.profile, vignette.lang)


def mismatches(advice: Advice, expect: Expect) -> list[str]:
    """What differs between the advice and the vignette's expectation (empty: it passes)."""
    return [
        *_urgent_mismatches(advice, expect),
        *_shown_mismatches(advice, expect),
        *_later_mismatches(advice, expect),
        *_urgency_mismatches(advice, expect),
        *_asked_mismatches(advice, expect),
        *_option_mismatches(advice, expect),
        *_risk_mismatches(advice, expect),
    ]


def _urgent_mismatches(advice: Advice, expect: Expect) -> list[str]:
    urgent = sorted(u.id for u in advice.urgent)
    if urgent != sorted(expect.urgent):
        return [f"urgent: expected {sorted(expect.urgent)}, got {urgent}"]
    return []


def _shown_mismatches(advice: Advice, expect: Expect) -> list[str]:
    """Recommendations expected as 'applies' or 'provisional', and those expected absent."""
    problems: list[str] = []
    status = {r.id: r.status for r in advice.recommendations}
    for wanted, rules in (("applies", expect.fired), ("provisional", expect.provisional)):
        for rule in rules:
            if status.get(rule) != wanted:
                problems.append(
                    f"expected recommendation '{rule}' shown as '{wanted}'; "
                    f"got {status.get(rule, 'not shown')}; shown: {sorted(status.items())}"
                )
    later = {r.id for r in advice.later}
    for rule in expect.not_fired:
        if rule in status or rule in later:
            where = status.get(rule, "under 'later'")
            problems.append(f"expected recommendation '{rule}' not to be shown ({where})")
    return problems


def _later_mismatches(advice: Advice, expect: Expect) -> list[str]:
    later = {r.id for r in advice.later}
    problems = [
        f"expected '{rule}' under 'later'; got {sorted(later)}"
        for rule in expect.later
        if rule not in later
    ]
    if expect.comparison_later is not None and advice.comparison_later != expect.comparison_later:
        problems.append(
            f"comparison_later: expected {expect.comparison_later}, got {advice.comparison_later}"
        )
    return problems


def _urgency_mismatches(advice: Advice, expect: Expect) -> list[str]:
    levels = {u.id: u.urgency for u in advice.urgent} | {t.id: t.urgency for t in advice.to_check}
    return [
        f"urgency of '{flag}': expected {level}, got {levels.get(flag)}"
        for flag, level in expect.urgency.items()
        if levels.get(flag) != level
    ]


def _asked_mismatches(advice: Advice, expect: Expect) -> list[str]:
    """Questions to check and fields still needed."""
    problems: list[str] = []
    if expect.to_check is not None:
        asked = sorted(t.id for t in advice.to_check)
        if asked != sorted(expect.to_check):
            problems.append(f"to_check: expected {sorted(expect.to_check)}, got {asked}")
    needed = {n.field for n in advice.needs}
    for name in expect.needs:
        if name not in needed:
            problems.append(f"expected '{name}' among needed fields; got {sorted(needed)}")
    return problems


def _option_mismatches(advice: Advice, expect: Expect) -> list[str]:
    if expect.options is None:
        return []
    shown = sorted(o.id for o in advice.options)
    if shown != sorted(expect.options):
        return [f"options: expected {sorted(expect.options)}, got {shown}"]
    return []


def _risk_mismatches(advice: Advice, expect: Expect) -> list[str]:
    by_option = {
        o.id: {e.id: e.risk_per_1000 for e in (*o.outcomes, *o.figures)}
        for o in (*advice.options, *advice.actions)
    }
    problems: list[str] = []
    for option, risks in expect.risks.items():
        for outcome, per_1000 in risks.items():
            got = by_option.get(option, {}).get(outcome)
            if got != per_1000:
                problems.append(f"risk {option}/{outcome}: expected {per_1000} per 1000, got {got}")
    return problems
