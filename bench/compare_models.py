"""How far apart two trained model folders are: the same vocabulary? how much do the weights differ?

    python bench/compare_models.py DIR_A DIR_B        # e.g. model/shipped against a retrain of its recipe

Two runs of train.py on one machine give the same file; on another machine, or with the rows in another order
(bench/tried/solver_tolerance.py), the solver stops elsewhere. Prints whether the vocabularies (and so the
columns) match, then the largest, 99th-percentile and mean absolute difference of the coefficients and of the
intercepts (model format 2, model.npz).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    args = ap.parse_args(argv)
    a, b = (np.load(d / "model.npz", allow_pickle=False) for d in (args.a, args.b))
    weights = ("coef", "intercept")
    others = sorted(set(a.files) - set(weights))
    same = sorted(a.files) == sorted(b.files) and all(np.array_equal(a[k], b[k]) for k in others)
    print(f"vocabulary and the other arrays ({len(others)}): {'the same' if same else 'DIFFERENT'}")
    if not same or a["coef"].shape != b["coef"].shape:
        return 1
    for k in weights:
        d = np.abs(a[k].astype(np.float64) - b[k].astype(np.float64))
        print(f"{k}: identical" if not d.any() else
              f"{k}: max {d.max():.4f}, p99 {np.quantile(d, 0.99):.5f}, mean {d.mean():.6f} ({d.size:,} values)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
