"""Message -> verdict: label, calibrated scores for all four labels, reasons.

`MessageClassifier` owns the fitted featurizer and the linear model. Reasons
are named checks with a human detail (the habit of tg-spam's check results):
contact handles found, the text-flood shape, the model's probability, and the
strongest tokens behind a non-on_topic label.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression

from model.errors import InvalidMessageError
from model.features import MessageFeaturizer
from model.labels import LABELS
from model.normalize import Normalized, normalize

MAX_MESSAGE_CHARS = 10_000


@dataclass(frozen=True, slots=True)
class Reason:
    name: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "detail": self.detail}


@dataclass(slots=True)
class Verdict:
    label: str
    scores: dict[str, float]
    reasons: list[Reason] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"label": self.label, "scores": self.scores, "reasons": [r.as_dict() for r in self.reasons]}


def check_message(text) -> str:
    if not isinstance(text, str):
        raise InvalidMessageError(f"text must be a string, got {type(text).__name__}")
    if not text.strip():
        raise InvalidMessageError("text is empty or only whitespace")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidMessageError(f"text has {len(text)} characters; the limit is {MAX_MESSAGE_CHARS}")
    return text


class MessageClassifier:
    """Fitted featurizer + multinomial logistic regression over LABELS."""

    def __init__(self, featurizer: MessageFeaturizer, model: LogisticRegression, temperature: float = 1.0):
        self.featurizer = featurizer
        self.model = model
        self.temperature = temperature
        # columns of predict_proba in LABELS order, whatever order the model learned
        self._order = [list(model.classes_).index(label) for label in LABELS]

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], *, sample_weight=None, C: float = 4.0, seed: int = 0,
            featurizer: MessageFeaturizer | None = None, progress=None) -> "MessageClassifier":
        unknown = set(labels) - set(LABELS)
        if unknown:
            raise ValueError(f"unknown labels {sorted(unknown)}; expected {LABELS}")
        featurizer = featurizer or MessageFeaturizer()
        norms = [normalize(t) for t in (progress(texts, desc="normalise") if progress else texts)]
        featurizer.fit_normalized(norms)
        X = featurizer.transform_normalized(norms)
        model = LogisticRegression(C=C, max_iter=300, class_weight="balanced", random_state=seed)
        model.fit(X, np.asarray(labels), sample_weight=sample_weight)
        model.coef_ = model.coef_.astype(np.float32)  # halves the shipped file; scores move < 1e-6
        return cls(featurizer, model)

    # -- scoring ----------------------------------------------------------
    def _proba(self, X) -> np.ndarray:
        logits = X @ self.model.coef_.T + self.model.intercept_
        logits = np.asarray(logits, dtype=np.float64) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        return p[:, self._order]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self._proba(self.featurizer.transform(list(texts)))

    def classify(self, text: str, *, explain: bool = True) -> Verdict:
        return self.classify_batch([text], explain=explain)[0]

    def classify_batch(self, texts: Sequence[str], *, explain: bool = True) -> list[Verdict]:
        norms = [normalize(check_message(t)) for t in texts]
        return self.classify_normalized(norms, explain=explain)

    def classify_normalized(self, norms: Sequence[Normalized], *, explain: bool = True) -> list[Verdict]:
        if not norms:
            return []
        X = self.featurizer.transform_normalized(norms)
        P = self._proba(X)
        flood = self.featurizer.text_flood_flags(X) if explain else None
        verdicts = []
        for i, (norm, (label, scores)) in enumerate(zip(norms, self.labels_and_scores(P))):
            if explain:
                columns = X.indices[X.indptr[i] : X.indptr[i + 1]]
                reasons = self.reasons(norm, label, scores[label], columns, text_flood=bool(flood[i]))
            else:
                reasons = []
            verdicts.append(Verdict(label, scores, reasons))
        return verdicts

    @staticmethod
    def labels_and_scores(P: np.ndarray) -> list[tuple[str, dict[str, float]]]:
        """Per row of probabilities: the top label, and all four scores rounded to 4 places."""
        best = P.argmax(axis=1).tolist()
        return [(LABELS[b], dict(zip(LABELS, row))) for b, row in zip(best, P.round(4).tolist())]

    # -- explanation --------------------------------------------------------
    def reasons(self, norm: Normalized, label: str, p: float, columns: np.ndarray, text_flood: bool,
                top: int = 3) -> list[Reason]:
        """`text_flood`: the guide's text-only flood test, as read from the features (text_flood_flags)."""
        out = [Reason("contact_handle", f"{h.kind}: {h.text}") for h in norm.handles]
        if text_flood:
            out.append(Reason("text_flood", "repeated characters, phrases or emoji make up most of the message"))
        out.append(Reason("model", f"p({label})={p:.2f}"))
        if label != "on_topic":
            out.extend(Reason("evidence", tok) for tok in self.evidence(columns, label, top))
        return out

    def _pull(self, label: str) -> np.ndarray:
        """Per token: how much more it weighs for `label` than on average, times its idf (cached)."""
        cache = self.__dict__.setdefault("_pull_cache", {})
        if label not in cache:
            coef = self.model.coef_[:, : self.featurizer.n_tokens]
            row = coef[list(self.model.classes_).index(label)]
            cache[label] = ((row - coef.mean(axis=0)) * self.featurizer.idf_).astype(np.float32)
        return cache[label]

    def evidence(self, columns: np.ndarray, label: str, top: int = 3) -> list[str]:
        """Names of the token columns (of one message's row) that push hardest toward `label`."""
        cols = columns[columns < self.featurizer.n_tokens]
        if not len(cols):
            return []
        pull = self._pull(label)[cols]
        best = np.argsort(-pull)[:top]
        return [self.featurizer.column_name(int(cols[i])) for i in best if pull[i] > 0]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_pull_cache", None)  # derived at run time, not shipped
        return state
