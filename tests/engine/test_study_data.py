"""Study-level data in a pack: pooled at load time, compared with the published summary.

Reproduces a published analysis (metafor-style): the 13 BCG trials of Colditz 1994 (Table 1),
pooled by DerSimonian-Laird as risk ratios, against Stata metan's printed result RR 0.4896
(0.3449 to 0.6950), I² 92.1% — the numbers metafor's own test
`test_misc_metan_vs_rma.uni_with_dat.bcg.r` checks. See tests/fixtures/study-data/README.md.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from keuzewijs.engine.advise import advise
from keuzewijs.errors import KnowledgeError
from keuzewijs.packs.loader import Library, load_library, load_pack

from ..conftest import KNOWLEDGE, REPO

FICTIONAL = REPO / "tests" / "fixtures" / "fourth-condition"
STUDIES = REPO / "tests" / "fixtures" / "study-data"
PUBLISHED = {"estimate": 0.4896, "ci": [0.3449, 0.6950], "i2": 92}


def _pack(tmp_path: Path, **study_data: object) -> Path:
    """A copy of the fictional pack whose estimate is pooled from the BCG trials."""
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    pack = root / "fictional-sprain"
    shutil.copytree(FICTIONAL / "knowledge" / "fictional-sprain", pack)
    shutil.copytree(STUDIES, pack / "studies", ignore=shutil.ignore_patterns("README.md"))
    sources = yaml.safe_load((pack / "sources.yaml").read_text())
    sources["sources"] += [
        {
            "id": "colditz-1994",
            "kind": "systematic_review",
            "citation": "Colditz GA, Brewer TF, Berkey CS, et al. Efficacy of BCG vaccine in the "
            "prevention of tuberculosis. JAMA 1994;271:698-702.",
        },
        {
            "id": "metafor-dat-bcg",
            "kind": "registry",
            "citation": "Viechtbauer W. metafor: dat.bcg and "
            "tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r (Stata metan results).",
        },
    ]
    (pack / "sources.yaml").write_text(yaml.safe_dump(sources, allow_unicode=True))
    evidence = yaml.safe_load((pack / "evidence.yaml").read_text())
    est = evidence["estimates"][0]
    est.update(PUBLISHED)
    est["study_data"] = {
        "file": "studies/bcg.csv",
        "card": "studies/bcg.card.yaml",
        "method": "DL",
        "decimals": 4,
        "sources": [
            {"id": "metafor-dat-bcg", "locator": "metan randomi rr: 0.4896 (0.3449, 0.6950)"}
        ],
        **study_data,
    }
    (pack / "evidence.yaml").write_text(yaml.safe_dump(evidence, allow_unicode=True))
    return pack


def _validate(pack: Path, risk: int = 98) -> subprocess.CompletedProcess[str]:
    vignettes = pack.parent.parent / "vignettes"
    shutil.copytree(FICTIONAL / "vignettes", vignettes)
    # the fictional vignette expects the fictional RR 0.5; with the pooled RR 0.4896 the
    # GRADE risk is 0.2 x 0.4896 = 98 per 1000 - the vignette catches the moved number
    case = vignettes / "fictional-sprain" / "rules.yaml"
    case.write_text(case.read_text().replace("pain_at_week_2: 100}", f"pain_at_week_2: {risk}}}"))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "keuzewijs.cli",
            "validate",
            str(pack),
            "--vignettes",
            str(vignettes),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """One loaded library with the pooled pack, shared by the tests that only read it."""
    return load_library(_pack(tmp_path_factory.mktemp("pooled")).parent)


def test_estimate_is_pooled_from_the_studies_and_matches_the_publication(pooled: Library) -> None:
    pack = pooled.pack("fictional-sprain")
    est = pack.evidence.estimates[0]
    assert est.pooled is not None and est.pooled.k == 13 and est.studies == 13
    assert est.pooled.patients == 357_347
    assert est.estimate == pytest.approx(0.4896, abs=5e-5)
    assert est.ci[0] == pytest.approx(0.3449, abs=5e-5) and est.ci[1] == pytest.approx(
        0.6950, abs=5e-5
    )
    assert pack.study_results[est.id].heterogeneity.tau2 == pytest.approx(
        0.3088, abs=5e-5
    )  # metan/metafor tau² (DL)
    assert est.i2 == pytest.approx(92.1, abs=0.05)
    assert "DerSimonian" in est.pooled.description
    assert pack.study_gaps == []


def test_advice_shows_the_computed_numbers(pooled: Library) -> None:
    library = pooled
    advice = advise("fictional-sprain", {"days_since_injury": 10}, "en", library=library)
    outcome = next(o for opt in advice.options for o in opt.outcomes if o.relative_effect)
    est = library.pack("fictional-sprain").evidence.estimates[0]
    assert (
        outcome.relative_effect.estimate == est.estimate
        and tuple(outcome.relative_effect.ci) == est.ci
    )
    # GRADE: risk per 1000 = baseline 0.2 x pooled RR
    assert outcome.risk_per_1000 == pytest.approx(1000 * 0.2 * est.estimate, abs=0.5)


def test_study_data_is_part_of_the_knowledge_version(tmp_path: Path) -> None:
    pack_dir = _pack(tmp_path)
    before = load_pack(pack_dir).knowledge_version
    csv = pack_dir / "studies" / "bcg.csv"
    csv.write_text(csv.read_text().replace("Aronson 1948,4,", "Aronson 1948,5,"))
    assert load_pack(pack_dir).knowledge_version != before


def test_validate_passes_and_says_how_it_pooled(tmp_path: Path) -> None:
    result = _validate(_pack(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pooled from 13 studies" in result.stdout


def test_gap_beyond_rounding_is_an_error_in_validate(tmp_path: Path) -> None:
    pack_dir = _pack(tmp_path)
    evidence = yaml.safe_load((pack_dir / "evidence.yaml").read_text())
    evidence["estimates"][0]["estimate"] = 0.4890  # off by 0.0006; rounding allows 0.00005
    (pack_dir / "evidence.yaml").write_text(yaml.safe_dump(evidence))
    result = _validate(pack_dir)
    assert result.returncode == 1
    assert "estimate computed from the studies is 0.4896, published 0.489" in result.stdout.replace(
        "\n", " "
    )
    assert "unexplained" in result.stdout


def test_explained_gap_is_reported_but_not_fatal(tmp_path: Path) -> None:
    reason = {
        "nl": "Een studie toegevoegd na de publicatie.",
        "en": "One trial added after the publication.",
    }
    pack_dir = _pack(tmp_path, accepted_gap=reason)
    csv = pack_dir / "studies" / "bcg.csv"
    csv.write_text(csv.read_text() + "Added trial 2030,10,1000,30,1000,random\n")
    result = _validate(
        pack_dir, risk=95
    )  # 14 trials now pool to RR 0.4771: 0.2 x 0.4771 = 95 per 1000
    assert result.returncode == 0, result.stdout
    assert "computed from the studies is 0.4771, published 0.4896" in result.stdout
    assert "explained: One trial added after the publication." in result.stdout.replace("\n", " ")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("Aronson 1948,4,123", "Aronson 1948,400,123"), "row 2"),
        (lambda t: t.replace("control_total", "controls"), "control_total"),
        (lambda t: t.splitlines()[0] + "\n", "no study rows"),
    ],
)
def test_broken_study_file_names_row_and_column(tmp_path: Path, edit, message: str) -> None:
    pack_dir = _pack(tmp_path)
    csv = pack_dir / "studies" / "bcg.csv"
    csv.write_text(edit(csv.read_text()))
    with pytest.raises(KnowledgeError) as exc:
        load_pack(pack_dir)
    assert message in exc.value.one_line() and "bcg.csv" in exc.value.one_line()
    result = _validate(pack_dir)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_card_must_say_what_every_column_means(tmp_path: Path) -> None:
    pack_dir = _pack(tmp_path)
    card = yaml.safe_load((pack_dir / "studies" / "bcg.card.yaml").read_text())
    card["columns"] = [c for c in card["columns"] if c["name"] != "alloc"]
    (pack_dir / "studies" / "bcg.card.yaml").write_text(yaml.safe_dump(card, allow_unicode=True))
    with pytest.raises(KnowledgeError, match="alloc"):
        load_pack(pack_dir)


def test_pooled_cannot_be_written_by_hand(tmp_path: Path) -> None:
    pack_dir = _pack(tmp_path)
    evidence = yaml.safe_load((pack_dir / "evidence.yaml").read_text())
    del evidence["estimates"][0]["study_data"]
    evidence["estimates"][0]["pooled"] = {"method": "DL"}
    (pack_dir / "evidence.yaml").write_text(yaml.safe_dump(evidence))
    with pytest.raises(KnowledgeError, match="pooled"):
        load_pack(pack_dir)
