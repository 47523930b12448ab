"""Tried at s29: within each source, advertising and spam weigh the same, so a source's style says nothing of which.

    python bench/tried/commerce_balance.py MAX_UP [--keep-totals | --up-only] --out DIR [train.py options]   # then bench/bench_candidates.py

Output of the s29 trial: bench/tried/commerce_balance.out (LOSO: bench/tried/loso_commerce_balance.json). The plain
form is train.py's `--balance-commerce MAX_UP` (off by default), which gives the same model to the bit; this script
adds the two variants below, with train.py's own option left off.

After train.py's source balancing (hand labels weighing 3), Telegram's spam weighs 1,968 against its ads' 813 and the
harm benchmark's 2,059 against 582 (this script's printout, seed 13), while the SMS sources and the game trade chat lean the other way: the way a source writes is
evidence of spam or of advertising, and group-chat commerce reads as spam (docs/experiments.md, ads read as spam). Here, for each
source holding both labels, the two cells are scaled to the mean of their totals, no cell by more than MAX_UP (a
small cell is not copied into a big one), as train.balance_commerce() does. It prints each cell's total weight
before the change and its scale. With --keep-totals each label's weights are then scaled back to the label's
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
from qunguard.model.dataset import Example

_fit = classifier.MessageClassifier.fit.__func__


def balanced(texts, labels, weights: np.ndarray, max_up: float, keep_totals: bool, up_only: bool = False) -> np.ndarray:
    """train.balance_commerce() on the fit's rows (their sources found by text), then either variant; prints each
    commerce cell's total before and its scale."""
    sources = source_of_texts()
    rows = [Example(t, y, sources.get(t, "?")) for t, y in zip(texts, labels, strict=True)]
    out = train.balance_commerce(rows, weights, max_up)
    if up_only:  # the smaller cell is raised (scale > 1), the bigger keeps its weight
        out = np.maximum(out, weights)
    if keep_totals:
        y = np.asarray(labels)
        for label in ("advertising", "spam"):
            out[y == label] *= weights[y == label].sum() / out[y == label].sum()
    total: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for ex, before, after in zip(rows, weights, out, strict=True):
        if ex.label in ("advertising", "spam"):
            total[ex.source, ex.label][0] += before
            total[ex.source, ex.label][1] += after
    for (s, y), (before, after) in sorted(total.items()):
        if (s, "advertising") in total and (s, "spam") in total:
            print(f"  {s} {y}: {before:.0f} x {after / before:.2f}")
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
