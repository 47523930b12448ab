"""Metrics for a labelled set: per-class P/R/F1, macro-F1, confusion, calibration."""
from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from qunguard.model.dataset import read_jsonl_rows
from qunguard.model.labels import LABELS


def expected_calibration_error(proba: np.ndarray, y_idx: np.ndarray, bins: int = 10) -> float:
    """Mean gap between confidence and accuracy of the top label, over equal-width bins."""
    conf = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y_idx
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in pairwise(edges):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            ece += inside.mean() * abs(conf[inside].mean() - correct[inside].mean())
    return float(ece)


def evaluate(proba: np.ndarray, labels: list[str]) -> dict:
    y = np.array([LABELS.index(lab) for lab in labels])
    pred = proba.argmax(axis=1)
    present = sorted(set(y.tolist()))
    p, r, f, n = precision_recall_fscore_support(y, pred, labels=list(range(len(LABELS))), zero_division=0)
    per_class = {
        LABELS[k]: {"precision": round(float(p[k]), 4), "recall": round(float(r[k]), 4), "f1": round(float(f[k]), 4), "support": int(n[k])}
        for k in range(len(LABELS))
    }
    return {
        "n": len(y),
        "accuracy": round(float((pred == y).mean()), 4),
        # macro over the labels this set contains, so a set without flooding is not punished for it
        "macro_f1": round(float(np.mean([f[k] for k in present])), 4),
        "per_class": per_class,
        "confusion": {"labels": list(LABELS), "rows_true_cols_pred": confusion_matrix(y, pred, labels=list(range(len(LABELS)))).tolist()},
        "ece": round(expected_calibration_error(proba, y), 4),
    }


def macro_f1_of_draws(y: np.ndarray, pred: np.ndarray, draws: np.ndarray, labels: Sequence[int]) -> np.ndarray:
    """Macro-F1 over `labels` (label indices) of each draw of messages: `draws` is (draws, n) row indices into
    the label indices `y` and `pred`. F1 = 2 TP / (true + predicted), 0 where a label is neither (as evaluate())."""
    k = len(LABELS)
    offsets = np.arange(len(draws))[:, None] * k
    t, p = offsets + y[draws], offsets + pred[draws]
    size = len(draws) * k
    tp = np.bincount(t[y[draws] == pred[draws]], minlength=size).reshape(-1, k)
    both = (np.bincount(t.ravel(), minlength=size) + np.bincount(p.ravel(), minlength=size)).reshape(-1, k)
    f1 = np.where(both > 0, 2 * tp / np.maximum(both, 1), 0.0)
    return f1[:, list(labels)].mean(axis=1)


def paired_bootstrap(labels: Sequence[str], pred_a: Sequence[str], pred_b: Sequence[str], *, draws: int = 2000,
                     seed: int = 0) -> dict:
    """Macro-F1 of verdicts b minus verdicts a on the same messages, and the 95 % interval of that difference
    over draws of the messages with replacement (both verdicts of a message drawn together): how large a
    difference this set's size allows by chance. Averaged over the labels the whole set contains, as evaluate()."""
    y, a, b = (np.array([LABELS.index(x) for x in seq]) for seq in (labels, pred_a, pred_b))
    present = sorted(set(y.tolist()))
    whole = np.arange(len(y))[None, :]
    rows = np.random.default_rng(seed).integers(0, len(y), size=(draws, len(y)))
    diff = macro_f1_of_draws(y, b, rows, present) - macro_f1_of_draws(y, a, rows, present)
    low, high = np.percentile(diff, [2.5, 97.5])
    point = macro_f1_of_draws(y, b, whole, present)[0] - macro_f1_of_draws(y, a, whole, present)[0]
    return {"difference": round(float(point), 4), "low": round(float(low), 4), "high": round(float(high), 4), "draws": draws}


def format_report(name: str, m: dict) -> str:
    lines = [f"## {name}: n={m['n']}  accuracy={m['accuracy']:.3f}  macro-F1={m['macro_f1']:.3f}  ECE={m['ece']:.3f}", ""]
    lines.append("| label | precision | recall | F1 | support |")
    lines.append("|---|---|---|---|---|")
    for lab, c in m["per_class"].items():
        lines.append(f"| {lab} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |")
    lines += ["", "confusion (rows = true, columns = predicted, order " + ", ".join(LABELS) + "):", "```"]
    lines += ["  ".join(f"{v:6d}" for v in row) for row in m["confusion"]["rows_true_cols_pred"]]
    lines += ["```", ""]
    return "\n".join(lines)


def behaviour_report(predicted: list[str], cases: list[dict]) -> dict:
    """Pass rate per capability of a behaviour suite (one {"capability", "text", "label"} a case).

    A case passes when the predicted label is the guide's label; every failure is listed,
    since the suite is there to be read, not only scored."""
    by_cap: dict[str, list[int]] = {}
    failures = []
    for case, pred in zip(cases, predicted, strict=True):
        ok = pred == case["label"]
        by_cap.setdefault(case["capability"], []).append(int(ok))
        if not ok:
            failures.append({"id": case.get("id"), "capability": case["capability"], "text": case["text"],
                             "label": case["label"], "predicted": pred})
    per_cap = {cap: {"passed": sum(v), "n": len(v), "rate": round(sum(v) / len(v), 4)} for cap, v in sorted(by_cap.items())}
    total = sum(c["passed"] for c in per_cap.values())
    return {"n": len(cases), "pass_rate": round(total / max(len(cases), 1), 4),
            "worst_capability_rate": min((c["rate"] for c in per_cap.values()), default=0.0),
            "per_capability": per_cap, "failures": failures}


def format_behaviour(name: str, b: dict) -> str:
    lines = [f"## {name}: {b['n']} cases, pass rate {b['pass_rate']:.3f}, worst capability {b['worst_capability_rate']:.3f}", "",
             "| capability | passed | n | rate |", "|---|---|---|---|"]
    lines += [f"| {cap} | {c['passed']} | {c['n']} | {c['rate']:.2f} |" for cap, c in b["per_capability"].items()]
    lines += ["", "failures:", ""]
    lines += [f"- `{f['capability']}` {f['text']!r}: {f['label']} → {f['predicted']}" for f in b["failures"]]
    return "\n".join(lines) + "\n"


def run_behaviour_suite(clf, path) -> dict:
    """behaviour_report() of a classifier on the suite at `path` (JSONL: capability, text, label)."""
    cases = read_jsonl_rows(path)
    predicted = [v.label for v in clf.classify_batch([c["text"] for c in cases], explain=False)]
    return behaviour_report(predicted, cases)
