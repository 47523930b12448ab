"""Tried at s30: one model says whether a message is commerce, another which kind.

    python bench/tried/commerce_split.py BASE_DIR SPLIT_DIR [--json OUT]

BASE_DIR (the evaluation model as trained) gives p(on_topic) and p(flooding) and the share of commerce,
p(spam) + p(advertising); SPLIT_DIR (trained with `train.py --balance-commerce 3`, where each source's ads and
spam weigh the same) only divides that share between spam and advertising, by its own ratio. s29 found the balance
moves ads read as spam to advertising but lets more commerce through as chat; this keeps the first half only.
Both models' guide rules apply (each scores through its own score()). The figures are bench_candidates.py's, for
BASE_DIR, SPLIT_DIR, the combination, and the kind column: the same division as one shipped model would hold it
(SPLIT_DIR's spam-minus-advertising logit before any rule, except where a spam or advertising rule fired on BASE_DIR).
Also used at s30 with a source-intercept model as SPLIT_DIR (bench/tried/source_intercepts.py).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import bench_candidates

from qunguard.model import artifact
from qunguard.model.classifier import MessageClassifier
from qunguard.model.commerce_kind import KindColumn
from qunguard.model.labels import LABELS

SPAM, ADS = LABELS.index("spam"), LABELS.index("advertising")


class CommerceSplit(bench_candidates.FromProba):
    """p(commerce) from `base`, its spam/advertising division from `split`."""

    def __init__(self, base, split) -> None:
        self.base, self.split = base, split

    def predict_proba(self, texts) -> np.ndarray:
        p = self.base.predict_proba(texts).copy()
        q = self.split.predict_proba(texts)
        commerce = p[:, SPAM] + p[:, ADS]
        spam_share = q[:, SPAM] / np.maximum(q[:, SPAM] + q[:, ADS], 1e-12)
        p[:, SPAM], p[:, ADS] = commerce * spam_share, commerce * (1 - spam_share)
        return p


def with_kind_column(base, split):
    """`base` with `split`'s division of commerce as one shipped model holds it (model/commerce_kind.py, the same
    arithmetic as `train.py --commerce-kind`): its spam-minus-advertising logit before any rule, except where a
    spam or advertising rule fired on `base`."""
    kind = KindColumn.from_model(split.coef, split.intercept, split.classes, split.temperature)
    return MessageClassifier(base.featurizer, base.coef, base.intercept, base.classes, base.temperature, kind)


def main(argv: list[str]) -> int:
    base_dir, split_dir = Path(argv[0]), Path(argv[1])
    (base, meta), (split, split_meta) = artifact.load(base_dir), artifact.load(split_dir)
    name = f"split:{base_dir.name}+{split_dir.name}"
    column = f"kind-column:{base_dir.name}+{split_dir.name}"
    return bench_candidates.compare([(str(base_dir), base, meta), (str(split_dir), split, split_meta),
                                     (name, CommerceSplit(base, split), {**meta, "model_version": name}),
                                     (column, with_kind_column(base, split), {**meta, "model_version": column})],
                                    Path(argv[3]) if argv[2:3] == ["--json"] else None)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
