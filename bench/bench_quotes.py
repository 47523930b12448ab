"""Replies that quote a message, through the engine: judged on the member's words, or on the quote too.

    python bench/bench_quotes.py [--model model/shipped] [--json bench/results/quotes.json] [--redis URL]

WeChat bots pass a quoted reply as one text, `「name：quoted」\\n- - - - - - - - - - - - - - -\\nreply`
(service/quotes.py). The real QQ group's held-out stretch (data/eval/scu_replay.jsonl.gz, 3,895 messages in
order, each member's real send times) has no quotes, so quotes are added to it, three ways, with a fixed seed:

- **members quote each other**: each message, with probability 0.2, quotes one of the 20 messages before it;
- **members quote an ad**: each ad and lure of the hand-labelled real chat (data/eval/realchat.jsonl.gz, 219) is
  posted by a seller at a random place, and the next two messages quote it (members reacting);
- **a seller quotes their own ad**: the same ads, posted, then quoted by their seller above a copy of the next
  message (`「群友：<ad>」`, dashes, `<an ordinary reply>`): the ad posted again;
- **ads dressed up as quotes**: the same ads, never posted, typed by a seller in the same shape.

The replies are the group's real messages; only the quote is added. Each stream runs through the engine twice:
reading quotes (a quote of what the group posted is left out), and as before quotes were read (every message
judged as written, quote and all: the old verdict, to the byte).
Printed: the share of quoting messages sent to review or deleted, both ways, and beside it the same replies'
share when sent without a quote.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qunguard.model import artifact
from qunguard.model.dataset import read_jsonl_rows
from qunguard.model.normalize import normalize
from qunguard.service.engine import LoadedModel, Message, Moderator
from qunguard.service.flood import QUOTE_MEMORY_PER_GROUP, QUOTE_MEMORY_TEXTS, InMemoryFloodTracker
from qunguard.service.quotes import fingerprint, read_quote
from qunguard.service.store import Store

REPLAY = ROOT / "data" / "eval" / "scu_replay.jsonl.gz"
REALCHAT = ROOT / "data" / "eval" / "realchat.jsonl.gz"
GROUP = "qq_scu_group_2017"
DASHES = "- - - - - - - - - - - - - - -"


class ReadsNoQuotes(Moderator):
    """The engine as before quotes were read: every message judged as written, quote and all."""

    def _read_quotes(self, messages, times):
        norms = [normalize(m.text) for m in messages]
        return [m.text for m in messages], [None] * len(messages), norms, [fingerprint(n) for n in norms]


def quoted(name: str, quote: str, reply: str) -> str:
    return f"「{name}：{quote}」\n{DASHES}\n{reply}"


def base_stream() -> list[Message]:
    return [Message(GROUP, m["user"], m["text"], str(m["line"]), datetime.fromisoformat(m["ts"]).timestamp())
            for m in read_jsonl_rows(REPLAY)]


def with_quotes(stream: list[Message], rng: random.Random) -> tuple[list[Message], list[int]]:
    """Members quote each other: (the stream, the positions of quoting messages)."""
    out, marked = [], []
    for i, m in enumerate(stream):
        if i and rng.random() < 0.2:
            q = stream[rng.randrange(max(0, i - 20), i)]
            m = Message(m.group_id, m.user_id, quoted(q.user_id, q.text, m.text), m.message_id, m.ts)
            marked.append(len(out))
        out.append(m)
    return out, marked


def with_ads(stream: list[Message], ads: list[str], rng: random.Random, mode: str) -> tuple[list[Message], list[int]]:
    """Each ad at a random place (the stream, the positions of the quoting messages), by `mode`:
    "members": posted by a seller, then quoted by the next two messages; "own": posted by a seller, who then quotes
    it above a copy of the next message; "fake": never posted, typed by a seller as a quote above a copy of the
    next message."""
    at: dict[int, list[str]] = {}
    for ad in ads:
        at.setdefault(rng.randrange(1, len(stream) - 2), []).append(ad)
    out, marked, pending = [], [], []  # pending: [ad, quotes still to come]
    for i, m in enumerate(stream):
        for k, ad in enumerate(at.get(i, [])):
            seller = f"seller{i}_{k}"
            if mode != "fake":
                out.append(Message(GROUP, seller, ad, f"ad{i}_{k}", m.ts - 2))
            if mode == "members":
                pending.append([ad, 2])
            else:
                marked.append(len(out))
                out.append(Message(GROUP, seller, quoted("群友", ad, m.text), f"quote{i}_{k}", m.ts - 1))
        if pending:
            ad = pending[0][0]
            pending[0][1] -= 1
            if pending[0][1] == 0:
                pending.pop(0)
            m = Message(m.group_id, m.user_id, quoted("卖家", ad, m.text), m.message_id, m.ts)
            marked.append(len(out))
        out.append(m)
    return out, marked


def run(model: LoadedModel, stream: list[Message], batch: int, engine: type[Moderator] = Moderator) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        moderator = engine(model, Store(Path(tmp) / "quotes.db"), InMemoryFloodTracker())
        verdicts: list[dict] = []
        for i in range(0, len(stream), batch):
            verdicts += moderator.classify(stream[i : i + batch])
        moderator.topics.close()
        moderator.store.close()
    return verdicts


def shares(verdicts: list[dict], marked: list[int]) -> dict:
    acted = [verdicts[i]["action"] for i in marked]
    n = len(acted)
    return {"n": n, "flagged": sum(a != "allow" for a in acted), "deleted": acted.count("delete"),
            "flagged_share": round(sum(a != "allow" for a in acted) / n, 4), "deleted_share": round(acted.count("delete") / n, 4)}


def added_cost(stream: list[Message], rounds: int = 5) -> dict:
    """CPU time a message without a quote now pays (best of `rounds`): read_quote(), fingerprint() and the group
    state remembering it (in memory), beside normalize() of the same texts."""
    texts = [m.text for m in stream]
    norms = [normalize(t) for t in texts]

    def best(step) -> float:
        times = []
        for _ in range(rounds):
            t0 = time.process_time()
            step()
            times.append(time.process_time() - t0)
        return min(times) / len(texts) * 1e6

    def added() -> None:
        memory = InMemoryFloodTracker()
        for m, t, n in zip(stream, texts, norms, strict=True):
            read_quote(t, None)
            if (fp := fingerprint(n)) is not None:
                memory._remember(hash((m.group_id, fp)), m.ts or 0.0, hash(m.user_id))  # what observe_batch adds

    return {"per_message": round(best(added), 3), "normalize": round(best(lambda: [normalize(t) for t in texts]), 3)}


def memory_per_text(n: int = 100_000) -> float:
    """Bytes the in-memory group state holds for each remembered text (tracemalloc)."""
    tracker = InMemoryFloodTracker(max_texts=n)
    tracemalloc.start()
    for i in range(n):
        tracker._remember(hash((f"group{i % 500}", f"第{i}条消息的内容")), 1.7e9 + i, hash(f"member{i % 3000}"))
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return held / n


def redis_bytes_per_text(url: str, groups: int = 50, per_group: int = QUOTE_MEMORY_PER_GROUP) -> float:
    """Bytes Redis holds for each remembered text (sorted set and who-posted hash), `groups` groups filled to their
    cap through the real script, measured as the server's used_memory before and after; keys removed after."""
    from qunguard.service.flood import FloodLimits, Observation
    from qunguard.service.flood_redis import RedisFloodTracker

    tracker = RedisFloodTracker(url, prefix=f"qgbench:{random.getrandbits(32):08x}:")
    client = tracker.client
    before = client.info("memory")["used_memory"]
    try:
        for g in range(groups):
            # one member a group: its flood window (10 entries) is all the figure holds besides what the group remembers
            for start in range(0, per_group, 500):
                tracker.observe_batch([Observation(f"group{g}", "member", None, 1.7e9 + i, FloodLimits(),
                                                   f"第{g}群第{i}条消息的内容", f"{1_700_000_000 + i}")
                                       for i in range(start, min(start + 500, per_group))])
        held = client.info("memory")["used_memory"] - before
    finally:
        keys = list(client.scan_iter(match=tracker.prefix + "*", count=1000))
        if keys:
            client.delete(*keys)
        tracker.close()
    return held / (groups * per_group)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=artifact.SHIPPED)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--redis", default=None, metavar="URL", help="also measure what Redis holds a remembered text "
                    "(e.g. redis://127.0.0.1:6379/15)")
    args = ap.parse_args(argv)
    model = LoadedModel(*artifact.load(args.model))
    base = base_stream()
    ads = [r["text"] for r in read_jsonl_rows(REALCHAT) if r["label"] in ("advertising", "spam")]
    plain = run(model, base, args.batch)
    by_id = {m.message_id: v for m, v in zip(base, plain, strict=True)}
    streams = {"members quote each other": with_quotes(base, random.Random(args.seed)),
               "members quote an ad": with_ads(base, ads, random.Random(args.seed), "members"),
               "a seller quotes their own ad": with_ads(base, ads, random.Random(args.seed), "own"),
               "ads dressed up as quotes": with_ads(base, ads, random.Random(args.seed), "fake")}
    results = {"model": model.version, "seed": args.seed, "ads": len(ads), "streams": {}}
    print(f"model {model.version}; {len(base):,} messages of {GROUP}'s held-out stretch; {len(ads)} real ads and lures")
    print("| stream | quoting messages | reading quotes: flagged / deleted | as before: flagged / deleted | "
          "the replies alone: flagged / deleted |\n|---|---|---|---|---|")
    for name, (stream, marked) in streams.items():
        now = shares(run(model, stream, args.batch), marked)
        before = shares(run(model, stream, args.batch, ReadsNoQuotes), marked)
        # the same members' replies sent with no quote (a seller's fake quote has no reply of its own)
        replies = [by_id[stream[i].message_id] for i in marked if stream[i].message_id in by_id]
        alone = shares(replies, list(range(len(replies)))) if replies else None
        results["streams"][name] = {"now": now, "before": before, "replies_alone": alone}
        cell = (lambda s: f"{s['flagged_share']:.1%} ({s['flagged']}) / {s['deleted_share']:.1%} ({s['deleted']})")
        print(f"| {name} | {now['n']:,} | {cell(now)} | {cell(before)} | {cell(alone) if alone else '–'} |")
    results["cost_us"] = added_cost(base)
    print(f"added to every message (looking for a quote, the fingerprint, remembering it), CPU time: "
          f"{results['cost_us']['per_message']:.2f} µs a message; normalize() of the same texts: "
          f"{results['cost_us']['normalize']:.2f} µs")
    results["bytes_per_remembered_text"] = round(memory_per_text())
    print(f"in memory, {results['bytes_per_remembered_text']} bytes a remembered text "
          f"(at most QUOTE_MEMORY_TEXTS = {QUOTE_MEMORY_TEXTS:,} of them)")
    if args.redis:
        results["redis_bytes_per_remembered_text"] = round(redis_bytes_per_text(args.redis))
        print(f"in Redis, {results['redis_bytes_per_remembered_text']} bytes a remembered text "
              f"(a group keeps its latest QUOTE_MEMORY_PER_GROUP = {QUOTE_MEMORY_PER_GROUP:,})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
