"""Speed of the decision engine (issue 2, item 9). Run: `make bench` or `.venv/bin/python
benchmarks/advise_speed.py`.

In-process: median cost of one advise() call per pack (packs loaded), beside the floor:
validating the same profile alone (pydantic), which every call must pay.
Cold start: wall time of `keuzewijs advise ... --format json` beside `python -c pass`.
Prints figures and ratios; asserts nothing (timing belongs here, not in tests).
"""

from __future__ import annotations

import functools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from keuzewijs.engine.advise import advise_pack
from keuzewijs.packs.loader import get_library
from keuzewijs.packs.profile import validate_profile
from keuzewijs.validation.vignettes import load_vignettes

REPEAT = 2000
COLD_RUNS = 7


def per_call(fn, repeat: int = REPEAT) -> float:
    """Median seconds per call over `repeat` timed batches of 1 call (after warm-up)."""
    for _ in range(50):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def wall(cmd: list[str]) -> float:
    samples = []
    for _ in range(COLD_RUNS):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    library = get_library()
    print(f"{'pack':32} {'advise() median':>16} {'profile validation':>19} {'ratio':>6}")
    for pack in library.packs.values():
        vignettes = load_vignettes(library, pack.id)
        profile = max((v.profile for v in vignettes), key=len)  # the richest vignette profile
        t_advise = per_call(functools.partial(advise_pack, library, pack, profile, "nl"))
        t_floor = per_call(functools.partial(validate_profile, pack.profile_model, profile))
        print(
            f"{pack.id:32} {t_advise * 1e3:13.3f} ms {t_floor * 1e3:16.4f} ms "
            f"{t_advise / t_floor:6.1f}x"
        )
    pack = next(iter(library.packs.values()))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({}, handle)
    exe = str(Path(sys.executable).with_name("keuzewijs"))
    t_cli = wall([exe, "advise", pack.id, "--profile", handle.name, "--format", "json"])
    t_pass = wall([sys.executable, "-c", "pass"])
    print(
        f"cold start `keuzewijs advise {pack.id}` median of {COLD_RUNS}: {t_cli:.3f} s "
        f"(python -c pass: {t_pass:.3f} s; ratio {t_cli / t_pass:.1f}x)"
    )


if __name__ == "__main__":
    main()
