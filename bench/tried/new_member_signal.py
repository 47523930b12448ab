"""Would a member's first messages be a fair second signal for a delete (tg-spam checks only new members' first
messages)? Measured before building it, on the whole QQ group log replayed by `qunguard replay`.

    python bench/tried/new_member_signal.py [--first 3] [--watched-days 7]

Replays ../shared/data/raw/qq_scu_group_2017 (27,236 messages, written as QQ's .txt export) with default settings
and lists the messages the model alone flagged as spam or advertising (a `model_only` review: a delete without a
second signal) whose sender had fewer than --first earlier messages in the group, once the group had been watched
--watched-days: the reviews such a signal would turn into deletes, with the hand label where the stretch has one.
"""
from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from bench_replay_export import WHOLE, write_qq_export


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--first", type=int, default=3)
    ap.add_argument("--watched-days", type=float, default=7.0)
    args = ap.parse_args(argv)
    with WHOLE.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    with gzip.open(ROOT / "data" / "eval" / "scu_heldout.jsonl.gz", "rt", encoding="utf-8") as fh:
        hand = {r["text"]: r["label"] for r in map(json.loads, fh)}
    with tempfile.TemporaryDirectory() as tmp:
        export, out = Path(tmp) / "log.txt", Path(tmp) / "verdicts.jsonl"
        write_qq_export(rows, export)
        subprocess.run([sys.executable, "-m", "qunguard.service.cli", "replay", str(export), "-o", str(out),
                        "--list", "none"], check=True, capture_output=True)
        verdicts = [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]  # not splitlines(): U+2028 may sit in a text
    seen: Counter[str] = Counter()
    start = verdicts[0]["ts"]
    model_only, turned = 0, []
    for v in verdicts:
        if v["label"] in ("spam", "advertising") and any(r["name"] == "model_only" for r in v["reasons"]):
            model_only += 1
            if seen[v["user_id"]] < args.first and v["ts"] - start >= args.watched_days * 86400:
                turned.append((seen[v["user_id"]], v["label"], hand.get(v["text"], "-"), " ".join(v["text"].split())[:60]))
        seen[v["user_id"]] += 1
    print(f"{len(verdicts):,} messages; {model_only} model-only spam or advertising reviews; {len(turned)} from a member's "
          f"first {args.first} messages after {args.watched_days:g} days watched (earlier messages, label, hand label, text):")
    for t in turned:
        print(f"  {t[0]}  {t[1]:<12} {t[2]:<12} {t[3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
