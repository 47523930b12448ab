"""model/evaluate.py: the paired bootstrap that says how large a difference of macro-F1 a set allows by chance."""
from __future__ import annotations

import random

import numpy as np

from qunguard.model.evaluate import evaluate, macro_f1_of_draws, paired_bootstrap
from qunguard.model.labels import LABELS


def _labels(n: int, seed: int, weights=(70, 10, 15, 5)) -> list[str]:
    return random.Random(seed).choices(LABELS, weights=weights, k=n)


def _one_hot(labels: list[str]) -> np.ndarray:
    out = np.zeros((len(labels), len(LABELS)))
    out[np.arange(len(labels)), [LABELS.index(x) for x in labels]] = 1.0
    return out


def test_macro_f1_of_the_whole_set_is_evaluates():
    truth, pred = _labels(500, 1), _labels(500, 2)
    y, p = (np.array([LABELS.index(x) for x in seq]) for seq in (truth, pred))
    present = sorted(set(y.tolist()))
    whole = macro_f1_of_draws(y, p, np.arange(500)[None, :], present)[0]
    assert round(float(whole), 4) == evaluate(_one_hot(pred), truth)["macro_f1"]


def test_each_draw_is_scored_as_its_own_set():
    truth, pred = _labels(300, 3), _labels(300, 4)
    y, p = (np.array([LABELS.index(x) for x in seq]) for seq in (truth, pred))
    draws = np.random.default_rng(5).integers(0, 300, size=(3, 300))
    scores = macro_f1_of_draws(y, p, draws, range(len(LABELS)))
    for row, score in zip(draws, scores, strict=True):
        m = evaluate(_one_hot([pred[i] for i in row]), [truth[i] for i in row])
        assert abs(score - np.mean([m["per_class"][lab]["f1"] for lab in LABELS])) < 1e-3  # evaluate() rounds to 4 places


def test_the_same_verdicts_differ_by_nothing():
    truth, pred = _labels(400, 6), _labels(400, 7)
    assert paired_bootstrap(truth, pred, pred, draws=200) == {"difference": 0.0, "low": 0.0, "high": 0.0, "draws": 200}


def test_a_model_right_everywhere_is_better_beyond_chance_and_a_few_changed_verdicts_are_not():
    truth = _labels(1000, 8)
    noisy = [t if random.Random(i).random() < 0.8 else LABELS[(LABELS.index(t) + 1) % 4] for i, t in enumerate(truth)]
    better = paired_bootstrap(truth, noisy, truth, draws=500)
    assert better["difference"] > 0 and better["low"] > 0
    # three messages put right and two put wrong: well inside what chance allows on 1,000
    nudged = list(noisy)
    wrong = [j for j, (a, t) in enumerate(zip(noisy, truth, strict=True)) if a != t]
    right = [j for j, (a, t) in enumerate(zip(noisy, truth, strict=True)) if a == t]
    for j in wrong[:3]:
        nudged[j] = truth[j]
    for j in right[:2]:
        nudged[j] = LABELS[(LABELS.index(truth[j]) + 1) % 4]
    small = paired_bootstrap(truth, noisy, nudged, draws=500)
    assert small["low"] < 0 < small["high"]
