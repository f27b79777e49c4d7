"""Load the metafor reference fixture and compare numbers with named tolerances.

The fixture is produced by scripts/metafor/reference.R (metafor, never keuzewijs), so
these tests check keuzewijs against an independent implementation.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from keuzewijs.evidence.results import Study

FIXTURE = Path(__file__).parent / "fixtures" / "metafor_reference.json"
REFERENCE: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))

# (relative, absolute) tolerance per quantity. The fixture holds 15 significant digits
# and metafor iterated tau² to an absolute 1e-12, so where tau² is tiny (risk differences,
# tau² ~ 1e-4) metafor's own values are only good to ~1e-8 relative; quantities that
# divide by tau²'s scale (I², H²) inherit that. All bounds are still 10x tighter than the
# issue's floor of 1e-6 relative for estimates and CIs.
TOLERANCES: dict[str, tuple[float, float]] = {
    "estimate": (1e-7, 1e-10),
    "se": (1e-7, 1e-10),
    "ci": (1e-7, 1e-10),
    "statistic": (1e-7, 1e-10),
    "p_value": (1e-7, 1e-14),
    "tau2": (1e-7, 1e-11),
    "Q": (1e-9, 1e-12),
    "I2": (1e-7, 1e-9),  # as a percentage
    "H2": (1e-7, 1e-12),
    "weight": (1e-8, 1e-9),  # percent
    "prediction": (1e-7, 1e-10),
    "yi": (1e-10, 1e-13),
    "vi": (1e-10, 1e-13),
}


def listify(x: Any) -> list[Any]:
    """jsonlite writes length-1 vectors as scalars."""
    return x if isinstance(x, list) else [x]


def check(name: str, ours: float | None, ref: float | None, where: str) -> None:
    rel, abs_ = TOLERANCES[name]
    # jsonlite writes NA, NaN and +-Inf all as null: compare "not a finite number".
    ours_nan = ours is None or not math.isfinite(ours)
    if ref is None:
        assert ours_nan, f"{where}: {name} is {ours}, metafor gives NA"
        return
    assert not ours_nan, f"{where}: {name} undefined, metafor gives {ref}"
    assert math.isclose(ours, ref, rel_tol=rel, abs_tol=abs_), (
        f"{where}: {name} {ours!r} vs metafor {ref!r} (diff {abs(ours - ref):.3g}, tol rel {rel} "
        f"abs {abs_})"
    )


def studies(dataset: str, with_group: bool = False) -> list[Study]:
    d = REFERENCE["datasets"][dataset]
    cols = {k: listify(v) for k, v in d.items()}
    out = []
    for i, name in enumerate(cols["study"]):
        groups = {"group": cols["group"][i]} if with_group and "group" in cols else {}
        out.append(
            Study(
                name,
                int(cols["ai"][i]),
                int(cols["n1i"][i]),
                int(cols["ci"][i]),
                int(cols["n2i"][i]),
                groups,
            )
        )
    return out


def case_id(case: dict[str, Any]) -> str:
    return f"{case['dataset']}-{case['measure']}-{case['method']}{'-hksj' if case['hksj'] else ''}"
