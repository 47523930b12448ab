"""Which kind of commerce a message is, decided by a source-neutral model (optional: `train.py --commerce-kind`).

Each training source leans to one kind of commerce by its own make-up: Telegram and the harm benchmark lean to spam,
SMS to advertising. The main model learns those leans through each source's words and style, and real group chat
inherits them. A message's spam or advertising verdict is then partly the source's, not the message's.

A second model is fitted on the same rows with one more column per source, so each source's lean goes to its own
column. Those columns are dropped when the model is saved. Only its spam-minus-advertising logit is kept: one
weight column (`KindColumn`). At scoring time the main model still says how likely a message is commerce at all,
p(spam) + p(advertising), and the column divides that share between the two kinds. Where a guide rule for spam or
advertising fired, the main model's own division stands (model/guide_rules.py).

Measured at s30 (README, "a source-neutral kind of commerce"). On real chat never trained on, it moves advertising
F1 from 0.670 to 0.720 and 0.732. On the lure suites it loses 3 to 4 of 72. It is not the shipped default.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qunguard.model.features import Features
from qunguard.model.guide_rules import rule_label
from qunguard.model.labels import LABELS

SPAM, ADS = LABELS.index("spam"), LABELS.index("advertising")


@dataclass(frozen=True)
class KindColumn:
    weights: np.ndarray  # (n_features,) float32: the source-neutral model's spam weights minus its advertising weights
    intercept: float  # its spam intercept minus its advertising intercept
    temperature: float  # its calibration temperature

    def lean(self, feats: Features) -> np.ndarray:
        """Each row's spam-minus-advertising logit, calibrated (before any guide rule)."""
        t = feats.tokens
        n_tokens = len(self.weights) - feats.shapes.shape[1]
        # the weighted sum of each row's tokens (float64); np.bincount adds a row's entries in order
        sums = np.bincount(t.rows, weights=self.weights[t.cols] * t.weights, minlength=t.n_rows)
        sums += feats.shapes @ self.weights[n_tokens:].astype(np.float64)
        return (sums + self.intercept) / self.temperature

    def divide(self, proba: np.ndarray, feats: Features, rules: Sequence[tuple[str, str] | None]) -> None:
        """In place, on probabilities in LABELS order: each row's p(spam) + p(advertising) is divided by its lean.
        A row where a guide rule for spam or advertising fired keeps its division."""
        spam_share = 1.0 / (1.0 + np.exp(-self.lean(feats)))
        ruled = np.fromiter((hit is not None and rule_label(hit[0]) in ("spam", "advertising") for hit in rules),
                            dtype=bool, count=len(rules))
        commerce = proba[:, SPAM] + proba[:, ADS]
        kept = proba[:, SPAM] / np.maximum(commerce, 1e-300)
        share = np.where(ruled, kept, spam_share)
        proba[:, SPAM], proba[:, ADS] = commerce * share, commerce * (1.0 - share)

    @classmethod
    def from_model(cls, coef: np.ndarray, intercept: np.ndarray, classes: Sequence[str], temperature: float) -> KindColumn:
        """From the source-neutral model's coefficients (n_classes, n_features), in the order of `classes`, with its
        source columns already dropped."""
        s, a = list(classes).index("spam"), list(classes).index("advertising")
        return cls(np.asarray(coef[s] - coef[a], dtype=np.float32), float(intercept[s] - intercept[a]), float(temperature))
