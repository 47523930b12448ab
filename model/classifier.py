"""Message -> verdict: label, calibrated scores for all four labels, reasons.

`MessageClassifier` owns the fitted featurizer and the linear model. Reasons
are named checks with a human detail (the habit of tg-spam's check results):
contact handles found, the text-flood shape, the model's probability, and the
strongest tokens behind a non-on_topic label.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np
from sklearn.linear_model import LogisticRegression

from model.errors import InvalidMessageError
from model.features import MessageFeaturizer
from model.labels import LABELS
from model.normalize import Normalized, normalize

MAX_MESSAGE_CHARS = 10_000


class Reason(NamedTuple):
    """A named check and its detail; a tuple, because a batch builds several per message."""

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
        labeled = self.labels_and_scores(self._proba(X))
        if not explain:
            return [Verdict(label, scores) for label, scores in labeled]
        flood = self.featurizer.text_flood_flags(X).tolist()
        flagged = [i for i, (label, _) in enumerate(labeled) if label != "on_topic"]
        evidence = dict(zip(flagged, self.evidence_rows(X, flagged, [labeled[i][0] for i in flagged])))
        return [Verdict(label, scores, self.reasons(norm, label, scores[label], evidence.get(i, []), flood[i]))
                for i, (norm, (label, scores)) in enumerate(zip(norms, labeled))]

    @staticmethod
    def labels_and_scores(P: np.ndarray) -> list[tuple[str, dict[str, float]]]:
        """Per row of probabilities: the top label, and all four scores rounded to 4 places."""
        best = P.argmax(axis=1).tolist()
        return [(LABELS[b], dict(zip(LABELS, row))) for b, row in zip(best, P.round(4).tolist())]

    # -- explanation --------------------------------------------------------
    @staticmethod
    def reasons(norm: Normalized, label: str, p: float, evidence: Sequence[str], text_flood: bool) -> list[Reason]:
        """Contact handles, then model_reasons(). `evidence` comes from evidence_rows()."""
        return MessageClassifier.handle_reasons(norm) + MessageClassifier.model_reasons(label, p, evidence, text_flood)

    @staticmethod
    def handle_reasons(norm: Normalized) -> list[Reason]:
        return [Reason("contact_handle", f"{h.kind}: {h.text}") for h in norm.handles]

    @staticmethod
    def model_reasons(label: str, p: float, evidence: Sequence[str], text_flood: bool) -> list[Reason]:
        """`text_flood`: the guide's text-only flood test, as read from the features (text_flood_flags)."""
        out = [Reason("text_flood", "repeated characters, phrases or emoji make up most of the message")] if text_flood else []
        out.append(Reason("model", f"p({label})={p:.2f}"))
        if label != "on_topic":
            out.extend(Reason("evidence", tok) for tok in evidence)
        return out

    @cached_property
    def _pull_table(self) -> np.ndarray:
        """(label in LABELS order, token column): how much more a token weighs for that label than
        on average, times its idf. Derived once per loaded model (prepare()), not shipped."""
        coef = self.model.coef_[:, : self.featurizer.n_tokens]
        return ((coef - coef.mean(axis=0)) * self.featurizer.idf_)[self._order].astype(np.float32)

    def prepare(self) -> None:
        """Build every table derived from the fitted model now, so no request pays for it."""
        self.featurizer.prepare()
        self._pull_table  # noqa: B018 - computed and cached

    def evidence_rows(self, X, rows: Sequence[int], labels: Sequence[str], top: int = 3) -> list[list[str]]:
        """For each given row of X: names of its token columns that push hardest toward its label.

        One pass of numpy for the whole batch: the rows' entries are gathered, each scored by
        its label's pull, the positive ones sorted by (row, -pull) and the first `top` kept."""
        if not len(rows):
            return []
        rows = np.asarray(rows, dtype=np.int64)
        starts, ends = X.indptr[rows], X.indptr[rows + 1]
        lens = ends - starts
        owner = np.repeat(np.arange(len(rows)), lens)
        # position of each gathered entry in X.indices: its row's start plus its rank in the row
        pos = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens) + np.repeat(starts, lens)
        cols = X.indices[pos].astype(np.int64)
        keep = cols < self.featurizer.n_tokens
        owner, cols = owner[keep], cols[keep]
        label_ids = np.array([LABELS.index(lab) for lab in labels], dtype=np.int64)
        pull = self._pull_table[label_ids[owner], cols].astype(np.float64)
        positive = pull > 0
        owner, cols, pull = owner[positive], cols[positive], pull[positive]
        if not len(owner):
            return [[] for _ in range(len(rows))]
        # one float key sorts by row, then by pull descending (np.lexsort on the two keys is far slower)
        span = float(pull.max()) + 1.0
        order = np.argsort(owner * span + (span - pull), kind="stable")
        owner, cols = owner[order], cols[order]
        rank = np.arange(len(owner)) - np.searchsorted(owner, owner)
        # a few spare candidates: tokens that always co-occur (a character and the word it
        # forms) weigh the same, and one name is shown once
        best = rank < 2 * top
        out: list[list[str]] = [[] for _ in range(len(rows))]
        name = self.featurizer.column_name
        for r, c in zip(owner[best].tolist(), cols[best].tolist()):
            names = out[r]
            if len(names) < top and (tok := name(c)) not in names:
                names.append(tok)
        return out

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_pull_table", None)  # derived at run time, not shipped
        return state
