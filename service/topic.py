"""How close a message is to its group's stated topic.

A group's profile is the classifier's own token vector (words, character
n-grams, pinyin) of its topic description and keywords; a message's
topic score is the cosine between its token vector and the profile, in
[0, 1]. Groups without a description or keywords get no score (null).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from model.features import MessageFeaturizer
from model.normalize import normalize


class TopicProfile:
    def __init__(self, featurizer: MessageFeaturizer, description: str, keywords: list[str]) -> None:
        text = "\n".join([description, *keywords]).strip()
        self.empty = not text
        self.source = None  # the GroupSettings this profile was built from (engine checks identity)
        if not self.empty:
            row = featurizer.transform_normalized([normalize(text)])[:, : featurizer.n_tokens]
            self.vector = np.asarray(row.toarray()).ravel()

    def scores(self, X: sp.csr_matrix, n_tokens: int) -> list[float | None]:
        if self.empty:
            return [None] * X.shape[0]
        sims = X[:, :n_tokens] @ self.vector  # token block rows are unit length already
        return [round(float(min(max(s, 0.0), 1.0)), 4) for s in np.asarray(sims).ravel()]
