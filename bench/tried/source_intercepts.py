"""Tried at s30: each training source gets a column of its own while fitting, none when scoring.

    python bench/tried/source_intercepts.py [--scale 1.0] train --out DIR [train.py options]

A source's label priors (Telegram's spam, SMS's ads, game trade chat's ads) are learnt today by whatever its rows
share: its style, its spaces and digits, its everyday words, which then push those labels in every group. Here each
row also carries a one-hot column for its source (times --scale) while the model is fitted, so a source's own lean
has a column to go to; the columns are dropped from the saved model, so scoring (and the model's format) is as
before, at the average source. Bench the saved folder with bench/bench_candidates.py as any model.

The same fit is now `MessageClassifier.fit(..., sources=...)`, which `train.py --commerce-kind source-neutral` runs
beside the model and keeps as one column (model/commerce_kind.py). This script is kept as the trial behind
bench/tried/source_intercepts.out: it alone prints each source's lean (the columns the shipped fit drops).
"""
from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import train
from qunguard.model import classifier


def source_of_texts() -> dict[str, str]:
    """Each training text's source (the real-chat hand labels too, for --with-real-chat)."""
    out: dict[str, str] = {}
    for path in (ROOT / "data" / "train.jsonl.gz", ROOT / "data" / "eval" / "realchat.jsonl.gz"):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                out.setdefault(row["text"], row["source"])
    return out


def fit_with_source_columns(scale: float):
    sources = source_of_texts()

    def fit(cls, texts, labels, *, sample_weight=None, C=4.0, seed=0, featurizer=None, progress=None, step=None):
        import scipy.sparse as sp
        from sklearn.linear_model import LogisticRegression

        from qunguard.model.features import MessageFeaturizer
        from qunguard.model.normalize import normalize

        featurizer = featurizer or MessageFeaturizer(ignore_ordinary_links=True)
        norms = [normalize(t) for t in texts]
        featurizer.fit_normalized(norms)
        X = featurizer.transform_normalized(norms)
        names = sorted({sources.get(t, "unknown") for t in texts})
        cols = np.array([names.index(sources.get(t, "unknown")) for t in texts])
        S = sp.csr_matrix((np.full(len(texts), scale), (np.arange(len(texts)), cols)), shape=(len(texts), len(names)))
        model = LogisticRegression(C=C, max_iter=300, class_weight="balanced", random_state=seed)
        model.fit(sp.hstack([X, S], format="csr"), np.asarray(labels), sample_weight=sample_weight)
        lean = {name: dict(zip(model.classes_, np.round(model.coef_[:, X.shape[1] + i] * scale, 2).tolist(), strict=True))
                for i, name in enumerate(names)}
        print("source columns (weight x scale, per label):", json.dumps(lean, ensure_ascii=False), flush=True)
        return cls(featurizer, model.coef_[:, : X.shape[1]].astype(np.float32), model.intercept_, list(model.classes_))

    return classmethod(fit)


def main(argv: list[str]) -> int:
    scale = 1.0
    if argv[:1] == ["--scale"]:
        scale, argv = float(argv[1]), argv[2:]
    if not argv or argv[0] != "train":
        print(__doc__, file=sys.stderr)
        return 2
    classifier.MessageClassifier.fit = fit_with_source_columns(scale)
    return train.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
