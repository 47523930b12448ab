"""Leave one source out: train without source S, test on S, for each source.

    python bench/bench_loso.py [--sources a,b,...] [--limit N] [--C 4] [--balance-commerce 0] [--commerce-kind model|source-neutral|source-neutral-gated]
                               [--out bench/results/loso.json]

A random split of the mapped corpora flatters a model: train and test share each source's
style, collector and quirks. Here every source in turn is never seen in training, so the
figure says how the model does on a kind of group it has not met. The test rows carry the
mapped labels of their source (data/README.md gives how right each mapping is). Where people labelled some of
the source's rows by the guide (data/labels: the reviews and the blind noise checks), the same model is also
scored on those rows alone: each label's recall, and what its misses were read as, with no mapping noise.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import train
from qunguard.data.hand_labels import source_rows
from qunguard.model import artifact
from qunguard.model.evaluate import evaluate
from qunguard.model.labels import LABELS

SOURCES = ("qq_scu_group_2017", "tg_spam_zh", "game_ad_chat", "game_chat_spam", "chineseharm_bench", "lccc_toy",
           "bili_danmaku_random", "fbs_sms", "mudou_spam")


def score_hand_labels(model_dir: Path, source: str) -> dict | None:
    """The left-out model on the source's hand-labelled rows: per label, recall, F1, support and where it went."""
    rows = source_rows(source)
    if not rows:
        return None
    m = evaluate(artifact.load(model_dir)[0].predict_proba([t for t, _ in rows]), [label for _, label in rows])
    confusion = m["confusion"]["rows_true_cols_pred"]
    return {"n": m["n"], "macro_f1": m["macro_f1"],
            "per_label": {lab: {"support": c["support"], "recall": c["recall"], "f1": c["f1"],
                                "read_as": {LABELS[j]: n for j, n in enumerate(confusion[i]) if n and j != i}}
                          for i, (lab, c) in enumerate(m["per_class"].items()) if c["support"]}}


def print_hand_table(results: dict) -> None:
    hand = {s: r["hand_labels"] for s, r in results.items() if r.get("hand_labels")}
    if not hand:
        return
    print("\nthe same models on the rows people labelled (recall per label, n; misses read as):")
    print("| left-out source | n | on_topic | spam | advertising | flooding |\n|---|---|---|---|---|---|")
    for s, h in hand.items():
        cells = []
        for lab in LABELS:
            c = h["per_label"].get(lab)
            misses = ", ".join(f"{n} {other}" for other, n in c["read_as"].items()) if c else ""
            cells.append(f"{c['recall']:.3f} of {c['support']}" + (f" ({misses})" if misses else "") if c else "–")
        print(f"| {s} | {h['n']:,} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", default=",".join(SOURCES))
    ap.add_argument("--limit", type=int, default=None, help="train on a sample of this many rows (quicker)")
    ap.add_argument("--max-features", type=int, default=200_000)
    ap.add_argument("--C", type=float, default=4.0, help="inverse regularisation (train.py --C)")
    ap.add_argument("--balance-sources", type=int, default=None, metavar="N", help="train.py --balance-sources (0: off)")
    ap.add_argument("--balance-commerce", type=float, default=None, metavar="MAX_UP",
                    help="train.py --balance-commerce (0: off)")
    ap.add_argument("--commerce-kind", choices=train.COMMERCE_KINDS, default=train.COMMERCE_KIND,
                    help=f"train.py --commerce-kind (default {train.COMMERCE_KIND}, train.py's)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "loso.json")
    args = ap.parse_args(argv)
    results = {}
    for source in args.sources.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = ["--leave-out", source, "--out", tmp, "--version", f"loso-{source}", "--max-features", str(args.max_features),
                   "--C", str(args.C)]
            if args.balance_sources is not None:  # 0 turns it off; default: train.py's
                cmd += ["--balance-sources", str(args.balance_sources)]
            if args.balance_commerce is not None:
                cmd += ["--balance-commerce", str(args.balance_commerce)]
            cmd += ["--commerce-kind", args.commerce_kind]
            if args.limit:
                cmd += ["--limit", str(args.limit)]
            if train.main(cmd) != 0:
                return 2
            metrics = json.loads((Path(tmp) / "meta.json").read_text(encoding="utf-8"))["metrics"]
            hand = score_hand_labels(Path(tmp), source)
        m = metrics["left_out_source"]
        results[source] = {"n": m["n"], "macro_f1": m["macro_f1"], "accuracy": m["accuracy"],
                           "f1": {lab: c["f1"] for lab, c in m["per_class"].items() if c["support"]},
                           "support": {lab: c["support"] for lab, c in m["per_class"].items() if c["support"]},
                           "hand_labels": hand}
        print(f"{source}: n={m['n']} macro-F1 {m['macro_f1']:.3f} " +
              " ".join(f"{lab} {f:.3f}" for lab, f in results[source]["f1"].items()), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("\n| left-out source | n | macro-F1 | " + "on_topic | spam | advertising | flooding" + " |")
    print("|---|---|---|---|---|---|---|")
    for s, r in results.items():
        cells = [f"{r['f1'][lab]:.3f}" if lab in r["f1"] else "–" for lab in ("on_topic", "spam", "advertising", "flooding")]
        print(f"| {s} | {r['n']:,} | {r['macro_f1']:.3f} | " + " | ".join(cells) + " |")
    print_hand_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
