"""Tried at s28, not shipped: does a nearest-neighbour semantic fit tell a switch apart better than the shipped score?

    python bench/tried/drift_knn_semantic.py     # ~2 min; output in bench/tried/drift_knn_semantic.out

A chat group talks about several things, so its profile's centroid is a blur; a message of the group should still
sit near *some* of its texts. Per abrupt stream of bench_drift.py's tune half: the AUC of B's messages against
A's messages after the profile (confident, not repeats: what the detector counts), for the shipped topic score
(1 - score), the centred LSA cosine to the profile's centroid alone, the mean cosine to the k nearest profile texts
(k 1, 3, 5, 10), and the shipped score and k=5 ranked and summed. Medians by family.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_drift as B

from qunguard.model.topic_profile import background, message_words


def knn_fit(profile: np.ndarray, vecs: np.ndarray, k: int) -> np.ndarray:
    """Mean cosine of each message to its k nearest profile texts (unit, centred vectors)."""
    sims = vecs @ profile.T
    k = min(k, profile.shape[0])
    return -np.sort(-sims, axis=1)[:, :k].mean(axis=1)


def main() -> int:
    bg = background()
    t0 = time.time()
    streams = [s for s in B.all_streams(B.DEFAULT_RAW, B.Legit()) if s.split == "tune" and s.kind == "abrupt"]
    for s in streams:
        B.score_stream(s)
    print(len(streams), "tune-half abrupt streams scored", round(time.time() - t0), "s", flush=True)
    res: dict[str, list[dict[str, float]]] = {}
    for s in streams:
        prof = bg.embed([message_words(t) for t in s.profile_texts])
        prof = prof[np.linalg.norm(prof, axis=1) > 0]
        vecs = bg.embed([message_words(t) for t in s.texts])
        keep = (s.conf >= 0.5) & ~np.array(s.repeat) & (np.linalg.norm(vecs, axis=1) > 0)
        is_b = np.array(s.is_b)
        if keep[is_b].sum() < 20 or keep[~is_b].sum() < 20:
            continue
        y = is_b[keep].astype(int)
        centroid = prof.sum(axis=0)
        centroid /= np.linalg.norm(centroid)
        row = {"shipped": roc_auc_score(y, (1 - s.score)[keep]), "centroid": roc_auc_score(y, -(vecs @ centroid)[keep])}
        for k in (1, 3, 5, 10):
            row[f"knn{k}"] = roc_auc_score(y, -knn_fit(prof, vecs, k)[keep])
        row["shipped+knn5"] = roc_auc_score(y, rankdata((1 - s.score)[keep]) + rankdata(-knn_fit(prof, vecs, 5)[keep]))
        res.setdefault(s.family, []).append(row)
    for fam, rows in res.items():
        print(fam, len(rows), {k: round(float(np.median([r[k] for r in rows])), 3) for k in rows[0]}, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
