"""Issue 13 scaling figures in one run: the web API and the CDS service at 1 and 2 workers.

    .venv/bin/python benchmarks/scaling/run.py [--seconds 8] [--requests 600]

Runs, one after the other on this machine:
  - benchmarks/web_load/run.py --workers 1, then --workers 2 (advice with every profile new
    against the no-op GET /api/v1/health of the same server: target >= 0.5 at 2 workers);
  - benchmarks/cds_load/run.py --concurrency 32 --workers 1, then --workers 2 (the whole
    `keuzewijs serve` with the JWT replay cache in the database: target p99 < 100 ms at 2);
and prints the ratios and the 1 -> 2 worker scaling. The load generator runs on the same
cores as the server, and the machine's load average before each part is printed: on a shared
machine the absolute figures move a lot, the ratios within one part much less.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent


def run(script: str, *args: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        target = Path(out.name)
    load = os.getloadavg()[0]
    subprocess.run(
        [sys.executable, str(BENCH / script), *args, "--json", str(target)],
        check=True,
        stdout=sys.stderr,
    )
    figures = json.loads(target.read_text())
    target.unlink()
    figures["load_before"] = round(load, 2)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per web endpoint")
    parser.add_argument("--requests", type=int, default=600, help="per CDS series")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args()
    web = {
        n: run("web_load/run.py", "--workers", str(n), "--seconds", str(args.seconds))
        for n in (1, 2)
    }
    cds = {
        n: run(
            "cds_load/run.py",
            "--workers",
            str(n),
            "--concurrency",
            "32",
            "--requests",
            str(args.requests),
        )
        for n in (1, 2)
    }
    print(f"scaling, {os.cpu_count()} cores")
    for n in (1, 2):
        w = web[n]
        print(
            f"  web {n} worker(s) (load {w['load_before']}): "
            f"no-op {w['noop']['throughput_rps']:.0f}/s, "
            f"advice every profile new {w['advice_every_profile_new']['throughput_rps']:.0f}/s "
            f"(p99 {w['advice_every_profile_new']['p99_ms']:.1f} ms), ratio "
            f"{w['throughput_ratio_every_profile_new']:.2f}"
        )
    for n in (1, 2):
        c = cds[n]
        print(
            f"  cds {n} worker(s) (load {c['load_before']}): "
            f"hooks {c['hooks']['per_second']:.0f}/s, p50 {c['hooks']['p50_ms']:.1f} ms, "
            f"p99 {c['hooks']['p99_ms']:.1f} ms at 32 concurrent, "
            f"{c['hooks']['errors']} errors; discovery {c['floor']['per_second']:.0f}/s"
        )
    new = "advice_every_profile_new"
    scale_advice = web[2][new]["throughput_rps"] / web[1][new]["throughput_rps"]
    scale_noop = web[2]["noop"]["throughput_rps"] / web[1]["noop"]["throughput_rps"]
    scale_hooks = cds[2]["hooks"]["per_second"] / cds[1]["hooks"]["per_second"]
    ratio2 = web[2]["throughput_ratio_every_profile_new"]
    p99 = cds[2]["hooks"]["p99_ms"]
    print(
        f"  1 -> 2 workers: advice (every profile new) x{scale_advice:.2f}, "
        f"no-op x{scale_noop:.2f}, CDS hooks x{scale_hooks:.2f}"
    )
    print(
        f"  targets: advice/no-op at 2 workers {ratio2:.2f} "
        f"(>= 0.5: {'met' if ratio2 >= 0.5 else 'NOT met'}); CDS p99 at 32 concurrent, "
        f"2 workers {p99:.1f} ms (< 100 ms: {'met' if p99 < 100 else 'NOT met'})"
    )
    if args.json:
        args.json.write_text(json.dumps({"web": web, "cds": cds}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
