"""Does the retraining gate stop a poisoned export? One full gated run of the shipped recipe.

    python bench/bench_gate.py [--kind poisoned|good] [--behaviour-cases N]    # ~3 minutes and ~1.3 GB each

Builds a moderators' export in `qunguard export`'s format from training rows (seeded):
  poisoned  300 advertising rows relabelled on_topic, plus 100 on_topic and 50 spam rows labelled right
  good      150 advertising, 100 spam and 250 on_topic rows labelled right
then runs `python train.py --with-real-chat --exports EXPORT` into a temporary registry, so the current
model is the shipped one, and reports the gate's verdict: the largest F1 drop of a gated label and the
behaviour suite's pass rate, current vs candidate. Writes bench/results/gate_<kind>.json.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qunguard.model import artifact
from qunguard.model.dataset import Example, read_jsonl_gz
from qunguard.model.registry import Registry


def export_rows(kind: str, seed: int = 7) -> list[dict]:
    rows = [e for e in read_jsonl_gz(ROOT / "data" / "train.jsonl.gz") if not e.augmented]
    random.Random(seed).shuffle(rows)
    by: dict[str, list[Example]] = {}
    for e in rows:
        by.setdefault(e.label, []).append(e)

    def record(i: int, e: Example, label: str, decision: str) -> dict:
        return {"id": i, "text": e.text, "label": label, "predicted_label": e.label, "scores": {e.label: 0.9},
                "group_id": "g1", "user_id": f"u{i}", "message_ts": 1_700_000_000 + i, "decision": decision,
                "moderator": "alice", "decided_at": 1_700_000_100 + i, "model_version": "bench", "note": None}

    if kind == "good":
        return [record(i, e, e.label, "confirmed")
                for i, e in enumerate(by["advertising"][:150] + by["spam"][:100] + by["on_topic"][:250])]
    bad = [record(i, e, "on_topic", "relabelled") for i, e in enumerate(by["advertising"][200:500])]
    return bad + [record(1000 + i, e, e.label, "confirmed") for i, e in enumerate(by["on_topic"][300:400] + by["spam"][200:250])]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=("poisoned", "good"), default="poisoned")
    ap.add_argument("--behaviour-cases", type=int, default=0,
                    help="behaviour cases the candidate may lose net (train.py --behaviour-cases); results go to "
                         "gate_<kind>_b<N>.json when N > 0")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / f"{args.kind}.jsonl"
        export.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in export_rows(args.kind)),
                          encoding="utf-8")
        registry = Path(tmp) / "registry"
        started = time.time()
        run = subprocess.run([sys.executable, str(ROOT / "train.py"), "--with-real-chat", "--registry", str(registry),
                              "--db", str(Path(tmp) / "q.db"), "--version", f"bench-{args.kind}",
                              "--exports", str(export), "--behaviour-cases", str(args.behaviour_cases)],
                             check=False, cwd=ROOT, capture_output=True, text=True)
        seconds = round(time.time() - started)
        folder = Registry(registry).folder(f"bench-{args.kind}")
        gate = artifact.read_meta(folder)["gate"]
    gated = [c for c in gate["labels"] if c["gated"]]
    worst = min(gated, key=lambda c: c["delta"])
    result = {"kind": args.kind, "behaviour_cases": args.behaviour_cases, "current": gate["current_version"],
              "exit_status": run.returncode, "passed": gate["passed"], "seconds": seconds,
              "worst_gated_label": {k: worst[k] for k in ("set", "label", "support", "current", "candidate", "delta")},
              "behaviour": {k: gate["behaviour"][k] for k in ("current", "candidate")} if gate["behaviour"] else None,
              "newly_failing_behaviour_cases": len(gate["behaviour"]["newly_failing"]) if gate["behaviour"] else None,
              "failures": gate["failures"]}
    suffix = f"_b{args.behaviour_cases}" if args.behaviour_cases else ""
    out = ROOT / "bench" / "results" / f"gate_{args.kind}{suffix}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
