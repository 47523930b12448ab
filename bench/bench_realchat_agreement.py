"""Real chat by two labellers: how far they agree, and a model against each.

    python bench/bench_realchat_agreement.py [--model DIR] [--show N]

Real chat's first labels (`data/labels/realchat_heldout.jsonl.gz`) are the headline. A second labeller labelled
its messages that are not danmaku blind, by the guide alone (`data/labels/realchat_second_labeller.jsonl.gz`,
data/README.md). Printed: agreement and Cohen's kappa per community, where the two part, and the model's
macro-F1 against the first labels, against the second, and on the messages both gave the same label (the danmaku
pools, labelled once, count with their one label in the whole set). `--show N` lists N messages where the two part.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.metrics import cohen_kappa_score

from qunguard.data.hand_labels import REALCHAT_FILE, SECOND_LABELLER_FILE, read_label_file
from qunguard.model import artifact
from qunguard.model.evaluate import evaluate

TIEBA = "tieba_cyuyan_spam"


def paired_rows() -> list[dict]:
    """Real chat's rows, each with `second` (the second labeller's label, None where there is none) and `unsure`."""
    second = {r["id"]: r for r in read_label_file(SECOND_LABELLER_FILE)}
    rows = read_label_file(REALCHAT_FILE)
    for r in rows:
        s = second.get(r["id"])
        r["second"], r["unsure"] = (s["label"], s.get("unsure", False)) if s else (None, False)
    return rows


def communities(rows: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["source"], []).append(r)
    groups["all but the Tieba"] = [r for r in rows if r["source"] != TIEBA]
    groups["all"] = rows
    return groups


def print_agreement(groups: dict[str, list[dict]]) -> None:
    print("| community | relabelled | same label | Cohen's kappa | second labeller unsure |\n|---|---|---|---|---|")
    for name, part in groups.items():
        both = [r for r in part if r["second"] is not None]
        if not both:
            continue
        first, second = [r["label"] for r in both], [r["second"] for r in both]
        same = sum(a == b for a, b in zip(first, second, strict=True))
        kappa = cohen_kappa_score(first, second) if len(set(first) | set(second)) > 1 else float("nan")
        print(f"| {name} | {len(both)} | {same} ({same / len(both):.1%}) | {kappa:.3f} | {sum(r['unsure'] for r in both)} |")
    parted = Counter((r["label"], r["second"]) for r in groups["all"] if r["second"] not in (None, r["label"]))
    print("\nwhere they part (first -> second): " + ", ".join(f"{a} -> {b} {n}" for (a, b), n in parted.most_common()))


def print_model(clf, groups: dict[str, list[dict]]) -> None:
    print("\n| community | n | macro-F1, first labels | second labels | n agreed | on agreed rows |\n|---|---|---|---|---|---|")
    for name, part in groups.items():
        proba = clf.predict_proba([r["text"] for r in part])
        first = evaluate(proba, [r["label"] for r in part])["macro_f1"]
        second = evaluate(proba, [r["second"] or r["label"] for r in part])["macro_f1"]
        agreed = [i for i, r in enumerate(part) if r["second"] in (None, r["label"])]
        on_agreed = evaluate(proba[agreed], [part[i]["label"] for i in agreed])["macro_f1"]
        print(f"| {name} | {len(part):,} | {first:.3f} | {second:.3f} | {len(agreed):,} | {on_agreed:.3f} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None,
                    help="model folder (default: the shipped one, which trains on real chat: use an evaluation model)")
    ap.add_argument("--show", type=int, default=0, help="list this many messages where the labellers part")
    args = ap.parse_args(argv)
    rows = paired_rows()
    groups = communities(rows)
    print_agreement(groups)
    clf, meta = artifact.load(args.model or artifact.SHIPPED)
    if meta.get("trained_on_real_chat_eval"):
        print(f"\nnote: {meta.get('version')} trained on real chat's first labels: not a held-out figure")
    print_model(clf, groups)
    for r in [r for r in rows if r["second"] not in (None, r["label"])][: args.show]:
        print(f"  {r['source']}: first {r['label']}, second {r['second']}{' (unsure)' if r['unsure'] else ''}: {r['text'][:80]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
