"""Tried at s23: two changes to how the model is fitted, each an evaluation model trained as train.py trains it.

    python bench/tried/train_weighting.py min-sources 2 --out /tmp/m/ms2     # then bench_heldout / bench_probes --model
    python bench/tried/train_weighting.py equal-classes 0 --out /tmp/m/eq
    python bench/tried/train_weighting.py equal-classes 1 --out /tmp/m/eq2

- min-sources N: a token column counts only if training rows of N or more sources hold it (the others are
  zeroed before the fit): a word only one corpus uses is that corpus's habit, not a label's cue.
- equal-classes: scikit-learn's class_weight="balanced" counts rows, not the source-balanced sample weights,
  so after train.py's --balance-sources the classes weigh 6.5k (chat), 16.2k (advertising), 21.0k (spam) and
  28.2k (flooding) in all. Here each class's sample weights are scaled to an equal total instead (0: the total
  of the sample weights; 1: the total the balanced weights gave, so the regularisation weighs the same).

Every other argument goes to train.py. docs/experiments.md (s23) has the figures.
"""
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import train
from qunguard.data.label_checks import read_jsonl
from qunguard.model import classifier
from qunguard.model.features import MessageFeaturizer
from qunguard.model.normalize import normalize


def source_of_texts() -> dict[str, str]:
    """text -> a source holding it (train.py passes texts, not rows, to the fit)."""
    out: dict[str, str] = {}
    for path in (ROOT / "data" / "train.jsonl.gz", ROOT / "data" / "eval" / "realchat.jsonl.gz"):
        for row in read_jsonl(path):
            out.setdefault(row["text"], row["source"])
    return out


def fit_with(variant: str, value: int):
    sources = source_of_texts() if variant == "min-sources" else {}

    def fit(cls, texts, labels, *, sample_weight=None, C=4.0, seed=0, featurizer=None, progress=None, step=None):
        import scipy.sparse as sp
        from sklearn.linear_model import LogisticRegression

        featurizer = featurizer or MessageFeaturizer(ignore_ordinary_links=True)
        norms = [normalize(t) for t in texts]
        featurizer.fit_normalized(norms)
        X = featurizer.transform_normalized(norms)
        y = np.asarray(labels)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float).copy()
        class_weight = "balanced"
        if variant == "min-sources":
            X = X.tocsc()
            src = np.array([sources.get(t, "?") for t in texts])
            n_sources = sum((X[np.flatnonzero(src == s)].getnnz(axis=0) > 0).astype(np.int64) for s in np.unique(src))
            keep = n_sources >= value
            keep[featurizer.n_tokens:] = True  # the shape columns always
            print(f"min_sources {value}: {keep[:featurizer.n_tokens].sum()} of {featurizer.n_tokens} token columns kept")
            X = (X @ sp.diags(keep.astype(np.float32))).tocsr()
        else:
            classes = np.unique(y)
            counts = {c: int((y == c).sum()) for c in classes}
            total = (sum(len(y) / (len(classes) * counts[c]) * w[y == c].sum() for c in classes) if value
                     else w.sum())
            for c in classes:
                w[y == c] *= total / (len(classes) * w[y == c].sum())
            class_weight = None
            print("class totals:", {str(c): round(float(w[y == c].sum())) for c in classes})
        model = LogisticRegression(C=C, max_iter=300, class_weight=class_weight, random_state=seed)
        model.fit(X, y, sample_weight=w)
        return cls(featurizer, model.coef_.astype(np.float32), model.intercept_, list(model.classes_))

    return classmethod(fit)


if __name__ == "__main__":
    variant, value = sys.argv[1], int(sys.argv[2])
    if variant not in ("min-sources", "equal-classes"):
        raise SystemExit(__doc__)
    classifier.MessageClassifier.fit = fit_with(variant, value)
    sys.exit(train.main(sys.argv[3:]))
