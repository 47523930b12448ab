"""What a group gains from its moderators' decisions: known campaigns and allowed texts (service/campaigns.py).

    python train.py --leave-out game_ad_chat --out /tmp/loso_game_ad_chat     # once, ~2 min, ~1.1 GB
    python bench/bench_campaign_memory.py --model /tmp/loso_game_ad_chat

A chat-ad source no model here has seen (`game_ad_chat`, an MMO's world/trade channel: 83,031
messages, 35,194 of them ads by the mapping of data/) is streamed, in the corpus's order, through
a real `Moderator` (engine, SQLite store, flood windows) as one group, in batches of --batch
consecutive messages. A simulated moderator decides the flagged messages (review or delete) of the
first --learn messages, in the order they were flagged, by the source's mapped label (data/mapping.py
and our hand labels): the verdict's label -> confirm, on_topic -> dismiss, another label -> relabel;
each decision goes through the store's decide_review_item and `Moderator.review_decided()`, as the
review API does, and teaches the next batch. After its first K decisions (K in --budgets) it stops;
the rest of the stream (messages --learn onward, the same for every K) is then measured with
the memory as those K decisions left it:

- advertising recall: of the messages whose mapped label is advertising, the share whose verdict
  is advertising and flagged (review or delete);
- advertising precision: of the verdicts advertising and flagged, the share mapped advertising.

With --reports R, members also report what the model let through: in the first --learn messages, the
first R allowed messages whose mapped label is advertising or spam go to `Moderator.report()` (POST
/v1/review/report) and the simulated moderator decides them too (a relabel, by the mapped label), beside
the K decisions on flagged items; each K of --budgets is then run once more with R reports (written to
--out as `reports`).

The corpus has no senders or times: each message gets a sender of its own and a time 120 s after
the previous one, so no burst, repeat or raid window fires and the memory is measured alone.

Also measured: the hot-path cost of the memory, µs per message of `Moderator.classify` (batches of
64 texts of the stream) for a group with 1,000 remembered items against a group with none, and
of the lookup alone (`CampaignMemory.match`). Writes bench/results/campaign_memory.json and
the plot bench/results/campaign_memory.png.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qunguard.data import hand_labels
from qunguard.data.build import MAX_CHARS
from qunguard.data.mapping import clean_text, map_row
from qunguard.data.sources import READERS
from qunguard.model import artifact
from qunguard.model.normalize import normalize
from qunguard.service.engine import LoadedModel, Message, Moderator
from qunguard.service.flood import InMemoryFloodTracker, repeat_key
from qunguard.service.store import Store

RAW = ROOT.parent / "shared" / "data" / "raw"
RESULTS = ROOT / "bench" / "results"
GROUP = "stream"
GAP_S = 120.0  # between two messages: longer than every default flood window


def load_stream(raw: Path, source: str) -> list[tuple[str, str]]:
    """(text, mapped label) of every row of `source`, in the corpus's order, labelled as data/build.py does."""
    overrides = hand_labels.training_overrides()
    out = []
    for r in READERS[source](raw):
        text = clean_text(r)
        if not text or len(text) > MAX_CHARS:
            continue
        hand = overrides.get((source, r.ref if r.ref else r.text))
        mapped = (hand, "hand_label") if hand else map_row(r, text)
        if mapped is not None:
            out.append((text, mapped[0]))
    return out


def close(moderator: Moderator) -> None:
    moderator.topics.close()  # as the app's shutdown does: what is still in memory is written first
    moderator.store.close()


def correct_decision(verdict_label: str, truth: str) -> tuple[str, str | None]:
    if truth == verdict_label:
        return "confirm", None
    if truth == "on_topic":
        return "dismiss", None
    return "relabel", truth


def decide(moderator: Moderator, item: dict, truth: str, decisions: Counter) -> None:
    """The simulated moderator's decision on one item, through the store and review_decided() as the API does."""
    decision, label = correct_decision(item["label"], truth)
    moderator.store.decide_review_item(item["id"], decision=decision, moderator="simulated", label=label)
    moderator.review_decided()
    decisions[decision] += 1


def stream_and_decide(moderator: Moderator, stream: list[tuple[str, str]], budget: int, learn: int, batch: int,
                      reports: int = 0) -> tuple[list[dict], Counter, int]:
    """Stream everything through `moderator`; decide the first `budget` flagged items of the first `learn` messages,
    and the first `reports` missed ads and lures members report there. (verdicts, decisions, reports made)."""
    decisions: Counter = Counter()
    reported = 0
    verdicts: list[dict] = []
    t0 = 1_700_000_000.0
    for start in range(0, len(stream), batch):
        chunk = stream[start:start + batch]
        msgs = [Message(GROUP, f"u{start + i}", text, str(start + i), t0 + (start + i) * GAP_S)
                for i, (text, _) in enumerate(chunk)]
        out = moderator.classify(msgs)
        verdicts += out
        if start >= learn:
            continue
        missed = [m for m, v, (_, truth) in zip(msgs, out, chunk, strict=True)
                  if v["action"] == "allow" and truth in ("advertising", "spam")]
        for m in missed[: reports - reported]:  # a member reports it; the moderator decides the report too
            item, _ = moderator.report(m, "member")
            decide(moderator, item, stream[int(m.message_id or 0)][1], decisions)
            reported += 1
        n_flagged = sum(v["action"] != "allow" for v in out)
        left = budget - (sum(decisions.values()) - reported)
        if not n_flagged or left <= 0:
            continue
        # this batch's items, oldest first: the moderator works through the queue in order
        items = sorted(moderator.store.review_items(status="pending", group_id=GROUP, limit=n_flagged),
                       key=lambda it: it["id"])
        for it in items[:left]:
            decide(moderator, it, stream[int(it["message_id"])][1], decisions)
    return verdicts, decisions, reported


def run(model: LoadedModel, stream: list[tuple[str, str]], budget: int, learn: int, batch: int, reports: int = 0) -> dict:
    """stream_and_decide() through a fresh engine and store; measure the messages after the first `learn`."""
    with tempfile.TemporaryDirectory() as tmp:
        moderator = Moderator(model, Store(Path(tmp) / "stream.db"), InMemoryFloodTracker())
        verdicts, decisions, reported = stream_and_decide(moderator, stream, budget, learn, batch, reports)
        remembered = len(moderator.campaigns)
        close(moderator)
    return measure(stream[learn:], verdicts[learn:]) | {"decisions": sum(decisions.values()) - reported, "reports": reported,
                                                         "by_decision": dict(decisions), "remembered": remembered}


def measure(stream: list[tuple[str, str]], verdicts: list[dict]) -> dict:
    truth = [lab for _, lab in stream]
    flagged_ad = [v["label"] == "advertising" and v["action"] != "allow" for v in verdicts]
    tp = sum(f and t == "advertising" for f, t in zip(flagged_ad, truth, strict=True))
    ads, predicted = truth.count("advertising"), sum(flagged_ad)
    names = [{r["name"] for r in v["reasons"]} for v in verdicts]
    known = [i for i, n in enumerate(names) if "known_campaign" in n]
    allowed = [i for i, n in enumerate(names) if "allowed_by_moderator" in n]
    on_topic = [i for i, t in enumerate(truth) if t == "on_topic"]
    recall, precision = tp / ads, (tp / predicted if predicted else 0.0)
    return {
        "measured_messages": len(stream), "advertising": ads,
        "advertising_recall": round(recall, 4), "advertising_precision": round(precision, 4),
        "advertising_f1": round(2 * recall * precision / (recall + precision), 4) if tp else 0.0,
        "known_campaign": len(known), "known_campaign_correct": sum(verdicts[i]["label"] == truth[i] for i in known),
        "allowed_by_moderator": len(allowed), "allowed_by_moderator_correct": sum(truth[i] == "on_topic" for i in allowed),
        "on_topic_flagged": round(sum(verdicts[i]["action"] != "allow" for i in on_topic) / len(on_topic), 4),
    }


def hot_path_cost(model: LoadedModel, stream: list[tuple[str, str]], remembered: int, rounds: int) -> dict:
    """µs per message of classify for a group with `remembered` decided items vs one with none."""
    ads = list(dict.fromkeys(t for t, lab in stream if lab == "advertising"))
    texts = [t for t, _ in stream[-20_000:]]
    with tempfile.TemporaryDirectory() as tmp:
        moderator = Moderator(model, Store(Path(tmp) / "cost.db"), InMemoryFloodTracker())
        store = moderator.store
        from qunguard.service.store import ReviewItem

        ids = store.add_review_items([ReviewItem(None, "busy", "u", t, "advertising", "review", {}, [], "bench", 0.0)
                                      for t in ads[:remembered * 2]])  # the bound keeps the latest 1,000
        store.decide_review_items(ids, decision="confirm", moderator="bench")
        moderator.review_decided()
        t = time.perf_counter()
        moderator.campaigns.load(store)  # what a process starting pays for them
        load_ms = (time.perf_counter() - t) * 1000
        size = moderator.campaigns.group_size("busy")
        per_msg: dict[str, list[float]] = {"none": [], "busy": []}
        ts = 1_700_000_000.0
        for r in range(rounds):
            chunk = texts[(r * 64) % (len(texts) - 64):][:64]
            for group in ("none", "busy") if r % 2 else ("busy", "none"):
                msgs = [Message(group, f"u{r}-{i}", text, None, ts + r * 1000 + i * GAP_S) for i, text in enumerate(chunk)]
                t = time.perf_counter()
                moderator.classify(msgs)
                per_msg[group].append((time.perf_counter() - t) / len(msgs) * 1e6)
        # the lookup alone, on the same texts; normalize() of them as the yardstick
        norm_runs = []
        for _ in range(5):
            t = time.perf_counter()
            norms = [normalize(x) for x in texts[:5000]]
            norm_runs.append((time.perf_counter() - t) / len(norms) * 1e6)
        keys = [repeat_key(n) for n in norms]
        lookup = {}
        for group in ("none", "busy"):
            runs = []
            for _ in range(5):
                t = time.perf_counter()
                for n, k in zip(norms, keys, strict=True):
                    moderator.campaigns.match(group, n, k)
                runs.append((time.perf_counter() - t) / len(norms) * 1e6)
            lookup[group] = min(runs)
        hits = sum(moderator.campaigns.match("busy", n, k) is not None for n, k in zip(norms, keys, strict=True))
        close(moderator)
    none, busy = statistics.median(per_msg["none"]), statistics.median(per_msg["busy"])
    return {"remembered_items": size, "load_ms": round(load_ms, 1),
            "classify_us_per_msg_no_memory": round(none, 2), "classify_us_per_msg_1000_items": round(busy, 2),
            "lookup_us_per_msg_no_memory": round(lookup["none"], 3), "lookup_us_per_msg_1000_items": round(lookup["busy"], 2),
            "lookup_hits_of_5000": hits, "normalize_us_per_msg": round(min(norm_runs), 2), "batches": rounds}


def plot(rows: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=120)
    k = sorted({r["decisions"] for r in rows})
    for reports in sorted({r["reports"] for r in rows}):
        part = [r for r in rows if r["reports"] == reports]
        x = [r["decisions"] for r in part]
        also = f", {reports} reports" if reports else ""
        for key, mark, dy in (("advertising_recall", "o-", -0.07), ("advertising_precision", "s-", 0.04)):
            ax.plot(x, [r[key] for r in part], mark, label=key.replace("_", " ") + also)
            for xi, r in zip(x, part, strict=True):  # the runs with reports labelled on the other side
                ax.annotate(f"{r[key]:.3f}", (xi, r[key] + (dy if not reports else -dy - 0.03)), ha="center", fontsize=7)
    ax.set_xlabel("moderator decisions (first flagged items of the stream)")
    ax.set_ylim(0, 1)
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(-0.5, max(k) * 1.3)
    ax.set_xticks(k, [str(x) for x in k])
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True, help="a model trained without --source (train.py --leave-out)")
    ap.add_argument("--source", default="game_ad_chat")
    ap.add_argument("--raw", type=Path, default=RAW)
    ap.add_argument("--budgets", default="0,10,50,100,200,1000")
    ap.add_argument("--learn", type=int, default=5000, help="the moderator decides among the first N messages; the rest is measured")
    ap.add_argument("--limit", type=int, default=None, help="stream only the first N messages (a quick look)")
    ap.add_argument("--batch", type=int, default=50, help="consecutive messages per engine call")
    ap.add_argument("--reports", type=int, default=0, help="also run each budget with this many reported misses")
    ap.add_argument("--cost-rounds", type=int, default=200, help="batches of 64 timed per group for the hot-path cost")
    ap.add_argument("--cost-only", action="store_true", help="measure only the hot-path cost, into the existing --out")
    ap.add_argument("--out", type=Path, default=RESULTS / "campaign_memory.json")
    ap.add_argument("--png", type=Path, default=RESULTS / "campaign_memory.png")
    args = ap.parse_args(argv)

    model = LoadedModel(*artifact.load(args.model))
    if f"--leave-out {args.source}" not in model.meta.get("command", ""):
        print(f"error: {args.model} was not trained with --leave-out {args.source}: it may have seen the stream",
              file=sys.stderr)
        return 2
    stream = load_stream(args.raw, args.source)[: args.limit]
    print(f"{args.source}: {len(stream)} messages {dict(Counter(lab for _, lab in stream))}; model {model.version}",
          flush=True)
    if args.cost_only:
        result = json.loads(args.out.read_text(encoding="utf-8"))
        result["hot_path"] = hot_path_cost(model, stream, 1000, args.cost_rounds)
        print("hot path:", result["hot_path"])
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return 0
    rows = []
    runs = [(int(b), reports) for reports in sorted({0, args.reports}) for b in args.budgets.split(",")]
    for budget, reports in runs:
        t = time.perf_counter()
        r = {"budget": budget} | run(model, stream, budget, args.learn, args.batch, reports)
        rows.append(r)
        print(f"K={budget} R={r['reports']}: recall {r['advertising_recall']:.3f} precision {r['advertising_precision']:.3f} "
              f"known_campaign {r['known_campaign']} ({r['known_campaign_correct']} right) allowed "
              f"{r['allowed_by_moderator']} ({r['allowed_by_moderator_correct']} right) "
              f"[{time.perf_counter() - t:.0f} s]", flush=True)
    cost = hot_path_cost(model, stream, 1000, args.cost_rounds)
    print("hot path:", cost)
    result = {"source": args.source, "model": model.version, "messages": len(stream), "learn": args.learn,
              "batch": args.batch, "gap_s": GAP_S, "runs": rows, "hot_path": cost}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    plot(rows, args.png, f"{args.source} (never trained on): the {len(stream) - args.learn:,} messages after "
                         f"the first {args.learn:,}")
    print("\n| decisions | reports | advertising recall | advertising precision | F1 | known_campaign (right) | "
          "allowed_by_moderator (right) | on_topic flagged |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['decisions']} | {r['reports']} | {r['advertising_recall']:.3f} | {r['advertising_precision']:.3f} | "
              f"{r['advertising_f1']:.3f} | {r['known_campaign']:,} ({r['known_campaign_correct']:,}) | "
              f"{r['allowed_by_moderator']:,} ({r['allowed_by_moderator_correct']:,}) | {r['on_topic_flagged']:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
