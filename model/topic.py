"""A text's token vector, to tell how close scored messages are to it (a group's stated topic).

The vector is the classifier's own token block of the text (words, character
n-grams, pinyin, tf-idf weighted, unit length); a message's similarity is the
cosine between its token block and the vector. MessageClassifier.topic_vector
builds one.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qunguard.model.classifier import Scores


class TopicVector:
    def __init__(self, cols: np.ndarray, weights: np.ndarray) -> None:
        order = np.argsort(cols, kind="stable")
        self.cols = np.asarray(cols, dtype=np.int64)[order]  # sorted: looked up by binary search
        self.weights = np.asarray(weights, dtype=np.float64)[order]

    def similarity(self, scores: Scores, rows: Sequence[int]) -> np.ndarray:
        """Cosine between each given row of a scored batch and this vector (both have unit length,
        so a dot product), summed in column order as a sparse matrix product would."""
        owner, pos = scores.tokens.entries_of(rows)
        if not len(self.cols):
            return np.zeros(len(rows))
        cols = scores.tokens.cols[pos]
        at = np.minimum(np.searchsorted(self.cols, cols), len(self.cols) - 1)
        hit = self.cols[at] == cols
        products = scores.tokens.weights[pos[hit]].astype(np.float64) * self.weights[at[hit]]
        return np.bincount(owner[hit], weights=products, minlength=len(rows))
