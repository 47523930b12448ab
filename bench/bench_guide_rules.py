"""Where the guide rules (model/guide_rules.py) fire, by data set, source and label, and what they change.

    python bench/bench_guide_rules.py [--model DIR] [--show N]

For every labelled set under data/ (training rows without their augmented copies, the random test
split, gold, the hand-labelled real chat and the QQ group's later stretch) it counts the rows each rule
fires on (honest_offer: of the rows the model given calls spam), by the row's label: a hit on an on_topic row is a false alarm, unless the row's label is
wrong (every on_topic hit is printed, with --show N per cell, so a reader can judge). Then, for the
model given, the verdicts that the rules changed on the evaluation sets, before -> after, and the sets'
macro-F1 without and with the rules. Writes bench/results/guide_rules.json.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qunguard.model import artifact
from qunguard.model.dataset import read_jsonl_rows
from qunguard.model.labels import LABELS
from qunguard.model.normalize import normalize

SETS = {
    "train": ROOT / "data" / "train.jsonl.gz",
    "test": ROOT / "data" / "test.jsonl.gz",
    "gold": ROOT / "data" / "gold" / "gold.jsonl.gz",
    "real_chat": ROOT / "data" / "eval" / "realchat.jsonl.gz",
    "qq_group_later_stretch": ROOT / "data" / "eval" / "scu_heldout.jsonl.gz",
}
EVAL_SETS = ("test", "gold", "real_chat", "qq_group_later_stretch")


def rule_hits(rows: list[dict], clf) -> tuple[Counter, dict]:
    """(set-wide counts by (rule, source, label), examples of each cell). The rules as the model's verdicts
    find them: honest_offer is asked only of the rows this model calls spam."""
    counts: Counter = Counter()
    examples: dict = defaultdict(list)
    hits = clf.score([normalize(r["text"]) for r in rows]).rules
    for row, hit in zip(rows, hits, strict=True):
        if hit:
            cell = (hit[0], row.get("source", ""), row["label"])
            counts[cell] += 1
            examples[cell].append({"text": row["text"][:120], "span": hit[1]})
    return counts, examples


def labels_without_and_with_rules(clf, rows: list[dict]) -> tuple[list[str], list[str]]:
    """Each row's label from the model alone, and with the guide rules (the verdict's label)."""
    norms = [normalize(r["text"]) for r in rows]
    scored = clf.score(norms)
    feats = clf.featurizer.featurize(norms)
    plain = [LABELS[k] for k in clf._calibrated(clf._logits(feats)).argmax(axis=1).tolist()]  # the model alone
    return plain, list(scored.labels)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=artifact.SHIPPED)
    ap.add_argument("--show", type=int, default=20, help="on_topic hits printed per cell")
    args = ap.parse_args()
    clf = artifact.load(args.model)[0]
    out: dict = {"model": str(args.model), "sets": {}}
    for name, path in SETS.items():
        rows = [r for r in read_jsonl_rows(path) if not r.get("augmented")]
        counts, examples = rule_hits(rows, clf)
        totals = Counter(r["label"] for r in rows)
        by_rule: dict = defaultdict(lambda: Counter())
        for (rule, _, label), n in counts.items():
            by_rule[rule][label] += n
        print(f"\n## {name}: {len(rows):,} rows ({', '.join(f'{k} {v:,}' for k, v in sorted(totals.items()))})")
        for rule, labels in sorted(by_rule.items()):
            print(f"  {rule}: " + ", ".join(f"{label} {n}" for label, n in sorted(labels.items())))
        for (rule, source, label), items in sorted(examples.items()):
            if label == "on_topic":
                print(f"  on_topic hits of {rule} in {source}:")
                for item in items[: args.show]:
                    print(f"    {item['text']!r}  [{item['span']}]")
        entry = {"rows": len(rows), "labels": dict(totals),
                 "hits": [{"rule": r, "source": s, "label": lab, "n": n} for (r, s, lab), n in sorted(counts.items())],
                 "on_topic_hits": {f"{r}/{s}": items for (r, s, lab), items in sorted(examples.items()) if lab == "on_topic"}}
        if name in EVAL_SETS:
            plain, ruled = labels_without_and_with_rules(clf, rows)
            gold = [r["label"] for r in rows]
            changed = Counter((g, a, b) for g, a, b in zip(gold, plain, ruled, strict=True) if a != b)
            f1 = {"without_rules": round(float(f1_score(gold, plain, average="macro")), 4),
                  "with_rules": round(float(f1_score(gold, ruled, average="macro")), 4)}
            entry["macro_f1"] = f1
            entry["changed"] = [{"gold": g, "before": a, "after": b, "n": n} for (g, a, b), n in sorted(changed.items())]
            right = sum(n for (g, a, b), n in changed.items() if b == g) - sum(n for (g, a, b), n in changed.items() if a == g)
            print(f"  verdicts changed by the rules: {sum(changed.values())}; net right {right:+d}: "
                  + ", ".join(f"{g}: {a}->{b} {n}" for (g, a, b), n in sorted(changed.items())))
            print(f"  macro-F1 without the rules {f1['without_rules']:.3f}, with them {f1['with_rules']:.3f}")
        out["sets"][name] = entry
    dest = ROOT / "bench" / "results" / "guide_rules.json"
    dest.write_text(json.dumps(out, ensure_ascii=False, indent=1, default=lambda o: o.tolist() if isinstance(o, np.ndarray) else str(o)))
    print(f"\nwrote {dest.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
