"""Tried at s29: within each source, advertising and spam weigh the same, so a source's style says nothing of which.

    python bench/tried/commerce_balance.py MAX_UP [--keep-totals | --up-only] --out DIR [train.py options]   # then bench/bench_candidates.py

Output of the s29 trial: bench/tried/commerce_balance.out (LOSO: bench/tried/loso_commerce_balance.json). The plain
form is train.py's `--balance-commerce MAX_UP` (off by default), which gives the same model to the bit; this script
adds the two variants below, with train.py's own option left off.

After train.py's source balancing, Telegram's spam cell weighs 1,500 against its ads' 559 and the harm benchmark's
1,500 against 333, while the SMS sources and the game trade chat lean the other way: the way a source writes is
evidence of spam or of advertising, and group-chat commerce reads as spam (README, ads read as spam). Here, for each
source holding both labels, the two cells are scaled to the mean of their totals, no cell by more than MAX_UP (a
small cell is not copied into a big one). With --keep-totals each label's weights are then scaled back to the label's
total before the change: weight moves between sources within a label, and the labels' priors stay. With --up-only
the bigger cell keeps its weight and only the smaller is raised toward the mean (no lure or ad is weighed less). Every other
argument goes to train.py.
"""
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from train_weighting import source_of_texts  # beside this script: text -> its source

import train
from qunguard.model import classifier

_fit = classifier.MessageClassifier.fit.__func__


def balanced(texts, labels, weights: np.ndarray, max_up: float, keep_totals: bool, up_only: bool = False) -> np.ndarray:
    sources = source_of_texts()
    src = [sources.get(t, "?") for t in texts]
    total: dict[tuple[str, str], float] = defaultdict(float)
    for s, y, w in zip(src, labels, weights, strict=True):
        total[s, y] += w
    scale: dict[tuple[str, str], float] = {}
    for s in {s for s, _ in total}:
        ads, spam = total.get((s, "advertising"), 0.0), total.get((s, "spam"), 0.0)
        if ads and spam:
            target = (ads + spam) / 2
            floor = 1.0 if up_only else 0.0
            scale[s, "advertising"] = max(floor, min(max_up, target / ads))
            scale[s, "spam"] = max(floor, min(max_up, target / spam))
    for (s, y), k in sorted(scale.items()):
        print(f"  {s} {y}: {total[s, y]:.0f} x {k:.2f}")
    out = weights * np.array([scale.get((s, y), 1.0) for s, y in zip(src, labels, strict=True)])
    if keep_totals:
        y = np.asarray(labels)
        for label in ("advertising", "spam"):
            out[y == label] *= weights[y == label].sum() / out[y == label].sum()
    return out


if __name__ == "__main__":
    max_up = float(sys.argv[1])
    keep_totals, up_only = "--keep-totals" in sys.argv[2:], "--up-only" in sys.argv[2:]
    args = [a for a in sys.argv[2:] if a not in ("--keep-totals", "--up-only")]

    def fit(cls, texts, labels, *, sample_weight=None, **kw):
        w = np.ones(len(texts)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        return _fit(cls, texts, labels, sample_weight=balanced(texts, labels, w, max_up, keep_totals, up_only), **kw)

    classifier.MessageClassifier.fit = classmethod(fit)
    sys.exit(train.main(args))
