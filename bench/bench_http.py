"""HTTP benchmarks: the real service in one process, load from a second (autocannon, Node).

Starts `qunguard serve` with the shipped model and a fresh SQLite file (with --workers N,
N worker processes sharing flood windows in the local Redis), then runs:
  throughput  single-message /v1/classify, as fast as it answers;
  at-rate     /v1/classify at a fixed 500 requests/s (8 and 32 connections): latency percentiles;
  batch       /v1/classify/batch with 100 messages a request, 8 connections: messages/s;
  soak        (--soak SECONDS) 500 requests/s over 100,000 distinct users, server RSS sampled.

    npm ci --prefix bench/http          # once: installs autocannon
    python bench/bench_http.py [--workers 2] [--soak 600] [--json results.json]

Texts are real messages from data/test.jsonl.gz (the held-out split), so the share of
flagged messages, and hence of SQLite writes, is what a real group would see.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOAD_JS = ROOT / "bench" / "http" / "load.js"
TOKEN = "bench-bot-token"


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the workers, with --workers)."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1]) / 1024
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            total += rss_mb(int(child))
        except FileNotFoundError:  # a process that just exited
            pass
    return total


def redis_mb(workers: int) -> float | None:
    """Memory the local Redis uses (where several workers keep their flood windows)."""
    if workers < 2:
        return None
    import redis

    return round(redis.Redis().info("memory")["used_memory"] / 2**20, 1)


def write_texts(path: Path, n: int = 5000) -> None:
    with gzip.open(ROOT / "data" / "test.jsonl.gz", "rt", encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    random.Random(7).shuffle(texts)
    path.write_text(json.dumps(texts[:n], ensure_ascii=False), encoding="utf-8")


class Server:
    def __init__(self, port: int, db: Path, log: Path, workers: int = 1) -> None:
        env = dict(os.environ, QUNGUARD_TOKENS=f"bot:{TOKEN}", QUNGUARD_PORT=str(port), QUNGUARD_DB_PATH=str(db),
                   QUNGUARD_WORKERS=str(workers))
        if workers > 1:
            env["QUNGUARD_FLOOD_BACKEND"] = "redis"
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "qunguard.service.cli", "serve"], cwd=ROOT, env=env,
                                     stdout=log.open("w"), stderr=subprocess.STDOUT)
        pids: set[int] = set()
        deadline = time.time() + 60
        while time.time() < deadline and len(pids) < workers:  # every worker up
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        pids.add(json.loads(r.read())["pid"])
            except OSError:
                time.sleep(0.2)
        if len(pids) < workers:
            raise SystemExit(f"server did not come up; see {log}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def load(server: Server, texts: Path, **kw) -> dict:
    cmd = ["node", str(LOAD_JS), "--url", server.url, "--token", TOKEN, "--texts", str(texts)]
    for k, v in kw.items():
        cmd += [f"--{k}", str(v)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def fmt(name: str, r: dict) -> str:
    lat = r["latency_ms"]
    return (f"| {name} | {r['rps']:,.0f} | {r['messages_per_s']:,.0f} | {lat['p50']} | {lat['p90']} | {lat['p99']} | "
            f"{lat['max']} | {r['errors'] + r['timeouts'] + r['non2xx']} |")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--workers", type=int, default=1, help="worker processes (more than 1 uses the local Redis)")
    ap.add_argument("--duration", type=int, default=20, help="seconds per run")
    ap.add_argument("--soak", type=int, default=0, help="also run a soak of this many seconds at 500 rps")
    ap.add_argument("--json", type=Path, help="write all results here")
    args = ap.parse_args(argv)
    if not (LOAD_JS.parent / "node_modules" / "autocannon").exists():
        raise SystemExit("autocannon missing: run `npm ci --prefix bench/http` first")

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="qunguard-bench-") as tmp:
        tmp = Path(tmp)
        texts = tmp / "texts.json"
        write_texts(texts)
        server = Server(args.port, tmp / "bench.db", tmp / "server.log", args.workers)
        try:
            load(server, texts, duration=3, connections=8)  # warm-up: imports, caches, SQLite pages
            results["rss_start_mb"] = rss_mb(server.proc.pid)
            results["throughput"] = load(server, texts, duration=args.duration, connections=32)
            # a bot keeps a few keep-alive connections; 32 connections fire in lockstep bursts
            results["at_500rps"] = load(server, texts, duration=args.duration, connections=8, rate=500)
            results["at_500rps_32c"] = load(server, texts, duration=args.duration, connections=32, rate=500)
            results["batch_100"] = load(server, texts, duration=args.duration, connections=8, batch=100)
            if args.soak:
                samples = []
                stop = threading.Event()

                def sample():
                    while not stop.wait(10):
                        samples.append((round(time.time()), round(rss_mb(server.proc.pid), 1), redis_mb(args.workers)))

                t = threading.Thread(target=sample, daemon=True)
                rss0 = rss_mb(server.proc.pid)
                redis0 = redis_mb(args.workers)
                t.start()
                results["soak"] = load(server, texts, duration=args.soak, connections=32, rate=500, users=100_000)
                stop.set()
                t.join()
                results["soak"].update(rss_start_mb=round(rss0, 1), rss_end_mb=round(rss_mb(server.proc.pid), 1),
                                       rss_samples=samples, redis_start_mb=redis0, redis_end_mb=redis_mb(args.workers))
            results["rss_end_mb"] = rss_mb(server.proc.pid)
        finally:
            server.stop()

    print(f"{args.workers} worker process(es)\n")
    print("| run | requests/s | messages/s | p50 ms | p90 ms | p99 ms | max ms | errors |")
    print("|---|---|---|---|---|---|---|---|")
    print(fmt("/v1/classify, 32 connections, open throttle", results["throughput"]))
    print(fmt("/v1/classify at 500 requests/s, 8 connections", results["at_500rps"]))
    print(fmt("/v1/classify at 500 requests/s, 32 connections", results["at_500rps_32c"]))
    print(fmt("/v1/classify/batch, 100 msgs/request, 8 connections", results["batch_100"]))
    if "soak" in results:
        s = results["soak"]
        print(fmt(f"soak {args.soak} s at 500 requests/s, 100k users", s))
        print(f"\nsoak server RSS: start {s['rss_start_mb']} MB, end {s['rss_end_mb']} MB; "
              f"samples (every 10 s): {[mb for _, mb, _ in s['rss_samples']]}")
        if args.workers > 1:
            print(f"Redis used_memory (flood windows): start {s['redis_start_mb']} MB, end {s['redis_end_mb']} MB; "
                  f"samples: {[r for _, _, r in s['rss_samples']]}")
    print(f"\nserver RSS after warm-up {results['rss_start_mb']:.0f} MB, at the end {results['rss_end_mb']:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
