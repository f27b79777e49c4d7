"""Counters of the CDS service that `/metrics` (web/observe.py) exposes. No health data: the
hook name only."""

from __future__ import annotations

from prometheus_client import Counter

UNRECOGNISED_ORDERS = Counter(
    "keuzewijs_cds_unrecognised_orders_total",
    "draft orders given no rating because no order value set knows their code, by hook",
    ["hook"],
)


def count_unrecognised(hook: str, n: int) -> None:
    if n:
        UNRECOGNISED_ORDERS.labels(hook).inc(n)
