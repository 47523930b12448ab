"""The service's engine in-process, without HTTP: what one process can do per core.

    python bench/bench_engine.py [--n 5000] [--follow-store]

The same messages bench_http.py sends (held-out test split, ~36 % of them flagged), each
from its own user, through normalise -> classify -> flood windows -> policy -> SQLite.
The gap to bench_http.py's batch figure is the cost of HTTP, parsing and validation.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_http import write_texts

from qunguard.model import artifact
from qunguard.service.engine import LoadedModel, Message, Moderator
from qunguard.service.flood import InMemoryFloodTracker
from qunguard.service.store import Store


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--follow-store", action="store_true",
                    help="as `qunguard serve` runs one worker: look for a newly promoted model at most once a second")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        texts_path = Path(tmp) / "texts.json"
        write_texts(texts_path, args.n)
        import json

        texts = json.loads(texts_path.read_text(encoding="utf-8"))
        moderator = Moderator(LoadedModel(*artifact.load(artifact.SHIPPED)), Store(Path(tmp) / "e.db"), InMemoryFloodTracker())
        if args.follow_store:
            moderator.follow_store(every_s=1.0)
        msgs = [Message("g1", f"u{i}", t, str(i)) for i, t in enumerate(texts)]
        for m in msgs[:200]:
            moderator.classify([m])  # warm-up
        t = time.perf_counter()
        for m in msgs:
            moderator.classify([m])
        single = (time.perf_counter() - t) / len(msgs)
        t = time.perf_counter()
        for i in range(0, len(msgs), 100):
            moderator.classify(msgs[i : i + 100])
        batch = len(msgs) / (time.perf_counter() - t)
        flagged = moderator.store.count_review_items("pending")
        if args.follow_store:  # the whole engine is too noisy to show it: the check itself, timed alone
            not_due, due = follow_check_costs(moderator)
    print(f"{len(msgs):,} messages, {flagged:,} review items written over both runs")
    print(f"engine, one message a call: {single * 1e3:.3f} ms a message ({1 / single:,.0f} msg/s)")
    print(f"engine, batches of 100: {batch:,.0f} msg/s")
    if args.follow_store:
        print(f"following the store: {not_due * 1e9:.0f} ns a batch while not due, {due * 1e6:.1f} µs when due "
              "(once a second: one SELECT of the revisions)")


def follow_check_costs(moderator: Moderator) -> tuple[float, float]:
    """Seconds of follow_announced_model() a call: not due (a clock read), and due (it reads the store)."""
    moderator._next_follow = time.monotonic() + 1e9
    n = 1_000_000
    not_due = timeit.timeit(moderator.follow_announced_model, number=n) / n

    def when_due() -> None:
        moderator._next_follow = 0.0
        moderator.follow_announced_model()

    return not_due, timeit.timeit(when_due, number=20_000) / 20_000


if __name__ == "__main__":
    main()
