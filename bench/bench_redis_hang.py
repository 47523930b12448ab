"""A hung Redis must not stall the service: throughput and p99 before, during and after a 10 s hang.

Starts `qunguard serve` (1 worker, QUNGUARD_FLOOD_BACKEND=redis) against a private
redis-server of its own (no persistence, free port), sends single-message /v1/classify
requests from a bounded number of concurrent clients on loopback for 30 s, and stops that
Redis with SIGSTOP from 10 s to 20 s: its sockets stay open and nothing answers, the
worst case for a client (a refused connection fails at once; a hang waits the timeout).

    python bench/bench_redis_hang.py [--concurrency 8] [--phase 10] [--control] [--json out.json]

This machine is shared: --control runs the same load with no hang, to tell drift from effect.

Bar (issue 11): during the hang, throughput >= 80 % of before, and p99 <= 50 ms.
Texts are real held-out messages (data/test.jsonl.gz), as in bench/bench_http.py.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bench_http import TOKEN, Server, write_texts

PHASES = ("before", "during", "after")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_private_redis(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_timeout=0.5)
    deadline = time.time() + 10
    while True:
        try:
            client.ping()
            return proc
        except redis.ConnectionError:
            if time.time() > deadline:
                proc.kill()
                raise SystemExit("private redis-server did not start") from None
            time.sleep(0.05)


async def client_loop(http: httpx.AsyncClient, texts: list[str], t0: float, end: float, rng: random.Random,
                      out: list[tuple[float, float, bool, bool]]) -> None:
    """One bot connection: a request, its answer, the next request. Records (start, latency, ok, no context)."""
    while (start := time.perf_counter()) < end:
        user = rng.randrange(100_000)
        body = {"group_id": f"g{user % 50}", "user_id": f"u{user}", "text": rng.choice(texts)}
        try:
            res = await http.post("/v1/classify", json=body)
            ok = res.status_code == 200
            no_context = ok and any(r["name"] == "context_unavailable" for r in res.json()["reasons"])
        except httpx.HTTPError:
            ok = no_context = False
        out.append((start - t0, time.perf_counter() - start, ok, no_context))


async def run_load(url: str, texts: list[str], seconds: float, concurrency: int, hang=None) -> list[tuple]:
    """Load for `seconds`; `hang` is (start s, end s, pid): that process is stopped in between."""
    out: list[tuple] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, limits=limits,
                                 timeout=10) as http:
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter()
        if hang:
            start, stop, pid = hang
            loop.call_later(start, os.kill, pid, signal.SIGSTOP)
            loop.call_later(stop, os.kill, pid, signal.SIGCONT)
        await asyncio.gather(*(client_loop(http, texts, t0, t0 + seconds, random.Random(i), out)
                               for i in range(concurrency)))
    return out


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def summarise(samples: list[tuple], phase_s: float) -> dict[str, dict]:
    by_phase: dict[str, list[tuple]] = {p: [] for p in PHASES}
    for sample in samples:
        i = int(sample[0] // phase_s)
        if i < len(PHASES):
            by_phase[PHASES[i]].append(sample)
    out = {}
    for phase, rows in by_phase.items():
        lat = [r[1] * 1000 for r in rows if r[2]]
        out[phase] = {"requests": len(rows), "rps": round(len(lat) / phase_s, 1),
                      "p50_ms": round(percentile(lat, 0.50), 1), "p99_ms": round(percentile(lat, 0.99), 1),
                      "max_ms": round(max(lat, default=float("nan")), 1), "errors": sum(1 for r in rows if not r[2]),
                      "without_context": sum(1 for r in rows if r[3])}
    return out


def context_back_at(samples: list[tuple], hang_end_s: float) -> float | None:
    """When verdicts had their group context again after the hang (the breaker closed)."""
    after = sorted(s for s in samples if s[0] >= hang_end_s)
    last_without = max((s[0] for s in after if s[3]), default=None)
    return round(last_without - hang_end_s, 1) if last_without is not None else 0.0


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--concurrency", type=int, default=8, help="concurrent connections, each one request at a time")
    ap.add_argument("--phase", type=float, default=10.0, help="seconds before, during and after the hang")
    ap.add_argument("--control", action="store_true", help="no hang: the same run with Redis up, to see the machine's drift")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)

    redis_port = free_port()
    redis_proc = start_private_redis(redis_port)
    # Server starts the service with this process's environment
    os.environ.update(QUNGUARD_FLOOD_BACKEND="redis", QUNGUARD_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0")
    try:
        with tempfile.TemporaryDirectory(prefix="qunguard-hang-") as tmp:
            tmp = Path(tmp)
            write_texts(tmp / "texts.json")
            texts = json.loads((tmp / "texts.json").read_text(encoding="utf-8"))
            server = Server(free_port(), tmp / "bench.db", tmp / "server.log", workers=1)
            try:
                asyncio.run(run_load(server.url, texts, 3, args.concurrency))  # warm-up: imports, caches, pages
                hang = None if args.control else (args.phase, 2 * args.phase, redis_proc.pid)
                samples = asyncio.run(run_load(server.url, texts, 3 * args.phase, args.concurrency, hang))
            finally:
                server.stop()
    finally:
        os.kill(redis_proc.pid, signal.SIGCONT)
        redis_proc.kill()
        redis_proc.wait()

    result = summarise(samples, args.phase)
    before, during = result["before"], result["during"]
    ratio = during["rps"] / before["rps"] if before["rps"] else 0.0
    what = "control run, Redis up throughout" if args.control else \
        f"Redis SIGSTOPped from {args.phase:g} s to {2 * args.phase:g} s"
    print(f"1 worker, redis flood windows, {args.concurrency} connections; {what}\n")
    print("| phase | requests/s | p50 ms | p99 ms | max ms | errors | verdicts without context |")
    print("|---|---|---|---|---|---|---|")
    for phase, r in result.items():
        print(f"| {phase} | {r['rps']:,.1f} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} | {r['errors']} | "
              f"{r['without_context']} |")
    back = context_back_at(samples, 2 * args.phase)
    print(f"\nduring/before throughput {ratio:.0%} (bar >= 80 %), p99 during {during['p99_ms']} ms (bar <= 50 ms): "
          f"{'PASS' if ratio >= 0.8 and during['p99_ms'] <= 50 else 'FAIL'}")
    print(f"group context back {back} s after Redis resumed (the background probe backs off 1, 2, 4 ... 30 s)")
    if args.json:
        args.json.write_text(json.dumps({"concurrency": args.concurrency, "phase_s": args.phase, "phases": result,
                                         "during_over_before": round(ratio, 3), "context_back_after_s": back},
                                        indent=2))


if __name__ == "__main__":
    main()
