"""Tried, not kept: topic drift scored on pooled blocks of k messages instead of one message at a time.

    python bench/tried/drift_pooled_blocks.py [KS=1,5,10] [SPLIT=tune]     (~4 min)

Each block of k consecutive legitimate messages (repeats left out) is scored as one text against the
profile, with the service's slow updates, and a DriftDetector runs over the blocks (warm-up scaled to
the same number of messages, thresholds and caps in a grid). For each setting it prints the alerts on the
QQ group's tune stretch and the share of the tune half's abrupt switches caught within 50 messages, by
family; k=1 is the per-message baseline in the same harness. README "Topic scores and drift" gives the
finding: at <= 1 alert on the QQ stretch, pooled blocks catch fewer switches (a long text scores near 1).
"""
import itertools
import json
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
import bench_drift as bd

from qunguard.model.normalize import normalize
from qunguard.model.topic_profile import DriftDetector, TopicProfile

KS = [int(k) for k in sys.argv[1].split(",")] if len(sys.argv) > 1 and __name__ == "__main__" else [1, 5, 10]


def blocks_of(texts, rep, k):
    """(end index, joined text) of consecutive non-repeat messages, k at a time."""
    out, cur = [], []
    for i, (t, r) in enumerate(zip(texts, rep, strict=True)):
        if r or not t.strip():
            continue
        cur.append(t)
        if len(cur) == k:
            out.append((i, " ".join(cur)))
            cur = []
    return out


def pooled_stream(s, k):
    prof = TopicProfile.from_texts(s.profile_texts)
    blocks = blocks_of(s.texts, s.repeat, k)
    ends, sc, cf = [], [], []
    bi = 0
    for start in range(0, len(s.texts), bd.ABSORB_MIN):
        stop = start + bd.ABSORB_MIN
        while bi < len(blocks) and blocks[bi][0] < stop:
            a, b = prof.score([blocks[bi][1]])
            ends.append(blocks[bi][0]); sc.append(float(a[0])); cf.append(float(b[0]))
            bi += 1
        pile = s.texts[start:stop]
        if len(pile) == bd.ABSORB_MIN and bd.ABSORB_MIN * bd.STEP_S >= bd.ABSORB_EVERY_S:
            prof.absorb(pile, bd.ABSORB_RATE)
    return prof.baseline, np.array(ends), np.array(sc), np.array(cf)


def qq_stream(raw, legit, k, until):
    """The QQ log's legitimate messages after the profile's first 80, with the service's slow updates: per
    message (ts, score, conf, repeat) and per block of k (index of its last message, score, conf)."""
    log = [m for m in bd.qq_log(raw) if until is None or m["ts"] < until]
    texts = [normalize(m["text"]).text for m in log]
    keep = [i for i, t in enumerate(texts) if t.strip()]
    p = legit.clf.predict_proba([log[i]["text"] for i in keep])
    legit_idx = [i for i, row in zip(keep, p, strict=True) if int(np.argmax(row)) == 0]
    learn, rest = legit_idx[:bd.LEARN], legit_idx[bd.LEARN:]
    prof = TopicProfile.from_texts([texts[i] for i in learn])
    rep = bd.repeats([texts[i] for i in legit_idx])[bd.LEARN:]
    pile, cur = [], []
    last_absorb = datetime.fromisoformat(log[learn[-1]]["ts"]).timestamp()
    ts_all, s1, c1, b_end, b_sc, b_cf = [], [], [], [], [], []
    for j, i in enumerate(rest):
        ts = datetime.fromisoformat(log[i]["ts"]).timestamp()
        a, b = prof.score([texts[i]])
        ts_all.append(ts); s1.append(float(a[0])); c1.append(float(b[0]))
        if not rep[j] and texts[i].strip():
            cur.append(texts[i])
            if len(cur) == k:
                a, b = prof.score([" ".join(cur)])
                b_end.append(j); b_sc.append(float(a[0])); b_cf.append(float(b[0]))
                cur = []
        if len(pile) < bd.ABSORB_PILE:
            pile.append(texts[i])
        if len(pile) >= bd.ABSORB_MIN and ts - last_absorb >= bd.ABSORB_EVERY_S:
            prof.absorb(pile, bd.ABSORB_RATE)
            pile, last_absorb = [], ts
    base = None if prof.low_confidence else prof.baseline
    return {"base": base, "ts": np.array(ts_all), "s": np.array(s1), "c": np.array(c1), "rep": rep,
            "b_end": np.array(b_end, dtype=np.int64), "b_sc": np.array(b_sc), "b_cf": np.array(b_cf)}


def qq_blocks(raw, legit, k, until):
    q = qq_stream(raw, legit, k, until)
    return q["base"], q["ts"][q["b_end"]], q["b_sc"], q["b_cf"], len(q["s"])


def run(det, baseline, ts, sc, cf):
    st = det.new_state(baseline=baseline)
    al = []
    for t, s, c in zip(ts, sc, cf, strict=True):
        _, a = det.update(st, float(s), float(c), float(t))
        al.append(a)
    return al


def main():
    t0 = time.time()
    legit = bd.Legit()
    raw = bd.DEFAULT_RAW
    streams = bd.all_streams(raw, legit)
    split = sys.argv[2] if len(sys.argv) > 2 else "tune"
    streams = [s for s in streams if s.split == split and s.kind == "abrupt"]
    for s in streams:
        s.repeat = bd.repeats(s.profile_texts + s.texts)[len(s.profile_texts):]
    print(len(streams), "streams", round(time.time() - t0), "s", flush=True)
    for k in KS:
        pooled = [pooled_stream(s, k) for s in streams]
        qq = qq_blocks(raw, legit, k, bd.QQ_SCU_HELDOUT_FROM if split == "tune" else None)
        print("k", k, "scored", round(time.time() - t0), "s", flush=True)
        for warm, thr, max_z, slack in itertools.product((150.0 / k, 300.0 / k), (2.0, 3.0, 4.0, 5.0, 6.0, 8.0),
                                                         (0.75, 1.5, 3.0), (0.0, 0.25)):
            det = DriftDetector(warmup=warm, threshold=thr, max_z=max_z, slack=slack, alpha=min(1.0, 0.04 * k))
            within = {}
            for s, (base, ends, sc, cf) in zip(streams, pooled, strict=True):
                al = run(det, base, 1_000_000.0 + ends * bd.STEP_S, sc, cf)
                hit = None
                for e, a, prev in zip(ends, al, [False] + al[:-1], strict=True):
                    if e >= s.switch and a and (not prev or hit is None):
                        hit = e - s.switch
                        break
                within.setdefault(s.family, []).append(hit is not None and hit <= bd.WITHIN)
            base, ts, sc, cf, n = qq
            al = run(det, base, ts, sc, cf)
            n_alerts = sum(1 for a, p in zip(al, [False] + al[:-1], strict=True) if a and not p)
            allw = [x for v in within.values() for x in v]
            print(json.dumps({"k": k, "warm": round(warm, 1), "thr": thr, "max_z": max_z, "slack": slack,
                              "qq_alerts": n_alerts, "qq_per_10k": round(n_alerts / n * 1e4, 2),
                              "within50": round(float(np.mean(allw)), 3),
                              **{f: round(float(np.mean(v)), 2) for f, v in within.items()}}), flush=True)


if __name__ == "__main__":
    main()
