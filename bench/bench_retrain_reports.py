"""What a retrain from moderators' exports gives a kind of group the model never saw, with and without reports.

    python train.py --leave-out tg_spam_zh --out /tmp/loso_tg_spam_zh      # once, ~3 min
    python bench/bench_retrain_reports.py --model /tmp/loso_tg_spam_zh --source tg_spam_zh [--budget 500] [--reports 500]

The moderators of a new kind of group can only decide what reaches their queue. What the model flags does;
what it lets through (most lures of a campaign it never saw) reaches it only when a member reports it (POST
/v1/review/report). The source's rows stream through a real engine and SQLite store as one group
(bench_campaign_memory.stream_and_decide): a simulated moderator decides the first --budget flagged items of the
first --learn messages by the source's mapped label, and in the second run also the first --reports misses members
report there (ads and lures by the mapped label, read as chat). Each run's decided items are exported as the
service exports them (`export_record`, the JSONL of GET /v1/export) and `train.py --leave-out SOURCE --exports
FILE` retrains on them. Every model is scored on the source's hand-labelled rows (data/labels, as bench_loso.py
does); those texts are kept out of the stream, so nothing is decided on a text it is scored on.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_campaign_memory import GROUP, RAW, close, load_stream, stream_and_decide
from bench_loso import score_hand_labels

import train
from qunguard.data.hand_labels import source_rows
from qunguard.model import artifact
from qunguard.service.engine import LoadedModel, Moderator
from qunguard.service.exports import export_record
from qunguard.service.flood import InMemoryFloodTracker
from qunguard.service.store import Store

RESULTS = ROOT / "bench" / "results"


def decided_export(model: LoadedModel, stream: list[tuple[str, str]], budget: int, reports: int, learn: int,
                   batch: int, out: Path) -> dict:
    """Stream the first `learn` messages, decide as stream_and_decide does, write the decided items as the service
    exports them; what was decided, by the decided label."""
    with tempfile.TemporaryDirectory() as tmp:
        moderator = Moderator(model, Store(Path(tmp) / "stream.db"), InMemoryFloodTracker())
        _, decisions, reported = stream_and_decide(moderator, stream[:learn], budget, learn, batch, reports)
        records = [export_record(it) for it in moderator.store.decided_review_items(group_id=GROUP)]
        close(moderator)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return {"decisions": sum(decisions.values()) - reported, "reports": reported, "exported": len(records),
            "exported_labels": dict(Counter(r["label"] for r in records))}


def retrain(source: str, exports: Path, out: Path) -> None:
    if train.main(["--leave-out", source, "--exports", str(exports), "--out", str(out), "--version",
                   f"retrained-{source}"]) != 0:
        raise SystemExit(f"train.py failed for {exports}")


def recall_line(name: str, hand: dict) -> str:
    cells = ", ".join(f"{lab} {c['recall']:.3f} of {c['support']}" for lab, c in hand["per_label"].items())
    return f"{name}: macro-F1 {hand['macro_f1']:.3f}; recall {cells}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True, help="a model trained without --source (train.py --leave-out)")
    ap.add_argument("--source", default="tg_spam_zh")
    ap.add_argument("--raw", type=Path, default=RAW)
    ap.add_argument("--budget", type=int, default=500, help="decisions on flagged items")
    ap.add_argument("--reports", type=int, default=500, help="reported misses decided too, in the second run")
    ap.add_argument("--learn", type=int, default=10_000, help="the moderators see the first N messages of the stream")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--out", type=Path, default=None, help="JSON (default bench/results/retrain_reports_SOURCE.json)")
    args = ap.parse_args(argv)
    model = LoadedModel(*artifact.load(args.model))
    if f"--leave-out {args.source}" not in model.meta.get("command", ""):
        print(f"error: {args.model} was not trained with --leave-out {args.source}", file=sys.stderr)
        return 2
    test = {text for text, _ in source_rows(args.source)}
    stream = [(t, lab) for t, lab in load_stream(args.raw, args.source) if t not in test]
    print(f"{args.source}: {len(stream):,} messages in the stream, {len(test):,} hand-labelled texts kept out", flush=True)
    result = {"source": args.source, "model": model.version, "learn": args.learn,
              "before": score_hand_labels(args.model, args.source), "runs": []}
    print(recall_line("before (never trained on the source)", result["before"]), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for reports in (0, args.reports):
            exports = Path(tmp) / f"export_{reports}.jsonl"
            run = decided_export(model, stream, args.budget, reports, args.learn, args.batch, exports)
            retrain(args.source, exports, Path(tmp) / f"model_{reports}")
            run["after"] = score_hand_labels(Path(tmp) / f"model_{reports}", args.source)
            result["runs"].append(run)
            print(recall_line(f"retrained on {run['decisions']} decisions and {run['reports']} reports "
                              f"(exported {run['exported_labels']})", run["after"]), flush=True)
    out = args.out or RESULTS / f"retrain_reports_{args.source}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
