"""`keuzewijs validate`: every pack loads, every rule is exercised on both sides, every site
parses."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from rich.console import Console

from keuzewijs.engine import Advice, advise_pack
from keuzewijs.errors import KeuzewijsError
from keuzewijs.packs import (
    PACK_FILES,
    Library,
    Pack,
    Problem,
    default_root,
    load_pack,
    load_sites,
    load_ui,
    pack_dirs,
    phones,
)
from keuzewijs.packs.models import Site

from . import coherence
from .bounds import unbounded_numbers
from .ipdas import print_ipdas
from .readability import (
    PackReadability,
    check_dutch_output,
    check_pack,
    dutch_text_output,
    load_rules,
)
from .rules_check import conflicts, warnings
from .vignettes import load_vignettes, mismatches, run_vignette


def _rule_ids(library: Library, condition_id: str) -> list[tuple[str, bool]]:
    rules = library.pack(condition_id).rules
    return [(r.id, r.when is not None or r.unless is not None) for r in rules.rules]


def check_vignettes(
    library: Library,
    condition_id: str,
    explicit: Path | None,
    advices: list[Advice] | None = None,
) -> tuple[list[Problem], int]:
    """Run every vignette of a pack and check that each conditional rule fires in one and not in
    another, and that its Dutch text output has no English words, internal ids or jargon."""
    problems: list[Problem] = []
    pack = library.pack(condition_id)
    rules = load_rules(library)
    sides: dict[str, set[bool]] = defaultdict(set)
    vignettes = load_vignettes(library, condition_id, explicit)
    seen: set[str] = set()
    for vignette in vignettes:
        where = f"vignette {condition_id}/{vignette.id}"
        if vignette.id in seen:
            problems.append(Problem(where, "vignette id used twice"))
        seen.add(vignette.id)
        try:
            advice = run_vignette(library, condition_id, vignette)
        except KeuzewijsError as exc:
            problems.append(Problem(where, exc.one_line()))
            continue
        if advices is not None:  # for the coherence checks of what is shown
            advices.append(advice)
        problems.extend(Problem(where, m) for m in mismatches(advice, vignette.expect))
        dutch = (
            advice if vignette.lang == "nl" else advise_pack(library, pack, vignette.profile, "nl")
        )
        found = check_dutch_output(dutch_text_output(dutch, library.ui), pack, rules)
        if found:
            problems.append(Problem(f"{where} (nl text output)", f"not plain Dutch: {found}"))
        for entry in advice.trace:
            if entry.kind == "red_flag" and entry.fired is not None:
                sides[entry.rule].add(entry.fired)
            elif entry.kind == "recommendation" and (entry.status or entry.fired is False):
                sides[entry.rule].add(entry.status is not None)  # shown (applies/provisional)
    for rule_id, conditional in _rule_ids(library, condition_id):
        wanted = {True, False} if conditional else {True}
        lacking = wanted - sides[rule_id]
        if lacking:
            side = " and ".join(
                "fires" if s else "does not fire" for s in sorted(lacking, reverse=True)
            )
            problems.append(Problem(f"rules.yaml: {rule_id}", f"no vignette in which it {side}"))
    return problems, len(vignettes)


def orphan_pack_dirs(root: Path) -> list[Path]:
    """Folders that look like a pack (they hold a pack file) but lack pack.yaml: without this
    check the loader would skip them silently."""
    if not root.is_dir():
        return []
    return [
        p for d in sorted(root.iterdir()) if not d.name.startswith(("_", ".")) for p in _orphan(d)
    ]


def _orphan(folder: Path) -> list[Path]:
    pack_files = set(PACK_FILES) - {"pack.yaml"}
    looks_like_pack = folder.is_dir() and any((folder / name).exists() for name in pack_files)
    return [folder] if looks_like_pack and not (folder / "pack.yaml").exists() else []


def run_validation(
    path: Path | None,
    vignettes: Path | None,
    console: Console,
    *,
    strict: bool = False,
    sites_dir: Path | None = None,
) -> int:
    """Exit status: 0 all good, 1 findings (vignettes, coverage, sites), 2 a pack that does not
    load. `strict` (for deployment): a site without a number it needs is a finding too."""
    root = (path or default_root()).resolve()
    roots, knowledge_root = _pack_roots(root)
    ui = load_ui(knowledge_root)
    packs, broken = _load_packs(root, roots, console)
    library = Library(root=knowledge_root, packs=packs, ui=ui)
    ok = True
    for condition_id, pack in packs.items():
        ok &= _report_pack(library, condition_id, pack, vignettes, console)
    try:
        sites = load_sites(knowledge_root, sites_dir)
    except KeuzewijsError as exc:
        console.print(f"[red]✗[/red] sites: {exc.one_line()}")
        return 2
    for site in sites.values():
        ok &= _report_site(site, packs, path, strict, console)
    if not packs and not broken:
        console.print("[red]✗[/red] no knowledge packs found")
        return 2
    return 2 if broken else (0 if ok else 1)


def _pack_roots(root: Path) -> tuple[list[Path], Path]:
    """The pack folders to check and the knowledge folder they live in: `root` is one pack or a
    knowledge folder of packs."""
    if (root / "pack.yaml").exists():
        return [root], root.parent
    if not root.is_dir():
        raise KeuzewijsError("no such folder", path=str(root))
    if _orphan(root):  # a pack folder given directly, without its pack.yaml
        raise KeuzewijsError("holds pack files but no pack.yaml", path=str(root))
    return pack_dirs(root), root


def _load_packs(root: Path, roots: list[Path], console: Console) -> tuple[dict[str, Pack], bool]:
    """The packs that load, and whether any pack folder is broken (printed as it is found)."""
    packs: dict[str, Pack] = {}
    broken = False
    orphans = [] if roots == [root] else orphan_pack_dirs(root)
    for orphan in orphans:
        console.print(f"[red]✗[/red] {orphan.name}: holds pack files but no pack.yaml")
        broken = True
    for pack_root in roots:
        try:
            packs[pack_root.name] = load_pack(pack_root)
        except KeuzewijsError as exc:
            console.print(f"[red]✗[/red] {pack_root.name}: {exc.one_line()}")
            broken = True
    return packs, broken


def _report_pack(
    library: Library, condition_id: str, pack: Pack, vignettes: Path | None, console: Console
) -> bool:
    """Print one pack's checks; True when it has no findings."""
    advices: list[Advice] = []
    problems, count = check_vignettes(library, condition_id, vignettes, advices)
    problems += list(conflicts(pack))
    problems += list(unbounded_numbers(pack))
    problems += coherence.check(pack, advices)
    unexplained = [g for g in pack.study_gaps if not g.explanation]
    rules = len(pack.rules.red_flags) + len(pack.rules.recommendations)
    readable = check_pack(pack, load_rules(library))
    mark = (
        "[green]✓[/green]" if not (problems or unexplained or readable.problems) else "[red]✗[/red]"
    )
    console.print(
        f"{mark} {condition_id}: {rules} rules ({len(pack.rules.red_flags)} red flags), "
        f"{len(pack.evidence.estimates)} estimates, {count} vignettes"
    )
    for problem in problems:
        console.print(f"    {problem.one_line()}")
    for warning in warnings(pack):
        console.print(f"    [yellow]![/yellow] {warning.one_line()}")
    _print_study_data(pack, console)
    _print_readability(readable, console)
    print_ipdas(pack, console)  # decision-aid quality (IPDAS): reported, not fatal
    return not [*problems, *unexplained, *readable.problems]


def _print_study_data(pack: Pack, console: Console) -> None:
    for estimate_id, result in pack.study_results.items():
        console.print(
            f"    [green]✓[/green] {estimate_id}: pooled from {result.k} studies "
            f"({result.description})"
        )
    for gap in pack.study_gaps:  # study-level data vs the published summary it cites
        console.print(
            f"    {'[yellow]![/yellow]' if gap.explanation else '[red]✗[/red]'} {gap.one_line()}"
        )


def _print_readability(readable: PackReadability, console: Console) -> None:
    score = "n/a" if readable.flesch_douma is None else f"{readable.flesch_douma:.0f}"
    console.print(
        f"    {'[green]✓[/green]' if not readable.problems else '[red]✗[/red]'} readability: "
        f"Flesch-Douma {score} over {readable.sentences_checked} patient sentences (nl+en), "
        f"{len(readable.problems)} findings"
    )
    for problem in readable.problems:
        console.print(f"    {problem.one_line()}")


def _report_site(
    site: Site, packs: dict[str, Pack], path: Path | None, strict: bool, console: Console
) -> bool:
    """Print one site's checks; True when it has no findings."""
    ok = True
    unknown = [c for c in site.conditions if c not in packs]
    unknown += [c for p in site.phones for c in p.conditions if c not in site.conditions]
    if unknown and path is None:
        console.print(f"[red]✗[/red] site {site.id}: unknown conditions {sorted(set(unknown))}")
        ok = False
    else:
        console.print(f"[green]✓[/green] site {site.id}: {site.name}")
    # A site may be tried out before it has every number, but not deployed (--strict): its
    # IT team must see which numbers a patient's page will not show.
    gaps = [*phones.missing(site), *phones.unanswered(site)]
    mark = "[red]✗[/red]" if strict else "[yellow]![/yellow]"
    for gap in gaps:
        console.print(f"    {mark} site {site.id}: {gap}")
    if strict and gaps:
        ok = False
    return ok
