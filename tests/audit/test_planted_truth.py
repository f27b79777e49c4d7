"""The audit on DuckDB finds exactly what the synthetic generator planted (computed by the
engine)."""

from __future__ import annotations

from collections import Counter

from .conftest import PATIENTS


def test_every_indicator_finds_the_planted_numbers(duck_result, manifest, library):
    indicators = [
        f"{i.id}/{v}" for p in library.packs.values() for i in p.indicators for v in i.variant_ids()
    ]
    assert set(manifest["truth"]) == set(indicators)
    for r in duck_result.overall():
        truth = manifest["truth"][f"{r.indicator}/{r.variant}"]
        assert (r.numerator, r.denominator, r.undetermined) == (
            truth["numerator"],
            truth["denominator"],
            truth["undetermined"],
        )
        assert 0 < r.numerator < r.denominator  # both sides planted, so the check can fail


def test_per_provider_and_per_period_counts_match(duck_result, manifest):
    for by in ("provider", "period"):
        for r in (x for x in duck_result.rows if x.by == by):
            truth = manifest["truth"][f"{r.indicator}/{r.variant}"][f"by_{by}"]
            assert [r.numerator, r.denominator] == truth[r.group], (by, r.group)
        totals: Counter[tuple[str, ...]] = Counter()
        for r in (x for x in duck_result.rows if x.by == by):
            totals[(r.indicator, r.variant)] += r.denominator
        for r in duck_result.overall():
            assert totals[(r.indicator, r.variant)] == r.denominator


def test_planted_bad_rows_are_set_aside_and_counted(duck_result, manifest):
    found: Counter[str] = Counter()
    for r in duck_result.set_aside:
        found[r["reason"]] += r["rows"]
    assert dict(found) == manifest["set_aside"]
    assert manifest["patients"] == PATIENTS


def test_wilson_interval_brackets_the_rate(duck_result):
    for r in duck_result.rows:
        if r.denominator:
            assert r.ci_low <= r.rate <= r.ci_high
