"""The hazard log (ISO 14971) as data, and the check that the tests prove it (issue 18).

`safety/hazards.yaml` declares a 5x5 risk matrix, the defects the log must cover, and the hazards:
hazard, hazardous situation, harm, causes, severity and probability before and after mitigation,
mitigations (each naming what implements it and the tests that prove it) and the residual risk
with why it is acceptable. `keuzewijs safety` reads it beside a results file written by the
pytest plugin (tests/hazard_plugin.py) and fails, one line per problem naming the hazard, when a
mitigation is not proven by a test that ran and passed in that run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from keuzewijs.errors import KnowledgeError
from keuzewijs.packs import parse_file
from keuzewijs.packs.models import Strict  # the strict, frozen base of every YAML data model

HAZARD_ID = r"^H-\d{3}$"


class Level(Strict):
    level: int = Field(ge=1, le=5)
    name: str = Field(min_length=1)
    meaning: str = Field(min_length=1)


class Matrix(Strict):
    """Severity x probability, each 1-5; a risk's score is their product."""

    severity: list[Level] = Field(min_length=5, max_length=5)
    probability: list[Level] = Field(min_length=5, max_length=5)
    acceptable_max: int = Field(ge=1, le=25, description="score up to this: acceptable")
    alarp_max: int = Field(
        ge=1, le=25, description="score up to this: acceptable only as low as reasonably possible"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Matrix:
        for axis in (self.severity, self.probability):
            if [lv.level for lv in axis] != [1, 2, 3, 4, 5]:
                raise ValueError("levels must be 1, 2, 3, 4, 5 in that order")
        if self.acceptable_max >= self.alarp_max:
            raise ValueError("acceptable_max must be below alarp_max")
        return self

    def region(self, rating: Rating) -> str:
        score = rating.score
        if score <= self.acceptable_max:
            return "acceptable"
        return "alarp" if score <= self.alarp_max else "unacceptable"


class Rating(Strict):
    severity: int = Field(ge=1, le=5)
    probability: int = Field(ge=1, le=5)

    @property
    def score(self) -> int:
        return self.severity * self.probability


class Implementation(Strict):
    kind: Literal[
        "engine_invariant",
        "rule",
        "pack_data",
        "model_check",
        "validate_check",
        "boundary_check",
        "storage",
        "build",
    ]
    ref: str = Field(min_length=1, description="where: module, rule id, check or file")


class Planned(Strict):
    """Tests another piece of work will add; listed in the log, never counted as proof."""

    by: str = Field(min_length=1)
    tests: list[str] = Field(min_length=1)


class Mitigation(Strict):
    measure: str = Field(min_length=1)
    implemented_by: list[Implementation] = Field(min_length=1)
    tests: list[str] = Field(default_factory=list, description="pytest node ids")
    by_marker: bool = Field(
        False, description="tests marked @pytest.mark.hazard(<this hazard>) prove it too"
    )
    planned: Planned | None = None


class Hazard(Strict):
    id: str = Field(pattern=HAZARD_ID)
    title: str = Field(min_length=1)
    covers: list[str] = Field(default_factory=list, description="defect ids this hazard covers")
    hazard: str = Field(min_length=1)
    situation: str = Field(min_length=1, description="the hazardous situation")
    harm: str = Field(min_length=1)
    causes: list[str] = Field(min_length=1)
    before: Rating
    mitigations: list[Mitigation] = Field(min_length=1)
    after: Rating
    residual: str = Field(min_length=1)
    acceptable_because: str = Field(min_length=1)


class Defect(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    text: str = Field(min_length=1)
    source: str = Field(min_length=1)


class HazardLog(Strict):
    matrix: Matrix
    defects: list[Defect] = Field(min_length=1)
    hazards: list[Hazard] = Field(min_length=25)

    @model_validator(mode="after")
    def _coherent(self) -> HazardLog:
        ids = [h.id for h in self.hazards]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"hazard ids used twice: {', '.join(twice)}")
        defects = {d.id for d in self.defects}
        covered: set[str] = set()
        for h in self.hazards:
            unknown = set(h.covers) - defects
            if unknown:
                raise ValueError(f"{h.id} covers unknown defects: {', '.join(sorted(unknown))}")
            covered |= set(h.covers)
            if h.after.severity > h.before.severity or h.after.score > h.before.score:
                raise ValueError(f"{h.id}: the risk after mitigation exceeds the risk before")
            if self.matrix.region(h.after) == "unacceptable":
                raise ValueError(f"{h.id}: unacceptable residual risk (score {h.after.score})")
        lacking = sorted(defects - covered)
        if lacking:
            raise ValueError(f"defects no hazard covers: {', '.join(lacking)}")
        return self


def load_log(path: Path) -> HazardLog:
    return parse_file(path, HazardLog)


@dataclass(frozen=True)
class TestResult:
    outcome: str  # passed | failed | skipped
    hazards: tuple[str, ...]


def load_results(path: Path) -> dict[str, TestResult]:
    """The results file the pytest plugin writes: {"tests": {node id: {outcome, hazards}}}."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeError(
            "no test results; run pytest with --hazard-results first (make test)", path=str(path)
        ) from None
    except json.JSONDecodeError as exc:
        raise KnowledgeError(f"not JSON: {exc.msg}", path=str(path)) from None
    try:
        tests = _Results.model_validate(raw).tests
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise KnowledgeError(err["msg"], path=f"{path}: {loc}") from None
    return {k: TestResult(v.outcome, tuple(v.hazards)) for k, v in tests.items()}


class _Result(Strict):
    outcome: Literal["passed", "failed", "skipped"]
    hazards: list[str] = Field(default_factory=list)


class _Results(Strict):
    tests: dict[str, _Result]


def matching(test: str, results: dict[str, TestResult]) -> list[str]:
    """The node ids a named test stands for: itself, or each of its parametrisations."""
    return [k for k in results if k == test or k.startswith(test + "[")]


@dataclass(frozen=True)
class Proof:
    """One line of the traceability matrix."""

    hazard: str
    mitigation: int  # index in the hazard's mitigations
    test: str
    result: str  # passed | failed | skipped | not run | planned


def trace(log: HazardLog, results: dict[str, TestResult]) -> list[Proof]:
    rows: list[Proof] = []
    for h in log.hazards:
        marked = sorted(k for k, r in results.items() if h.id in r.hazards)
        for i, m in enumerate(h.mitigations):
            for test in m.tests:
                found = matching(test, results)
                rows.append(Proof(h.id, i, test, _outcome([results[k] for k in found])))
            if m.by_marker:
                rows.extend(Proof(h.id, i, k, results[k].outcome) for k in marked)
            if m.planned is not None:
                rows.extend(Proof(h.id, i, t, "planned") for t in m.planned.tests)
    return rows


def _outcome(found: list[TestResult]) -> str:
    if not found:
        return "not run"
    for worst in ("failed", "skipped"):
        if any(r.outcome == worst for r in found):
            return worst
    return "passed"


def problems(log: HazardLog, results: dict[str, TestResult]) -> list[str]:
    """Every missing or failing proof, one line each, naming the hazard."""
    out: list[str] = []
    rows = trace(log, results)
    for h in log.hazards:
        mine = [r for r in rows if r.hazard == h.id and r.result != "planned"]
        for i, m in enumerate(h.mitigations):
            if not m.tests and not m.by_marker:
                out.append(f"{h.id}: mitigation {i + 1} names no test")
            if m.by_marker and not any(h.id in res.hazards for res in results.values()):
                out.append(f"{h.id}: mitigation {i + 1} relies on markers; no marked test ran")
        for r in mine:
            if r.result != "passed":
                out.append(f"{h.id}: test {r.test} {r.result} in this run")
        if not any(r.result == "passed" for r in mine):
            out.append(f"{h.id}: no passing test proves any of its mitigations")
    known = {h.id for h in log.hazards}
    for node, result in sorted(results.items()):
        for hid in result.hazards:
            if hid not in known:
                out.append(f"{hid}: unknown hazard named by the marker of {node}")
    return out


def named_tests(log: HazardLog) -> list[str]:
    """Every test the log names (for `make safety`, which runs only these and marked tests)."""
    return sorted({t for h in log.hazards for m in h.mitigations for t in m.tests})


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def hazard_log_markdown(log: HazardLog) -> str:
    m = log.matrix
    lines = [
        "# Hazard log",
        "",
        "Generated by `keuzewijs safety` from `safety/hazards.yaml` (do not edit by hand). The "
        "tests that prove each mitigation, with their result in the last run, are in "
        "[traceability.md](traceability.md).",
        "",
        "## Risk matrix",
        "",
        f"Score = severity x probability. Acceptable: score <= {m.acceptable_max}; as low as "
        f"reasonably possible (ALARP): score <= {m.alarp_max}; above: unacceptable.",
        "",
        "| Level | Severity | Probability |",
        "|---|---|---|",
    ]
    for s, p in zip(m.severity, m.probability, strict=True):
        lines.append(f"| {s.level} | {s.name}: {_cell(s.meaning)} | {p.name}: {_cell(p.meaning)} |")
    lines += ["", "## Defects the log covers", "", "| Defect | What | Hazards |", "|---|---|---|"]
    for d in log.defects:
        by = ", ".join(h.id for h in log.hazards if d.id in h.covers)
        lines.append(f"| {d.id} | {_cell(d.text)} ({_cell(d.source)}) | {by} |")
    lines += [
        "",
        "## Hazards",
        "",
        "| Id | Title | Before (S x P) | After (S x P) | Region after |",
        "|---|---|---|---|---|",
    ]
    for h in log.hazards:
        b, a = h.before, h.after
        lines.append(
            f"| {h.id} | {_cell(h.title)} | {b.severity} x {b.probability} = {b.score} | "
            f"{a.severity} x {a.probability} = {a.score} | {m.region(a)} |"
        )
    for h in log.hazards:
        lines += [
            "",
            f"### {h.id} {h.title}",
            "",
            f"- Hazard: {h.hazard}",
            f"- Hazardous situation: {h.situation}",
            f"- Harm: {h.harm}",
            f"- Causes: {'; '.join(h.causes)}",
            f"- Covers: {', '.join(h.covers) or '-'}",
            f"- Before: severity {h.before.severity}, probability {h.before.probability}",
            f"- After: severity {h.after.severity}, probability {h.after.probability} "
            f"({m.region(h.after)})",
            "- Mitigations:",
        ]
        for i, mit in enumerate(h.mitigations, 1):
            impl = "; ".join(f"{x.kind}: {x.ref}" for x in mit.implemented_by)
            lines.append(f"  {i}. {mit.measure} (implemented by {impl})")
            if mit.planned is not None:
                lines.append(
                    f"     Planned by {mit.planned.by} (not yet proof): "
                    + ", ".join(f"`{t}`" for t in mit.planned.tests)
                )
        lines += [f"- Residual risk: {h.residual}", f"- Acceptable because: {h.acceptable_because}"]
    return "\n".join(lines) + "\n"


def traceability_markdown(log: HazardLog, rows: Iterable[Proof]) -> str:
    titles = {h.id: h for h in log.hazards}
    lines = [
        "# Traceability matrix",
        "",
        "Generated by `keuzewijs safety` (do not edit by hand): hazard -> mitigation -> test -> "
        "result in the run that wrote the results file. 'planned' tests are not proof.",
        "",
        "| Hazard | Mitigation | Test | Result |",
        "|---|---|---|---|",
    ]
    for r in rows:
        h = titles[r.hazard]
        measure = h.mitigations[r.mitigation].measure
        lines.append(
            f"| {r.hazard} {_cell(h.title)} | {r.mitigation + 1}. {_cell(measure)} | "
            f"`{_cell(r.test)}` | {r.result} |"
        )
    return "\n".join(lines) + "\n"
