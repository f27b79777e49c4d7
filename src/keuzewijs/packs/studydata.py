"""Study-level data beside a pack: pooled at load time, compared with the published summary.

When an estimate in evidence.yaml has `study_data`, the loader pools the CSV with
`keuzewijs.evidence` (the metafor-validated engine) and the pack then carries the computed
estimate, CI and I²; the published numbers stay in `pooled.published_*`. A difference beyond
the published rounding is a `StudyGap`: `keuzewijs validate` reports it as an error unless the
author explained it (`accepted_gap`), because a gap means either a data-entry error or evidence
that has moved since the publication — both a reader must know about.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from keuzewijs.errors import KeuzewijsError, KnowledgeError

from .files import parse_file
from .models import EvidenceFile, Pooled, RelativeEstimate, StudyCard, StudyData

if TYPE_CHECKING:
    from keuzewijs.evidence import MetaResult


@dataclass(frozen=True)
class StudyGap:
    """A computed number that does not round to the published one."""

    estimate_id: str
    path: str
    quantity: str
    published: float
    computed: float
    allowed: float
    explanation: str | None

    def one_line(self) -> str:
        verdict = (
            f"explained: {self.explanation}"
            if self.explanation
            else "unexplained (add study_data.accepted_gap or fix the data)"
        )
        return (
            f"{self.path}: {self.quantity} computed from the studies is {self.computed:.4g}, "
            f"published {self.published:g} (rounding allows ±{self.allowed:g}); {verdict}"
        )


@dataclass(frozen=True)
class PooledEvidence:
    evidence: EvidenceFile
    gaps: list[StudyGap]
    results: dict[str, MetaResult]
    files: list[Path]  # every file read, for the knowledge version digest


def _card(root: Path, data: StudyData, columns: list[str]) -> None:
    card = parse_file(root / data.card, StudyCard)
    described = {c.name for c in card.columns}
    missing = [c for c in columns if c not in described]
    if missing:
        raise KnowledgeError(
            f"the provenance card does not say what column(s) {', '.join(missing)} mean",
            path=f"{root / data.card}: columns",
        )


def _gaps(
    estimate_id: str,
    data: StudyData,
    pooled: Pooled,
    computed: tuple[float, float, float, float],
    where: str,
) -> list[StudyGap]:
    allowed = 0.5 * 10**-data.decimals
    explanation = data.accepted_gap.en if data.accepted_gap else None
    effect, lo, hi, i2 = computed
    checks = [
        ("estimate", pooled.published_estimate, effect, allowed),
        ("95% CI lower bound", pooled.published_ci[0], lo, allowed),
        ("95% CI upper bound", pooled.published_ci[1], hi, allowed),
    ]
    if pooled.published_i2 is not None:  # I² is published in whole percents
        checks.append(("I² (%)", pooled.published_i2, i2, 0.5))
    return [
        StudyGap(estimate_id, where, name, pub, comp, tol, explanation)
        for name, pub, comp, tol in checks
        if abs(comp - pub) > tol + 1e-12
    ]


def pool_study_data(root: Path, evidence: EvidenceFile) -> PooledEvidence:
    """Pool every estimate that has study_data; other estimates pass unchanged."""
    if not any(isinstance(e, RelativeEstimate) and e.study_data for e in evidence.estimates):
        return PooledEvidence(evidence, [], {}, [])
    from keuzewijs.evidence import (
        REQUIRED,
        meta_analysis,
        read_studies,
    )  # NumPy/SciPy only for packs with study data

    estimates, gaps, results, files = [], [], {}, []
    for i, est in enumerate(evidence.estimates):
        if not (isinstance(est, RelativeEstimate) and est.study_data):
            estimates.append(est)
            continue
        data = est.study_data
        where = f"{root / 'evidence.yaml'}: estimates[{i}].study_data"
        csv_path = root / data.file
        try:
            studies, extra = read_studies(csv_path)
            _card(root, data, [*REQUIRED, *extra])
            # ignored below: the pack model restricts measure and method to the Literals
            result = meta_analysis(studies, est.measure, data.method, hksj=data.hksj)  # type: ignore[arg-type]
        except KnowledgeError:
            raise
        except KeuzewijsError as exc:
            raise KnowledgeError(exc.message, path=exc.path or where) from None
        except ValueError as exc:
            raise KnowledgeError(str(exc), path=where) from None
        files += [csv_path, root / data.card]
        effect, (lo, hi) = result.effect, result.effect_ci
        i2 = 100 * result.heterogeneity.i2
        pooled = Pooled(
            description=result.description,
            k=result.k,
            patients=sum(s.treatment_total + s.control_total for s in studies),
            published_estimate=est.estimate,
            published_ci=est.ci,
            published_i2=est.i2,
        )
        gaps += _gaps(est.id, data, pooled, (effect, lo, hi, i2), where)
        results[est.id] = result
        estimates.append(
            est.model_copy(
                update={
                    "estimate": round(effect, 4),
                    "ci": (round(lo, 4), round(hi, 4)),
                    "i2": round(i2, 1),
                    "studies": result.k,
                    "patients": pooled.patients,
                    "pooled": pooled,
                }
            )
        )
    return PooledEvidence(EvidenceFile(estimates=estimates), gaps, results, files)
