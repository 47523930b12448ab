"""Tried at s31: leave one source out for the kinds of commerce, three ways from one model per source.

    python bench/tried/loso_kind_gates.py [--sources a,b,...] [--out bench/tried/loso_kind_gates.json]

For each source S, `train.py --leave-out S --commerce-kind source-neutral-gated` trains once; its left-out rows (as
train.py picks them: every non-augmented row of S) are then scored three ways by the same model: without the kind
column (the recipe as shipped: the main model is the same to the bit), with the whole column (`source-neutral`) and
gated (`source-neutral-gated`, model/commerce_kind.py). One training per source gives all three on one machine, where
bench_loso.py would need three runs (~12 min each here). Prints macro-F1 and advertising F1 per source and their means.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_loso import SOURCES

import train
from qunguard.model import artifact
from qunguard.model.classifier import MessageClassifier
from qunguard.model.dataset import read_jsonl_gz
from qunguard.model.evaluate import evaluate

DATA = ROOT / "data"


def variants(clf: MessageClassifier) -> dict[str, MessageClassifier]:
    """The gated model's kind column off, whole and gated."""
    kind = clf.kind
    assert kind is not None and kind.one_way and kind.spam_forms_keep

    def with_kind(k):
        return MessageClassifier(clf.featurizer, clf.coef, clf.intercept, clf.classes, clf.temperature, k)

    return {"model": with_kind(None),
            "source-neutral": with_kind(dataclasses.replace(kind, one_way=False, spam_forms_keep=False)),
            "source-neutral-gated": clf}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", default=",".join(SOURCES))
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "tried" / "loso_kind_gates.json")
    args = ap.parse_args(argv)
    rows = read_jsonl_gz(DATA / "train.jsonl.gz") + read_jsonl_gz(DATA / "test.jsonl.gz")
    results: dict[str, dict] = {}
    for source in args.sources.split(","):
        left_out = [ex for ex in rows if ex.source == source and not ex.augmented]
        with tempfile.TemporaryDirectory() as tmp:
            if train.main(["--leave-out", source, "--out", tmp, "--version", f"loso-{source}",
                           "--commerce-kind", "source-neutral-gated"]) != 0:
                return 2
            clf, _ = artifact.load(Path(tmp))
        texts, labels = [ex.text for ex in left_out], [ex.label for ex in left_out]
        results[source] = {}
        for name, model in variants(clf).items():
            m = evaluate(model.predict_proba(texts), labels)
            results[source][name] = {"n": m["n"], "macro_f1": m["macro_f1"],
                                     "advertising_f1": m["per_class"]["advertising"]["f1"],
                                     "advertising_support": m["per_class"]["advertising"]["support"]}
        print(source + ": " + ", ".join(f"{k} {v['macro_f1']:.4f} (adv {v['advertising_f1']:.3f})"
                                        for k, v in results[source].items()), flush=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for name in ("model", "source-neutral", "source-neutral-gated"):
        mean = sum(r[name]["macro_f1"] for r in results.values()) / len(results)
        print(f"mean of {len(results)} ({name}): {mean:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
