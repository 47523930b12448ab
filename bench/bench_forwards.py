"""Forwarded messages through the engine: what a channel's post forwarded changes (service/forwards.py).

    python bench/bench_forwards.py [--model model/shipped] [--json bench/results/forwards.json]

No corpus here says which messages were forwarded, so each labelled message is sent three ways: as posted, forwarded
from a member (`forward_origin.type` user) and forwarded from a channel. The messages are the hand-labelled QQ group's
held-out stretch, our 38 probe suites and the four everyday suites (counted, never read: only totals are printed);
not the hand-labelled real chat, which the shipped model trained on. One member per message, a minute apart, so no
flood window fires; the group's default settings (`forwards: judge`).

Printed per label: the share sent to review or deleted, the share deleted, and the share given the hand label. A channel's post is a second signal
for an ad or a lure the model is sure of, so the column to read is how many more are deleted, and how many chat
messages are (a chat message forwarded from a news channel is deleted only where the model already reads it as
commerce past the delete threshold).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine_run import by_label, judge_messages, model_and_json, print_table

from qunguard.model.dataset import read_jsonl_rows
from qunguard.service.engine import LoadedModel, Message
from qunguard.service.forwards import Origin

PROBES = ROOT / "data" / "eval" / "probes"
SETS = [ROOT / "data" / "eval" / "scu_heldout.jsonl.gz", *sorted(PROBES.glob("probe_*.jsonl.gz")),
        *sorted(PROBES.glob("everyday_*.jsonl.gz"))]
WAYS: dict[str, Origin | None] = {"as posted": None, "forwarded from a member": "user",
                                  "forwarded from a channel": "channel"}


def judge(model: LoadedModel, texts: list[str], origin: Origin | None) -> list[dict]:
    """Verdicts as the API gives them, one member per message, a minute apart."""
    return judge_messages(model, [Message("bench", f"u{i}", text, str(i), 1_700_000_000.0 + 60 * i, forwarded=origin)
                                  for i, text in enumerate(texts)])


def main(argv: list[str] | None = None) -> int:
    model, json_out = model_and_json(__doc__ or "", argv)
    rows = [r for path in SETS for r in read_jsonl_rows(path)]
    results: dict = {"model": model.version, "messages": len(rows),
                     "by_label": {lab: sum(r["label"] == lab for r in rows) for lab in sorted({r["label"] for r in rows})}}
    for way, origin in WAYS.items():
        results[way] = by_label(judge(model, [r["text"] for r in rows], origin), rows)
    print(f"model {model.version}; {len(rows):,} labelled messages {results['by_label']}")
    print_table("sent", results, list(WAYS))
    if json_out:
        json_out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
