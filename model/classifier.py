"""Message -> verdict: label, calibrated scores for all four labels, reasons.

`MessageClassifier` owns the fitted featurizer and the linear model (multinomial
logistic regression, temperature-calibrated), both as plain numpy arrays: scoring
needs numpy alone, and scikit-learn is imported only inside fit(). The scoring API,
used by the verdicts here and by the service's engine:

    scores = clf.score(norms)            # Scores: probabilities, labels, rounded scores, text-flood flags
    clf.explain_text(scores, rows, texts, labels)  # per row: spans of its text behind its label
    clf.explain(scores, rows, labels)    # the same tokens by machine name (`^出`, `pinyin yao de`): debugging

Reasons are named checks with a human detail (the habit of tg-spam's check results):
contact handles found, the text-flood shape, the model's probability, and the
spans of the message behind a non-on_topic label (its strongest tokens, found in the text).
"""
from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np

from qunguard.model.commerce_kind import KindColumn
from qunguard.model.errors import InvalidMessageError
from qunguard.model.evidence import evidence_spans
from qunguard.model.features import Features, MessageFeaturizer, TokenEntries
from qunguard.model.guide_rules import find_rules, lift, rule_label
from qunguard.model.labels import LABELS
from qunguard.model.links import ordinary
from qunguard.model.normalize import Normalized, normalize

MAX_MESSAGE_CHARS = 10_000
_COMMERCE = {"spam": "advertising", "advertising": "spam"}  # each commerce label and the other


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


@dataclass(frozen=True, slots=True)
class Scores:
    """A scored batch, row by row: what a verdict, its reasons and a topic score need."""

    proba: np.ndarray  # (n, len(LABELS)) calibrated probabilities, in LABELS order
    labels: list[str]  # each row's most probable label
    scores: list[dict[str, float]]  # each row's probability of every label, rounded to 4 places
    text_flood: list[bool]  # each row: did the guide's text-flood shape test fire
    tokens: TokenEntries  # each row's in-vocabulary tokens, for explain() and topic similarity
    words: list[list[str]]  # each row's masked text segmented (MessageFeaturizer.cut_words), for the topic score
    rules: list[tuple[str, str] | None]  # each row's guide rule (name, span) that fired (model/guide_rules.py)
    kind_turned: list[bool]  # each row: did the model's kind of commerce turn it between spam and advertising

    def __len__(self) -> int:
        return len(self.labels)


def check_type_and_length(text) -> str:
    """A str within MAX_MESSAGE_CHARS, or InvalidMessageError saying what is wrong."""
    if not isinstance(text, str):
        raise InvalidMessageError(f"text must be a string, got {type(text).__name__}")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidMessageError(f"text has {len(text)} characters; the limit is {MAX_MESSAGE_CHARS}")
    return text


def check_message(text) -> str:
    """check_type_and_length, and not blank: what a line of input or a request must be."""
    if not check_type_and_length(text).strip():
        raise InvalidMessageError("text is empty or only whitespace")
    return text


def empty_verdict() -> Verdict:
    """A blank message says nothing: chat, and the reason says why no model ran."""
    return Verdict("on_topic", {label: float(label == "on_topic") for label in LABELS},
                   [Reason("empty", "no text to judge")])


def _labels_and_scores(P: np.ndarray) -> tuple[list[str], list[dict[str, float]]]:
    """Per row of probabilities: the top label, and all four scores rounded to 4 places."""
    labels = [LABELS[b] for b in P.argmax(axis=1).tolist()]
    return labels, [dict(zip(LABELS, row, strict=True)) for row in P.round(4).tolist()]


class MessageClassifier:
    """Fitted featurizer + multinomial logistic regression over LABELS."""

    def __init__(self, featurizer: MessageFeaturizer, coef: np.ndarray, intercept: np.ndarray, classes: Sequence[str],
                 temperature: float = 1.0, kind: KindColumn | None = None):
        """`coef` (n_classes, n_features) and `intercept` (n_classes,) list the classes in the order of
        `classes`, as scikit-learn's LogisticRegression holds them. `kind`: a source-neutral division of
        commerce into spam and advertising (model/commerce_kind.py), or None: the model's own."""
        classes = tuple(str(c) for c in classes)
        if sorted(classes) != sorted(LABELS):
            raise ValueError(f"classes {list(classes)} are not the labels {list(LABELS)}")
        coef = np.asarray(coef)
        if coef.shape != (len(classes), featurizer.n_features_out_) or np.shape(intercept) != (len(classes),):
            raise ValueError(f"coef {coef.shape} and intercept {np.shape(intercept)} do not fit {len(classes)} classes "
                             f"and {featurizer.n_features_out_} features")
        self.featurizer = featurizer
        self.classes = classes
        # one row per feature: scoring gathers the rows of the columns a batch uses
        self.weights = np.ascontiguousarray(coef.T)
        self.intercept = np.asarray(intercept)
        self.temperature = float(temperature)
        if kind is not None and kind.weights.shape != (featurizer.n_features_out_,):
            raise ValueError(f"kind weights {kind.weights.shape} do not fit {featurizer.n_features_out_} features")
        self.kind = kind
        # columns of the probabilities in LABELS order, whatever order the model learned
        self._order = [classes.index(label) for label in LABELS]

    @property
    def coef(self) -> np.ndarray:
        """(n_classes, n_features), classes in `classes` order: the fitted coefficients."""
        return self.weights.T

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], *, sample_weight=None, C: float = 4.0, seed: int = 0,
            featurizer: MessageFeaturizer | None = None, progress=None, step=None,
            sources: Sequence[str] | None = None) -> MessageClassifier:
        """`progress(iterable, desc)` wraps a loop over the messages, `step(desc)` is a context
        around a step with no loop to count (features, the solver): both for a progress display.
        `sources`: each row's source, for the source-neutral model of model/commerce_kind.py: a column per
        source is fitted beside the features, so each source's own lean goes there, and dropped from the result."""
        # training only: scoring never imports scikit-learn
        from sklearn.linear_model import LogisticRegression

        unknown = set(labels) - set(LABELS)
        if unknown:
            raise ValueError(f"unknown labels {sorted(unknown)}; expected {LABELS}")
        step = step or (lambda desc: contextlib.nullcontext())
        # a new model leaves ordinary links out (features.without_ordinary_links); a saved one keeps its own setting
        featurizer = featurizer or MessageFeaturizer(ignore_ordinary_links=True)
        norms = [normalize(t) for t in (progress(texts, desc="normalise") if progress else texts)]
        with step("features"):
            featurizer.fit_normalized(norms)
            X = featurizer.transform_normalized(norms)
        if sources is not None:
            import scipy.sparse as sp

            column = {name: i for i, name in enumerate(sorted(set(sources)))}
            cols = [column[src] for src in sources]
            by_source = sp.csr_matrix((np.ones(len(cols)), (np.arange(len(cols)), cols)), shape=(len(cols), len(column)))
            X = sp.hstack([X, by_source], format="csr")
        model = LogisticRegression(C=C, max_iter=300, class_weight="balanced", random_state=seed)
        with step("fit"):
            model.fit(X, np.asarray(labels), sample_weight=sample_weight)
        # float32 coefficients halve the shipped file; scores move < 1e-6. Source columns, if any, are dropped.
        coef = model.coef_[:, : featurizer.n_features_out_]
        return cls(featurizer, coef.astype(np.float32), model.intercept_, list(model.classes_))

    # -- scoring ----------------------------------------------------------
    def score(self, norms: Sequence[Normalized]) -> Scores:
        """Score a batch of normalised messages: the one scoring path of verdicts and the service."""
        feats = self.featurizer.featurize(norms)
        logits = self._logits(feats)
        rules = find_rules(norms, logits, self.classes)  # forms the guide names and the corpora lack
        lift(logits, rules, self.classes)
        proba = self._calibrated(logits)
        turned = self.kind.divide(proba, feats, rules, norms).tolist() if self.kind is not None else [False] * len(norms)
        labels, scores = _labels_and_scores(proba)
        return Scores(proba, labels, scores, feats.text_flood.tolist(), feats.tokens, feats.words, rules, turned)

    def _logits(self, feats: Features) -> np.ndarray:
        """Features times weights, plus intercept, summed in each row's column order (its tokens,
        then its shape columns) in the weights' precision: to the bit what scipy's CSR product
        X @ coef.T gives, since scipy too adds a row's entries one by one."""
        t = feats.tokens
        terms = self.weights[t.cols] * t.weights[:, None]  # (entries, classes)
        sums = np.zeros((len(self.classes), t.n_rows), dtype=terms.dtype)
        for k in range(len(self.classes)):
            np.add.at(sums[k], t.rows, terms[:, k])  # unbuffered: a row's entries are added in order
        sums = np.ascontiguousarray(sums.T)
        shape_weights = self.weights[self.featurizer.n_tokens :]
        for j in range(feats.shapes.shape[1]):
            sums += feats.shapes[:, j : j + 1] * shape_weights[j]
        return sums + self.intercept

    def _calibrated(self, logits: np.ndarray) -> np.ndarray:
        """Temperature-scaled softmax, columns in LABELS order."""
        logits = np.asarray(logits, dtype=np.float64) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        return p[:, self._order]

    def _proba(self, X) -> np.ndarray:
        """Probabilities of the rows of a transform() matrix (training's calibration in train.py)."""
        return self._calibrated(X @ self.weights + self.intercept)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, (str, bytes)):
            raise ValueError("expected a sequence of messages, got a single string; wrap it in a list")  # noqa: TRY004 - ValueError, as scikit-learn raises for a string
        return self.score([normalize(t) for t in texts]).proba

    def classify(self, text: str, *, explain: bool = True) -> Verdict:
        return self.classify_batch([text], explain=explain)[0]

    def classify_batch(self, texts: Sequence[str], *, explain: bool = True) -> list[Verdict]:
        """A verdict for every text; a blank one gets empty_verdict(), a non-str or an over-long
        one an InvalidMessageError."""
        texts = [check_type_and_length(t) for t in texts]
        blank = [not t.strip() for t in texts]
        said = [t for t, b in zip(texts, blank, strict=True) if not b]
        verdicts = iter(self.classify_normalized([normalize(t) for t in said], explain=explain, texts=said))
        return [empty_verdict() if b else next(verdicts) for b in blank]  # an empty verdict only where one is due

    def classify_normalized(self, norms: Sequence[Normalized], *, explain: bool = True,
                            texts: Sequence[str] | None = None) -> list[Verdict]:
        """`texts`: the messages as written, where the evidence spans are taken from
        (default: the normalised texts, which read less like what the member wrote)."""
        if not norms:
            return []
        s = self.score(norms)
        if not explain:
            return [Verdict(label, scores) for label, scores in zip(s.labels, s.scores, strict=True)]
        if texts is None:
            texts = [norm.text for norm in norms]
        flagged = [i for i, label in enumerate(s.labels) if label != "on_topic"]
        evidence = dict(zip(flagged, self.explain_text(s, flagged, [texts[i] for i in flagged]), strict=True))
        return [Verdict(label, scores, self.reasons(norm, label, scores[label], evidence.get(i, []), flood, rule, turned))
                for i, (norm, label, scores, flood, rule, turned)
                in enumerate(zip(norms, s.labels, s.scores, s.text_flood, s.rules, s.kind_turned, strict=True))]

    # -- explanation --------------------------------------------------------
    @staticmethod
    def reasons(norm: Normalized, label: str, p: float, evidence: Sequence[str], text_flood: bool,
                rule: tuple[str, str] | None = None, kind_turned: bool = False) -> list[Reason]:
        """Contact handles, then model_reasons(). `evidence` comes from explain_text()."""
        return MessageClassifier.handle_reasons(norm) + MessageClassifier.model_reasons(label, p, evidence, text_flood,
                                                                                         rule, kind_turned)

    @staticmethod
    def handle_reasons(norm: Normalized) -> list[Reason]:
        """Each handle found; a link to an ordinary site is listed as a `link`, not a contact: members share them
        every day, the policy never counts one as a second signal, and a model since s22 does not weigh it."""
        return [Reason("link" if ordinary(h) else "contact_handle", f"{h.kind}: {h.text}") for h in norm.handles]

    @staticmethod
    def model_reasons(label: str, p: float, evidence: Sequence[str], text_flood: bool,
                      rule: tuple[str, str] | None = None, kind_turned: bool = False) -> list[Reason]:
        """`text_flood`: the guide's text-only flood test, as read from the features (Scores.text_flood);
        `evidence`: spans of the message from explain_text(); `rule`: the guide rule that fired (Scores.rules);
        `kind_turned`: the model's kind of commerce turned it between spam and advertising (Scores.kind_turned)."""
        out = [Reason("text_flood", "repeated characters, phrases or emoji make up most of the message")] if text_flood else []
        out.append(Reason("model", f"p({label})={p:.2f}"))
        if rule is not None and label == rule_label(rule[0]):
            out.append(Reason("guide_rule", f"{rule[0]}: {rule[1]}"))
        if kind_turned and label in _COMMERCE:
            # a moderator deciding between the two should know which reading made the call (model/commerce_kind.py)
            out.append(Reason("commerce_kind", f"read as {label} by the source-neutral division of commerce; "
                                               f"the main model alone read {_COMMERCE[label]}"))
        if label != "on_topic":
            out.extend(Reason("evidence", tok) for tok in evidence)
        return out

    @cached_property
    def _pull_table(self) -> np.ndarray:
        """(label in LABELS order, token column): how much more a token weighs for that label than
        on average, times its idf. Derived once per loaded model (prepare()), not shipped."""
        coef = np.ascontiguousarray(self.weights[: self.featurizer.n_tokens].T)
        return ((coef - coef.mean(axis=0)) * self.featurizer.idf_)[self._order].astype(np.float32)

    def prepare(self) -> None:
        """Build every table derived from the fitted model now, so no request pays for it."""
        self.featurizer.prepare()
        self._pull_table  # noqa: B018 - computed and cached
        # one message through the whole path: numpy imports parts of itself on first use (≈17 ms)
        self.classify_batch(["预热 warm-up 加v abc12345 https://a.cn/x [表情] 哈哈哈哈哈"])

    def strongest_columns(self, scores: Scores, rows: Sequence[int], labels: Sequence[str] | None = None,
                          most: int = 6) -> list[list[int]]:
        """For each given row of a scored batch: up to `most` of its token columns that push
        hardest toward its label (`labels`, one per row; by default the label it was scored),
        strongest first.

        One pass of numpy for the whole batch: the rows' entries are gathered, each scored by
        its label's pull, the positive ones sorted by (row, -pull) and the first `most` kept."""
        out: list[list[int]] = [[] for _ in range(len(rows))]
        if not len(rows):
            return out
        if labels is None:
            labels = [scores.labels[r] for r in rows]
        owner, pos = scores.tokens.entries_of(rows)
        cols = scores.tokens.cols[pos]
        label_ids = np.array([LABELS.index(lab) for lab in labels], dtype=np.int64)
        pull = self._pull_table[label_ids[owner], cols].astype(np.float64)
        positive = pull > 0
        owner, cols, pull = owner[positive], cols[positive], pull[positive]
        if not len(owner):
            return out
        # one float key sorts by row, then by pull descending (np.lexsort on the two keys is far slower)
        span = float(pull.max()) + 1.0
        order = np.argsort(owner * span + (span - pull), kind="stable")
        owner, cols = owner[order], cols[order]
        rank = np.arange(len(owner)) - np.searchsorted(owner, owner)
        best = rank < most
        for r, c in zip(owner[best].tolist(), cols[best].tolist(), strict=True):
            out[r].append(c)
        return out

    def explain(self, scores: Scores, rows: Sequence[int], labels: Sequence[str] | None = None,
                top: int = 3) -> list[list[str]]:
        """For each given row: the machine names of up to `top` of its strongest tokens (`^出`,
        `pinyin yao de`): for debugging. A few spare candidates are ranked, because tokens that
        always co-occur (a character and the word it forms) weigh the same, and a name is shown once."""
        name = self.featurizer.column_name
        out: list[list[str]] = []
        for cols in self.strongest_columns(scores, rows, labels, 2 * top):
            names: list[str] = []
            for c in cols:
                if len(names) < top and (tok := name(c)) not in names:
                    names.append(tok)
            out.append(names)
        return out

    def explain_text(self, scores: Scores, rows: Sequence[int], texts: Sequence[str],
                     labels: Sequence[str] | None = None, top: int = 3) -> list[list[str]]:
        """For each given row and its original text (`texts`, one per row): up to `top` spans of
        that text, as written, behind its strongest tokens (model/evidence.py). More candidates
        are ranked than for explain(): pinyin and handle tokens have no span and are left out."""
        columns = self.strongest_columns(scores, rows, labels, 4 * top)
        return [evidence_spans(self.featurizer, cols, text, top) for cols, text in zip(columns, texts, strict=True)]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_pull_table", None)  # derived at run time, not shipped
        return state

    def __setstate__(self, state: dict) -> None:
        if "model" in state:  # a model of format 1 pickled scikit-learn's LogisticRegression: keep its arrays
            lr = state["model"]
            type(self).__init__(self, state["featurizer"], lr.coef_, lr.intercept_, list(lr.classes_), state.get("temperature", 1.0))
            return
        self.__dict__.update(state)
