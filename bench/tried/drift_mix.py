"""Tried: two drift detectors side by side, one over single messages and one over pooled blocks of k
messages, the alert raised when either fires (README "Topic scores and drift": pooled blocks caught more
real-group switches and fewer of everything else, so a mix was the untried step).

    python bench/tried/drift_mix.py [K=5]     (~3 min)

Chosen on the tune half and the QQ log before 2017-04-20 only: every pair of a per-message setting and a
block setting whose alerts together stay at <= 1 on the QQ tune stretch, ranked by abrupt switches caught
within 50 messages, then by fewer alerts before a switch. The best few are then shown once on the report half
(switches, gradual ramps) and the whole QQ log, beside the shipped detector alone in the same harness.
"""
import itertools
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "tried"))
sys.path.insert(0, str(ROOT))
import bench_drift as bd
import drift_pooled_blocks as pb

from qunguard.model.topic_profile import DriftDetector

K = int(sys.argv[1]) if len(sys.argv) > 1 else 5
T0 = 1_000_000.0


def single_grid():
    base = DriftDetector().params()
    for warm, slack, thr, max_z in itertools.product((60.0, 120.0), (0.0, 0.1, 0.25), (8.0, 10.0, 12.0, 15.0, 20.0),
                                                     (0.75, 1.0)):
        yield DriftDetector(**{**base, "warmup": warm, "slack": slack, "threshold": thr, "max_z": max_z})


def block_grid():
    base = DriftDetector().params()
    for warm, thr, max_z, slack in itertools.product((150.0 / K, 300.0 / K), (3.0, 4.0, 5.0, 6.0, 8.0, 10.0),
                                                     (0.75, 1.5, 3.0), (0.0, 0.25)):
        yield DriftDetector(**{**base, "warmup": warm, "threshold": thr, "max_z": max_z, "slack": slack,
                               "alpha": min(1.0, 0.04 * K)})


def fill(n: int, ends: np.ndarray, alerts: list[bool]) -> np.ndarray:
    """A block detector's alert per message: the state of its last block ending at or before it."""
    out = np.zeros(n, dtype=bool)
    for e, a, nxt in zip(ends, alerts, list(ends[1:]) + [n], strict=True):
        out[int(e):int(nxt)] = a
    return out


def run_blocks(det, base, ends, sc, cf, n):
    al = pb.run(det, base, T0 + ends * bd.STEP_S, sc, cf)
    return fill(n, ends, al)


def qq_alerts(det1, detk, q):
    st = det1.new_state(baseline=q["base"])
    a1 = np.array([det1.update(st, float(s), float(c), float(t), repeat=r)[1]
                   for s, c, t, r in zip(q["s"], q["c"], q["ts"], q["rep"], strict=True)], dtype=bool)
    return a1, (np.zeros_like(a1) if detk is None else qq_block_alerts(detk, q))


def qq_block_alerts(det, q):
    """A block detector's alert per message of the QQ log."""
    st = det.new_state(baseline=q["base"])
    ak = [det.update(st, float(s), float(c), float(q["ts"][e]))[1]
          for s, c, e in zip(q["b_sc"], q["b_cf"], q["b_end"], strict=True)]
    return fill(len(q["s"]), q["b_end"], ak)


def onsets(a: np.ndarray) -> int:
    return int(a[0]) + int(np.sum(a[1:] & ~a[:-1])) if len(a) else 0


def outcome(a: np.ndarray, s) -> tuple[int | None, bool]:
    return bd.first_alert(a.tolist(), s.switch), bool(a[: s.switch].any())


def table(name, alerts_by_stream, streams):
    fams = {}
    for s, a in zip(streams, alerts_by_stream, strict=True):
        d, before = outcome(a, s)
        fams.setdefault((s.kind, s.family), []).append((d, before))
    for (kind, fam), v in sorted(fams.items()):
        w = np.mean([d is not None and d <= bd.WITHIN for d, _ in v])
        found = [d for d, _ in v if d is not None]
        print(f"  {name:44s} {kind:8s} {fam:12s} n={len(v):3d} within50={w:.2f} at_all={len(found) / len(v):.2f} "
              f"median={np.median(found) if found else None} before={np.mean([b for _, b in v]):.2f}", flush=True)
    ab = [outcome(a, s) for s, a in zip(streams, alerts_by_stream, strict=True) if s.kind == "abrupt"]
    print(f"  {name:44s} abrupt all within50={np.mean([d is not None and d <= bd.WITHIN for d, _ in ab]):.3f} "
          f"({sum(d is not None and d <= bd.WITHIN for d, _ in ab)}/{len(ab)}) before={np.mean([b for _, b in ab]):.3f}")


def main():
    t0 = time.time()
    legit = bd.Legit()
    raw = bd.DEFAULT_RAW
    streams = bd.all_streams(raw, legit)
    for s in streams:
        bd.score_stream(s)
    pooled = [pb.pooled_stream(s, K) for s in streams]
    print(len(streams), "streams scored", round(time.time() - t0), "s", flush=True)
    q_tune = pb.qq_stream(raw, legit, K, bd.QQ_SCU_HELDOUT_FROM)
    print("qq tune scored", round(time.time() - t0), "s", flush=True)
    tune = [i for i, s in enumerate(streams) if s.split == "tune" and s.kind == "abrupt"]

    def single_alerts(det, idx):
        return [np.array(bd.run_detector(det, streams[i].score, streams[i].conf, streams[i].baseline,
                                         streams[i].repeat)[1], dtype=bool) for i in idx]

    def block_alerts(det, idx):
        return [run_blocks(det, pooled[i][0], pooled[i][1], pooled[i][2], pooled[i][3], len(streams[i].texts))
                for i in idx]

    singles = []
    for det in single_grid():
        a1, _ = qq_alerts(det, None, q_tune)
        singles.append((det, a1, single_alerts(det, tune)))
    blocks = []
    for det in block_grid():
        blocks.append((det, qq_block_alerts(det, q_tune), block_alerts(det, tune)))
    print("grids run", round(time.time() - t0), "s", flush=True)
    ranked = []
    for (d1, q1, s1), (dk, qk, sk) in itertools.product(singles + [(None, np.zeros(len(q_tune["s"]), bool),
                                                                   [np.zeros(len(streams[i].texts), bool) for i in tune])],
                                                        blocks + [(None, np.zeros(len(q_tune["s"]), bool),
                                                                   [np.zeros(len(streams[i].texts), bool) for i in tune])]):
        n_alerts = onsets(q1 | qk)
        if n_alerts > 1:
            continue
        outs = [outcome(x | y, streams[i]) for x, y, i in zip(s1, sk, tune, strict=True)]
        within = np.mean([d is not None and d <= bd.WITHIN for d, _ in outs])
        before = np.mean([b for _, b in outs])
        ranked.append((-within, before, n_alerts, d1, dk))
    ranked.sort(key=lambda r: r[:3])
    print("tune: best pairs with <= 1 QQ alert", flush=True)
    for w, b, n, d1, dk in ranked[:12]:
        print(f"  within50={-w:.3f} before={b:.3f} qq={n} single={d1.params() if d1 else None} "
              f"block={dk.params() if dk else None}", flush=True)
    shipped = DriftDetector()
    best_single = next(r for r in ranked if r[4] is None)
    print(f"  best single alone: within50={-best_single[0]:.3f} before={best_single[1]:.3f}")
    # the report half, once: the shipped detector alone, and the three best pairs
    rep_idx = [i for i, s in enumerate(streams) if s.split == "report"]
    rep_streams = [streams[i] for i in rep_idx]
    q_all = pb.qq_stream(raw, legit, K, None)
    choices = [("shipped alone", shipped, None)] + [(f"pair #{j + 1}", r[3], r[4]) for j, r in enumerate(ranked[:3])]
    for name, d1, dk in choices:
        a1 = single_alerts(d1, rep_idx) if d1 else [np.zeros(len(s.texts), bool) for s in rep_streams]
        ak = block_alerts(dk, rep_idx) if dk else [np.zeros(len(s.texts), bool) for s in rep_streams]
        print(name, flush=True)
        table(name, [x | y for x, y in zip(a1, ak, strict=True)], rep_streams)
        qa1, qak = qq_alerts(d1 or shipped, dk, q_all)
        if d1 is None:
            qa1 = np.zeros_like(qak)
        print(f"  whole QQ log: {onsets(qa1 | qak)} alerts in {len(qa1)} messages "
              f"({onsets(qa1 | qak) / len(qa1) * 1e4:.2f} per 10,000)", flush=True)
    print(round(time.time() - t0), "s")


if __name__ == "__main__":
    main()
