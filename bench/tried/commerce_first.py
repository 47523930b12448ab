"""Tried at s30: decide commerce first, then which kind.

    python bench/tried/commerce_first.py MODEL_DIR MARGIN ...

Where the model's label is on_topic but p(spam) + p(advertising) exceeds p(on_topic) by more than MARGIN, the
larger of spam and advertising takes on_topic's place (their probabilities swap), so a message the model finds
more likely commerce than chat, without either kind leading, is flagged. The figures are bench_candidates.py's,
for MODEL_DIR as it is and for each margin.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import bench_candidates

from qunguard.model import artifact
from qunguard.model.labels import LABELS

SPAM, ADS, CHAT = LABELS.index("spam"), LABELS.index("advertising"), LABELS.index("on_topic")


class CommerceFirst(bench_candidates.FromProba):
    def __init__(self, base, margin: float) -> None:
        self.base, self.margin = base, margin

    def predict_proba(self, texts) -> np.ndarray:
        p = self.base.predict_proba(texts).copy()
        flip = (p.argmax(axis=1) == CHAT) & (p[:, SPAM] + p[:, ADS] > p[:, CHAT] + self.margin)
        kind = np.where(p[:, SPAM] >= p[:, ADS], SPAM, ADS)
        for i in np.flatnonzero(flip):
            p[i, kind[i]], p[i, CHAT] = p[i, CHAT], p[i, kind[i]]
        return p


def main(argv: list[str]) -> int:
    base_dir, margins = Path(argv[0]), [float(m) for m in argv[1:]]
    base, meta = artifact.load(base_dir)
    rules = [(f"commerce-first:{m}", CommerceFirst(base, m), {**meta, "model_version": f"commerce-first:{m}"}) for m in margins]
    return bench_candidates.compare([(str(base_dir), base, meta), *rules])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
