"""Tried at s25: how far the solver's stopping point moves a model, an evaluation model trained as train.py trains it.

    python bench/tried/solver_tolerance.py 1e-4 /tmp/conv/a4 permute   # train.py's tolerance, rows in another order
    python bench/tried/solver_tolerance.py 1e-6 /tmp/conv/a6            # a tighter tolerance
    python bench/tried/solver_tolerance.py 1e-6 /tmp/conv/a6p permute
    python bench/bench_heldout.py --model /tmp/conv/a4                  # and the others; bench_probes.py --model too

train.py fits scikit-learn's LogisticRegression (lbfgs) with its default tolerance, 1e-4, which stops it at
about 210 iterations here. The same rows in another order change only the arithmetic, not the optimum, so how
much the model moves then says how much a new machine's arithmetic may move it. Prints the solver's iterations
and fit time; the first argument is the tolerance, the second the output folder, `permute` reorders the rows
(a fixed permutation) before the fit. docs/experiments.md ("The same command on another machine", s25) has the outcome.
"""
import sys
import time
from pathlib import Path

import numpy as np
import sklearn.linear_model as lm

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TOL = float(sys.argv[1])
PERMUTE = len(sys.argv) > 3 and sys.argv[3] == "permute"


class ToleranceLR(lm.LogisticRegression):
    def __init__(self, **kw):
        kw["max_iter"], kw["tol"] = 3000, TOL
        super().__init__(**kw)

    def fit(self, X, y, sample_weight=None):
        t = time.time()
        if PERMUTE:
            p = np.random.RandomState(0).permutation(X.shape[0])
            X, y, sample_weight = X[p], y[p], sample_weight[p]
        out = super().fit(X, y, sample_weight=sample_weight)
        print(f"iterations {self.n_iter_[0]}, fit {time.time() - t:.1f} s", file=sys.stderr)
        return out


lm.LogisticRegression = ToleranceLR  # classifier.fit imports it from here when it runs
import train

sys.exit(train.main(["--commerce-kind", "model", "--out", sys.argv[2], "--version", f"tol-{TOL:g}{'-permuted' if PERMUTE else ''}"]))
