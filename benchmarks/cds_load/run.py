"""Load test of the CDS Hooks service on loopback: a few hundred hook calls (bounded concurrency)
with complete
prefetch and a fresh signed JWT each (ES384), against discovery (a trivial GET of the same server)
as the floor measured in the same run. Bounded in count, concurrency and time.

    .venv/bin/python benchmarks/cds_load/run.py [--requests 600] [--concurrency 32] [--workers N]
                                                [--app serve|router] [--json PATH]

--app serve (default) runs `keuzewijs serve --workers N` on a throwaway SQLite file: the whole
app as deployed, with the JWT replay cache in the database shared by the workers. --app router
runs the CDS router alone under uvicorn (replay cache in process memory; the figures before
issue 13 were taken this way).

Prints p50/p99 latency, errors and throughput for each; target: hook p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.cds import requests as rq  # noqa: E402  - the same realistic requests as the tests
from tests.cds.jwt_keys import ISSUER, ec_key, public_jwk, token  # noqa: E402

DEADLINE_SECONDS = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Connection:
    """A minimal HTTP/1.1 keep-alive client: pre-serialised requests, so the load generator (on the
    same two cores) costs far less than the server it measures."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(raw)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        body = await self.reader.readexactly(length)
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def http_request(method: str, url: str, body: dict | None, headers: dict) -> bytes:
    target = "/" + url.split("/", 3)[3]
    payload = json.dumps(body).encode() if body is not None else b""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(payload)}"]
    if body is not None:
        lines.append("Content-Type: application/json")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def fire(port: int, jobs: list[tuple[str, str, dict | None, dict]], concurrency: int):
    latencies: list[float] = []
    errors: list[str] = []
    raws = [http_request(*job) for job in jobs]  # JSON and headers built before the clock starts

    async def worker(share: list[bytes]) -> None:
        conn = Connection(port)
        try:
            for raw in share:
                start = time.perf_counter()
                try:
                    status, body = await conn.send(raw)
                    if status != 200:
                        errors.append(f"{status} {body[:120]!r}")
                except (OSError, asyncio.IncompleteReadError) as exc:
                    errors.append(type(exc).__name__)
                    conn.close()
                    conn = Connection(port)
                latencies.append((time.perf_counter() - start) * 1000)
        finally:
            conn.close()

    start = time.perf_counter()
    shares = [raws[i::concurrency] for i in range(concurrency)]
    await asyncio.wait_for(asyncio.gather(*(worker(s) for s in shares if s)), DEADLINE_SECONDS)
    return latencies, errors, time.perf_counter() - start


def report(name: str, latencies: list[float], errors: list[str], seconds: float) -> dict:
    row = {
        "name": name,
        "requests": len(latencies),
        "errors": len(errors),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
        "per_second": round(len(latencies) / seconds, 1),
    }
    print(
        f"{name:<28} n={row['requests']:<5} errors={row['errors']:<3} p50={row['p50_ms']:>7.2f} ms "
        f" p99={row['p99_ms']:>7.2f} ms  max={row['max_ms']:>7.2f} ms  {row['per_second']:>7.1f}/s"
    )
    for err in errors[:3]:
        print("   ", err)
    return row


async def main(n: int, concurrency: int, workers: int, app: str, out: Path | None) -> int:
    key = ec_key()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "KEUZEWIJS_CDS_PUBLIC_BASE_URL": base,
        "KEUZEWIJS_CDS_ISSUERS": json.dumps(
            [{"iss": ISSUER, "jwks": {"keys": [public_jwk(key, "ec-1", "ES384")]}}]
        ),
    }
    if app == "serve":
        tmp = tempfile.mkdtemp(prefix="kw-cds-load-")
        env["KEUZEWIJS_DATABASE_URL"] = f"sqlite:///{tmp}/kw.db"
        command = [
            str(Path(sys.executable).parent / "keuzewijs"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
    else:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "server:create",
            "--app-dir",
            str(Path(__file__).parent),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--workers",
            str(workers),
        ]
    server = subprocess.Popen(
        command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            for _ in range(600):
                try:
                    if (await client.get(base + "/cds-services")).status_code == 200:
                        await asyncio.sleep(3 if workers > 1 else 0)  # the other workers too
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
            else:
                print("server did not start")
                return 1
        bodies = {
            "keuzewijs-patient-view": rq.hip_patient_view(),
            "keuzewijs-encounter-discharge": rq.hip_discharge(),
        }
        if (REPO / "knowledge" / "lumbar-disc-herniation" / "pack.yaml").exists():
            bodies.update(rq.load_test_extra())  # an order-sign call rated by the lumbar pack
        services = list(bodies)

        def hook_jobs(count: int):
            jobs = []
            for i in range(count):
                sid = services[i % len(services)]
                url = f"{base}/cds-services/{sid}"
                jobs.append(
                    (
                        "POST",
                        url,
                        bodies[sid],
                        {"Authorization": "Bearer " + token(key, "ec-1", "ES384", url)},
                    )
                )
            return jobs

        await fire(port, hook_jobs(50), concurrency)  # warm-up (not reported)
        floor = await fire(port, [("GET", base + "/cds-services", None, {})] * n, concurrency)
        hooks = await fire(port, hook_jobs(n), concurrency)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"CDS Hooks load test, loopback, {n} requests per series, {concurrency} concurrent, "
        f"{workers} worker(s), app: {app}, services: {', '.join(services)}"
    )
    a = report("floor: GET /cds-services", *floor)
    b = report("hooks (JWT + prefetch)", *hooks)
    print(
        f"ratio hooks/floor: p50 x{b['p50_ms'] / a['p50_ms']:.1f}, throughput "
        f"{b['per_second'] / a['per_second']:.0%}"
    )
    print(
        f"target p99 < 100 ms: {'met' if b['p99_ms'] < 100 else 'NOT met'}; errors: {b['errors']}"
    )
    if out is not None:
        out.write_text(
            json.dumps(
                {
                    "workers": workers,
                    "concurrency": concurrency,
                    "app": app,
                    "floor": a,
                    "hooks": b,
                },
                indent=2,
            )
        )
    return 0 if b["errors"] == 0 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes (this machine has 2 cores)"
    )
    parser.add_argument("--app", choices=["serve", "router"], default="serve")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not (1 <= args.requests <= 5000 and 1 <= args.concurrency <= 256 and 1 <= args.workers <= 8):
        sys.exit("error: --requests must be 1..5000, --concurrency 1..256, --workers 1..8")
    sys.exit(asyncio.run(main(args.requests, args.concurrency, args.workers, args.app, args.json)))
