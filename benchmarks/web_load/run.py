"""Load benchmark of the web API on loopback: the advice endpoint against a no-op JSON endpoint
(GET /api/v1/health) of the same app and server, in the same run, with 64 concurrent clients.

    .venv/bin/python benchmarks/web_load/run.py [--clients 64] [--seconds 10] [--condition ID]
                                                [--workers N]

Starts `keuzewijs serve [--workers N]` (one uvicorn process by default, as `make run` does)
on a free 127.0.0.1 port with a throwaway SQLite file, drives it with keep-alive HTTP/1.1
connections from asyncio
(a light client so the 2-core machine measures the server), and prints throughput and
p50/p99 latency for both, the throughput ratio advice/no-op (target >= 0.5) and whether the
advice p99 is under 50 ms. Bounded: each phase stops after --seconds or --max-requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_profile(condition: str) -> dict:
    sys.path.insert(0, str(REPO / "src"))
    from keuzewijs.validation.vignettes import load_vignettes

    cases = load_vignettes(None, condition)
    return next((v for v in cases if v.demo), cases[0]).profile


async def _client(
    port: int,
    requests: list[bytes],
    stop_at: float,
    budget: list[int],
    latencies: list[float],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at and budget[0] > 0:
            budget[0] -= 1
            request = requests[budget[0] % len(requests)]
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                errors[0] += 1
    finally:
        writer.close()


async def phase(
    port: int, requests: list[bytes], clients: int, seconds: float, max_requests: int
) -> dict:
    latencies: list[float] = []
    errors = [0]
    budget = [max_requests]
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _client(port, requests, started + seconds, budget, latencies, errors)
            for _ in range(clients)
        )
    )
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
    }


def varied_profiles(condition: str, count: int) -> list[dict]:
    """`count` different valid profiles: the demo profile with its integer fields stepped through
    their range and its enum/boolean fields cycled, so that no two consecutive requests match."""
    sys.path.insert(0, str(REPO / "src"))
    from keuzewijs.packs.loader import get_library

    pack = get_library().pack(condition)
    base = demo_profile(condition)
    out = []
    for i in range(count):
        profile = dict(base)
        for j, spec in enumerate(pack.profile.fields):
            if spec.type.value == "integer":
                lo, hi = int(spec.minimum or 0), int(spec.maximum or 100)
                profile[spec.name] = lo + (i * (j + 7)) % (hi - lo + 1)
            elif spec.type.value == "duration":
                profile[spec.name] = (i // 3) % 50
            elif spec.type.value == "boolean":
                profile[spec.name] = bool((i >> j) & 1)
        out.append(profile)
    return out


def _wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    """Until /ready answers 200 (every worker loads the knowledge before it accepts)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(http_request("GET", "/ready"))
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    time.sleep(3)  # let the other workers finish starting too
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready")


def http_request(method: str, path: str, body: bytes | None = None) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + (body or b"")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--condition", default="achilles-tendon-rupture")
    parser.add_argument("--workers", type=int, default=1, help="keuzewijs serve --workers N")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    port = free_port()
    tmp = tempfile.mkdtemp(prefix="kw-load-")
    env = {**os.environ, "KEUZEWIJS_DATABASE_URL": f"sqlite:///{tmp}/kw.db"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "keuzewijs"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("server did not start") from None
                time.sleep(0.1)
        _wait_ready(port, server)
        path = f"/api/v1/conditions/{args.condition}/advice"
        body = json.dumps({"profile": demo_profile(args.condition), "lang": "nl"}).encode()
        noop = [http_request("GET", "/api/v1/health")]
        advice = [http_request("POST", path, body)]
        # more distinct profiles than the advice cache holds, cycled: every request is a miss
        varied = [
            http_request("POST", path, json.dumps({"profile": p, "lang": "nl"}).encode())
            for p in varied_profiles(args.condition, 5000)
        ]
        asyncio.run(phase(port, noop, args.clients, 1.0, 5000))  # warm-up
        asyncio.run(phase(port, advice, args.clients, 1.0, 5000))
        floor = asyncio.run(phase(port, noop, args.clients, args.seconds, args.max_requests))
        measured = asyncio.run(phase(port, advice, args.clients, args.seconds, args.max_requests))
        uncached = asyncio.run(phase(port, varied, args.clients, args.seconds, args.max_requests))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    ratio = measured["throughput_rps"] / floor["throughput_rps"]
    ratio_uncached = uncached["throughput_rps"] / floor["throughput_rps"]
    result = {
        "workers": args.workers,
        "clients": args.clients,
        "seconds": args.seconds,
        "condition": args.condition,
        "noop": floor,
        "advice_same_profile": measured,
        "advice_every_profile_new": uncached,
        "throughput_ratio_same_profile": round(ratio, 3),
        "throughput_ratio_every_profile_new": round(ratio_uncached, 3),
    }
    print(
        f"web load, {args.clients} concurrent clients, {args.seconds:.0f} s per endpoint, "
        f"{args.workers} uvicorn worker(s) on 127.0.0.1"
    )
    rows = (
        ("no-op GET /api/v1/health", floor),
        ("advice, same profile (cached)", measured),
        ("advice, every profile new (engine runs)", uncached),
    )
    for name, fig in rows:
        print(
            f"  {name:<42} {fig['throughput_rps']:>8.1f} req/s  p50 {fig['p50_ms']:6.2f} ms  p99 "
            f"{fig['p99_ms']:6.2f} ms  "
            f"({fig['requests']} requests, {fig['errors']} non-200)"
        )
    for label, r, fig in (
        ("same profile", ratio, measured),
        ("every profile new", ratio_uncached, uncached),
    ):
        print(
            f"  {label}: throughput ratio advice/no-op {r:.2f} (target >= 0.50: "
            f"{'met' if r >= 0.5 else 'NOT met'}); "
            f"p99 {fig['p99_ms']:.2f} ms (target < 50 ms: "
            f"{'met' if fig['p99_ms'] < 50 else 'NOT met'})"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
