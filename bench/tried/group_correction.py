"""s34, not shipped: a per-group correction fitted on the group's decided items (docs/experiments.md, s34).

    python train.py --leave-out SOURCE --out DIR
    python bench/tried/group_correction.py DIR SOURCE N_REPORTS      # output: group_correction.out

The group's decided items come from bench_retrain_reports' stream (500 decisions on flagged items of the first
10,000 messages, and up to N_REPORTS reported misses). On the model's token columns, a sparse weight per label is
fitted with the model's calibrated log-probabilities as a fixed offset, L2 toward zero, its strength chosen by 5-fold
cross-validation on the decided items; the model alone and the corrected model are then scored on SOURCE's
hand-labelled rows, which the stream never holds.
"""
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_campaign_memory import RAW, load_stream
from bench_retrain_reports import decided_export

from qunguard.data.hand_labels import source_rows
from qunguard.model import artifact
from qunguard.model.evaluate import evaluate
from qunguard.model.labels import LABELS
from qunguard.model.normalize import normalize
from qunguard.service.engine import LoadedModel

STRENGTHS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


def features(clf, texts):
    """The model's probabilities and its token block as a CSR matrix."""
    s = clf.score([normalize(t) for t in texts])
    t = s.tokens
    X = sp.csr_matrix((t.weights.astype(np.float64), (t.rows, t.cols)), shape=(t.n_rows, clf.featurizer.n_tokens))
    return s.proba, X


def fit(X, logp, y, lam):
    d, k = X.shape[1], logp.shape[1]
    Y = np.eye(k)[y]

    def loss_and_grad(w):
        W = w.reshape(d, k)
        Z = logp + X @ W
        Z = Z - Z.max(1, keepdims=True)
        lse = np.log(np.exp(Z).sum(1, keepdims=True))
        loss = -(Y * (Z - lse)).sum() + 0.5 * lam * (w @ w)
        grad = X.T @ (np.exp(Z - lse) - Y) + lam * W
        return loss, np.asarray(grad).ravel()

    return minimize(loss_and_grad, np.zeros(d * k), jac=True, method="L-BFGS-B", options={"maxiter": 200}).x.reshape(d, k)


def corrected(X, logp, W):
    Z = logp + X @ W
    Z -= Z.max(1, keepdims=True)
    P = np.exp(Z)
    return P / P.sum(1, keepdims=True)


def cross_validated(X, logp, y, lam, folds=5, seed=0):
    idx = np.random.default_rng(seed).permutation(len(y))
    loss, right = 0.0, 0
    for held in np.array_split(idx, folds):
        kept = np.setdiff1d(idx, held)
        P = corrected(X[held], logp[held], fit(X[kept], logp[kept], y[kept], lam))
        loss -= np.log(P[np.arange(len(held)), y[held]] + 1e-12).sum()
        right += int((P.argmax(1) == y[held]).sum())
    return loss / len(y), right / len(y)


def main(model_dir: Path, source: str, reports: int) -> None:
    model = LoadedModel(*artifact.load(model_dir))
    clf = model.classifier
    test = source_rows(source)
    kept_out = {t for t, _ in test}
    stream = [(t, lab) for t, lab in load_stream(RAW, source) if t not in kept_out]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.jsonl"
        decided_export(model, stream, 500, reports, 10_000, 50, path)
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    y = np.array([LABELS.index(r["label"]) for r in records])
    P0, X = features(clf, [r["text"] for r in records])
    logp = np.log(np.clip(P0, 1e-9, 1))
    cols = np.unique(X.indices)  # only the columns the decided items hold can move
    X = X[:, cols]
    print(f"{source} reports={reports}: {len(y)} decided {np.bincount(y, minlength=4)}; "
          f"model log-loss {-np.log(P0[np.arange(len(y)), y] + 1e-12).mean():.3f} accuracy {(P0.argmax(1) == y).mean():.3f}")
    best = None
    for lam in STRENGTHS:
        loss, acc = cross_validated(X, logp, y, lam)
        print(f"  lam {lam}: cv log-loss {loss:.3f} accuracy {acc:.3f}")
        if best is None or loss < best[0]:
            best = (loss, lam)
    W = fit(X, logp, y, best[1])
    Pe, Xe = features(clf, [t for t, _ in test])
    truth = [lab for _, lab in test]
    for name, P in (("before", Pe), (f"corrected, lam {best[1]}", corrected(Xe[:, cols], np.log(np.clip(Pe, 1e-9, 1)), W))):
        m = evaluate(P, truth)
        print(f"  {name}: macro-F1 {m['macro_f1']:.3f} "
              + " ".join(f"{k} {c['recall']:.3f}" for k, c in m["per_class"].items() if c["support"]))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
