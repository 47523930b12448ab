"""Replay a real group's log through the engine, in order, as a bot would send it.

    python bench/bench_replay.py [--model model/shipped] [--batch 20] [--list review]

The held-out later stretch of the real QQ group export (data/eval/scu_replay.jsonl.gz:
qq_scu_group_2017 from 2017-04-20 on, never trained on) goes through the whole engine
(service/replay.py, as `qunguard replay` runs it) with default group settings: normalise -> model -> flood windows (each member's real send times)
-> policy -> SQLite review queue. Messages are sent in batches of consecutive messages
(a bot that batches what arrived meanwhile). Prints the share sent to review and to
delete, lists every deleted message, and, where a hand label exists
(data/eval/scu_heldout.jsonl.gz), how many flagged messages the labellers called on_topic
and how many of their ads, lures and floods were flagged.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qunguard.model import artifact
from qunguard.model.dataset import read_jsonl_rows
from qunguard.service.chat_logs import LoggedMessage
from qunguard.service.engine import LoadedModel
from qunguard.service.replay import replay as run_replay

REPLAY = ROOT / "data" / "eval" / "scu_replay.jsonl.gz"
LABELS = ROOT / "data" / "eval" / "scu_heldout.jsonl.gz"
GROUP = "qq_scu_group_2017"


def replay(model_dir: Path, batch: int) -> tuple[list[dict], list[dict]]:
    """(messages of the stretch, their verdicts), in order: through service/replay.py, as `qunguard replay` runs."""
    messages = read_jsonl_rows(REPLAY)
    logged = [LoggedMessage(m["user"], m["text"], datetime.fromisoformat(m["ts"]).timestamp(), str(m["line"]),
                            f"line {m['line']}") for m in messages]
    verdicts: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        run_replay(logged, group_id=GROUP, model=LoadedModel(*artifact.load(model_dir)), db=Path(tmp) / "replay.db",
                   batch=batch, on_verdict=lambda _, v: verdicts.append(v))
    return messages, verdicts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=artifact.SHIPPED)
    ap.add_argument("--batch", type=int, default=20, help="consecutive messages per engine call")
    ap.add_argument("--list", choices=("delete", "review"), default="delete",
                    help="list every deleted message (default), or every flagged one")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    args = ap.parse_args(argv)

    messages, verdicts = replay(args.model, args.batch)
    n = len(messages)
    actions = Counter(v["action"] for v in verdicts)
    flagged = actions["review"] + actions["delete"]
    print(f"{n} messages of {GROUP} (held-out stretch), batches of {args.batch}, model {verdicts[0]['model_version']}")
    print(f"deleted: {actions['delete']} ({actions['delete'] / n:.2%})   sent to review or delete: {flagged} ({flagged / n:.2%})")
    print("flagged by label and action:", dict(Counter((v["label"], v["action"]) for v in verdicts if v["action"] != "allow")))

    hand = {r["line"]: r["label"] for r in read_jsonl_rows(LABELS)} if LABELS.exists() else {}
    by_line = {m["line"]: (m, v) for m, v in zip(messages, verdicts, strict=True)}
    figures = {"n": n, "deleted": actions["delete"], "flagged": flagged,
               "deleted_share": round(actions["delete"] / n, 5), "flagged_share": round(flagged / n, 5)}
    if hand:
        bad = [line for line, lab in hand.items() if lab != "on_topic"]
        caught = sum(by_line[line][1]["action"] != "allow" for line in bad if line in by_line)
        ok_flagged = sum(by_line[line][1]["action"] != "allow" for line, lab in hand.items() if lab == "on_topic" and line in by_line)
        print(f"hand-labelled lines: {len(hand)}; of their {len(bad)} ads, lures and floods {caught} flagged; "
              f"of their {len(hand) - len(bad)} on_topic messages {ok_flagged} flagged")
        figures |= {"hand_labelled": len(hand), "hand_not_on_topic": len(bad), "hand_not_on_topic_flagged": caught,
                    "hand_on_topic_flagged": ok_flagged}
    listed = ("delete",) if args.list == "delete" else ("delete", "review")
    print(f"\nevery {' or '.join(a + 'd' if a.endswith('e') else a + 'ed' for a in listed)} message (line, hand label if any, verdict, reasons):")
    for m, v in zip(messages, verdicts, strict=True):
        if v["action"] in listed:
            reasons = "; ".join(f"{r['name']}: {r['detail']}" for r in v["reasons"])
            print(f"  {m['line']:>6} [{hand.get(m['line'], '-')}] {v['action']}/{v['label']} {m['text'][:80]!r}  <- {reasons[:160]}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
