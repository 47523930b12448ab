"""Tried at s30: fastText's dense word and subword vectors beside the sparse model, probabilities averaged.

    python bench/tried/fasttext_ensemble.py MODEL_DIR [--seed 13] [--weight 0.3 ...] [--dim 50] [--epoch 10]

If a short offer fails because its words never came with a label (帮写 where training said 代写), vectors learned
for the labels might carry it where n-grams cannot. fastText (the `bench` extra) is trained on the rows and weights
train.py uses for its evaluation model (data/train.jsonl.gz, the same shuffle and calibration split for --seed,
hand labels x3, each source's label cell capped at 1,500 rows; a row of weight w is written floor(w) times and once
more with probability w - floor(w)), on the normalised, masked text cut into words as the featuriser cuts it. Each
weight a gives p = (1 - a) p(MODEL_DIR, guide rules applied) + a p(fastText); the figures are bench_candidates.py's,
for MODEL_DIR, fastText alone (weight 1) and each mix.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_candidates

import train
from qunguard.model import artifact
from qunguard.model.dataset import read_jsonl_gz
from qunguard.model.labels import LABELS
from qunguard.model.normalize import normalize
from qunguard.model.segment import Segmenter


class FastTextMix(bench_candidates.FromProba):
    def __init__(self, base, ft, prep, weight: float) -> None:
        self.base, self.ft, self.prep, self.weight = base, ft, prep, weight

    def ft_proba(self, texts) -> np.ndarray:
        labels, probs = self.ft.predict([self.prep(t) for t in texts], k=len(LABELS))
        out = np.zeros((len(texts), len(LABELS)))
        for i, (ls, ps) in enumerate(zip(labels, probs, strict=True)):
            for lab, p in zip(ls, ps, strict=True):
                out[i, LABELS.index(lab.removeprefix("__label__"))] = p
        return out

    def predict_proba(self, texts) -> np.ndarray:
        p = self.ft_proba(texts)
        return p if self.weight >= 1 else (1 - self.weight) * self.base.predict_proba(texts) + self.weight * p


def training_lines(seed: int, prep) -> list[str]:
    """train.py's evaluation-model rows and weights (its main(), without exports or --with-real-chat), as lines."""
    rows = read_jsonl_gz(ROOT / "data" / "train.jsonl.gz")
    rng = random.Random(seed)
    rng.shuffle(rows)
    rows = rows[int(len(rows) * train.CALIBRATION_SHARE):]
    cells = Counter((ex.source, ex.label) for ex in rows)
    draw = random.Random(seed + 1)
    lines = []
    for ex in rows:
        w = (train.HAND_WEIGHT if ex.hand_labelled else 1.0) * min(1.0, train.BALANCE_SOURCES / cells[ex.source, ex.label])
        copies = int(w) + (draw.random() < w - int(w))
        lines += [f"__label__{ex.label} {prep(ex.text)}"] * copies
    draw.shuffle(lines)
    return lines


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--weight", type=float, action="append", default=None)
    ap.add_argument("--dim", type=int, default=50)
    ap.add_argument("--epoch", type=int, default=10)
    args = ap.parse_args(argv)
    import fasttext

    segment = Segmenter("rjieba")

    def prep(text: str) -> str:
        return " ".join(segment(normalize(text).masked))

    lines = training_lines(args.seed, prep)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"fastText on {len(lines):,} lines", flush=True)
    ft = fasttext.train_supervised(fh.name, epoch=args.epoch, wordNgrams=2, minn=1, maxn=3, dim=args.dim, thread=1,
                                   seed=args.seed, verbose=0)
    os.unlink(fh.name)
    base, meta = artifact.load(args.model)
    mixes = [(f"fasttext:{w}", FastTextMix(base, ft, prep, w), {**meta, "model_version": f"fasttext:{w}"})
             for w in args.weight or [1.0, 0.3, 0.5]]
    return bench_candidates.compare([(str(args.model), base, meta), *mixes])

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
