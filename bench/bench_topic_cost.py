"""What a topic profile costs a verdict: the engine in-process, a group with a profile vs one without.

    python bench/bench_topic_cost.py [--n 2000] [--trials 5] [--redis] [--groups 1]

The same held-out messages as bench_engine.py, each from its own user, through the whole engine
(normalise -> classify -> flood windows -> policy -> SQLite -> topic), one message a call and in
batches of 100, for three groups:
  bare       no profile, the topic side skipped altogether (observe() a no-op): the baseline
  plain      no profile, learning off: what every group pays (the activity counts of the reports)
  profiled   a profile learned from 80 other messages: topic score and confidence, drift, counts
Trials alternate the groups and the median is kept; the figures are CPU time of this process,
every thread (the activity flush too): the machine is shared, and wall time would measure the
neighbours. --redis puts the flood windows and drift states in Redis (db 15), as several workers
do: a batch of a group with a profile then makes one more round trip, for its drift. --groups K sends
the profiled messages to K groups in turn, each with the same profile: batches of many small groups.
(bench/bench_topic.py measures the profile's accuracy; this one the service's cost.)
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_http import write_texts

from qunguard.model import artifact
from qunguard.model.normalize import normalize
from qunguard.model.topic_profile import TopicProfile
from qunguard.service.engine import LoadedModel, Message, Moderator
from qunguard.service.flood import FloodTracker, InMemoryFloodTracker
from qunguard.service.store import Store

REDIS_URL = "redis://127.0.0.1:6379/15"
GROUPS = ("bare", "plain", "profiled")


def per_message(moderator: Moderator, msgs: list[Message], size: int) -> float:
    """CPU seconds of this process per message."""
    t = time.process_time()
    for i in range(0, len(msgs), size):
        moderator.classify(msgs[i:i + size])
    return (time.process_time() - t) / len(msgs)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--redis", action="store_true", help="flood windows and drift states in Redis db 15")
    ap.add_argument("--groups", type=int, default=1, help="profiled messages spread over this many groups")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        texts_path = Path(tmp) / "texts.json"
        write_texts(texts_path, args.n + 80)
        texts = json.loads(texts_path.read_text(encoding="utf-8"))
        profile_texts, texts = texts[:80], texts[80:]
        tracker: FloodTracker = InMemoryFloodTracker()
        prefix = f"qgbench:{uuid.uuid4().hex}:"
        if args.redis:
            from qunguard.service.flood_redis import RedisFloodTracker

            tracker = RedisFloodTracker(REDIS_URL, prefix=prefix)
        store = Store(Path(tmp) / "t.db")
        moderator = Moderator(LoadedModel(*artifact.load(artifact.SHIPPED)), store, tracker)
        moderator.topics.configure(learn_messages=0, history_s=300, flush_s=2.0)
        profile = TopicProfile.from_texts([normalize(t).text for t in profile_texts])
        profiled = ["profiled"] if args.groups == 1 else [f"profiled{k}" for k in range(args.groups)]
        for group in profiled:
            store.put_topic_profile(group, "learned", profile.to_json())
        observe = moderator.topics.observe
        now = time.time()

        def timed(group: str, trial: int, size: int) -> float:
            moderator.topics.observe = (lambda *a: None) if group == "bare" else observe  # type: ignore[method-assign]
            targets = profiled if group == "profiled" else ["plain" if group == "bare" else group]
            msgs = [Message(targets[i % len(targets)], f"{group}-{trial}-{i}", t, str(i), now + i) for i, t in enumerate(texts)]
            return per_message(moderator, msgs, size)

        for g in GROUPS:
            timed(g, -1, 100)  # warm-up, and the profile loaded
        results: dict[str, dict[int, list[float]]] = {g: {1: [], 100: []} for g in GROUPS}
        for trial in range(args.trials):
            for size in (1, 100):
                for g in GROUPS:
                    results[g][size].append(timed(g, trial, size))
        moderator.topics.close()
        if args.redis:
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            keys = list(client.scan_iter(match=prefix + "*", count=1000))
            if keys:
                client.delete(*keys)
    print(f"{len(texts):,} messages a trial, {args.trials} trials, median CPU time; flood windows and drift "
          f"{'in Redis' if args.redis else 'in memory'}; profiled messages in {args.groups} group(s)")
    med = {g: {s: statistics.median(v) * 1e6 for s, v in by.items()} for g, by in results.items()}
    for size in (1, 100):
        base = med["bare"][size]
        print(f"batches of {size}:")
        for g in GROUPS:
            us = med[g][size]
            print(f"  {g:<9} {us:8.1f} µs/message  ({1e6 / us:8,.0f} msg/s)  {us - base:+7.1f} µs vs bare")


if __name__ == "__main__":
    main()
