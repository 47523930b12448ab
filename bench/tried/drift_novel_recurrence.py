"""Tried at s29, not kept: do words the profile lacks recur within a window of a group's talk after a switch?

    python bench/tried/drift_novel_recurrence.py [W]   # ~20 s; output in bench/tried/drift_novel_recurrence.out

The per-message topic score limits drift (README): one chat message says little. A switch might still show as
consistency: B's own words recurring across B's messages, where calm chat's off-profile words are one-offs. Over
the last W (default 50) confident, unrepeated messages: R = the sum, over informative words the profile barely
holds (< 2 % of its texts), of min(information, 3) x (messages holding the word - 1), over W; beside it the mean of
(1 - score) x confidence over the same window (M). Profiles absorb as the service does. Each statistic's line is its
maximum on the QQ group's calm tune stretch (after 200 messages); a switch counts as caught when the statistic
crosses that line within 50 messages of it. Tune half, abrupt switches only.
"""
import sys
import time
from collections import Counter, deque
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_drift as B

from qunguard.data.sources import QQ_SCU_HELDOUT_FROM
from qunguard.model.normalize import normalize
from qunguard.model.topic_profile import TopicProfile, background, message_words

W = int(sys.argv[1]) if len(sys.argv) > 1 else 50
BG = background()


def window_stats(prof_texts: list[str], texts: list[str], repeat: list[bool], absorb_every: int = 80
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per position: the recurrence R and the window mean M, the profile absorbing as the service's does."""
    prof = TopicProfile.from_texts(prof_texts)
    novel_sets: deque[set[str]] = deque(maxlen=W)
    off: deque[float] = deque(maxlen=W)
    r_out: list[float] = []
    m_out: list[float] = []
    pile: list[str] = []
    for i, t in enumerate(texts):
        sc, cf = prof.score([t])
        if repeat[i] or cf[0] <= 0:  # no evidence: the statistics stay where they were
            r_out.append(r_out[-1] if r_out else 0.0)
            m_out.append(m_out[-1] if m_out else 0.0)
            continue
        novel_sets.append({w for w in set(message_words(t))
                           if len(w) > 1 and BG.word_info(w) > 0 and prof.word_df.get(w, 0.0) / prof.mass < 0.02})
        off.append((1 - float(sc[0])) * float(cf[0]))
        df: Counter[str] = Counter()
        for words in novel_sets:
            df.update(words)
        r_out.append(sum(min(BG.word_info(w), 3.0) * (n - 1) for w, n in df.items() if n >= 2) / W)
        m_out.append(float(np.mean(off)))
        pile.append(t)
        if len(pile) >= absorb_every:
            prof.absorb(pile, B.ABSORB_RATE)
            pile = []
    return np.array(r_out), np.array(m_out)


def main() -> int:
    legit = B.Legit()
    t0 = time.time()
    streams = [s for s in B.all_streams(B.DEFAULT_RAW, legit) if s.split == "tune" and s.kind == "abrupt"]
    print(len(streams), "streams", round(time.time() - t0), flush=True)
    # calm: the QQ group's tune stretch with its own profile
    log = [m for m in B.qq_log(B.DEFAULT_RAW) if m["ts"] < QQ_SCU_HELDOUT_FROM]
    texts = [normalize(m["text"]).text for m in log]
    keep = [i for i, t in enumerate(texts) if t.strip()]
    p = legit.clf.predict_proba([log[i]["text"] for i in keep])
    calm = [texts[i] for i, row in zip(keep, p, strict=True) if int(np.argmax(row)) == 0]
    calm_r, calm_m = window_stats(calm[:80], calm[80:], B.repeats(calm)[80:])
    calm_r, calm_m = calm_r[200:], calm_m[200:]  # after a warm-up
    print("calm", len(calm_r), "R max", calm_r.max().round(3), "p99.9", np.percentile(calm_r, 99.9).round(3),
          "M max", calm_m.max().round(3), round(time.time() - t0), flush=True)
    res: dict[str, list[dict]] = {}
    for s in streams:
        rep = B.repeats(s.profile_texts + s.texts)[len(s.profile_texts):]
        r, m = window_stats(s.profile_texts, s.texts, rep)
        sw = s.switch
        row = {}
        for name, x, cal in (("R", r, calm_r), ("M", m, calm_m)):
            line = cal.max()
            pre, post = x[100:sw], x[sw:sw + 50]  # after the warm-up and before the switch; the 50 after it
            row[name] = {"hit50": bool((post > line).any()), "before": bool((pre > line).any()),
                         "pre_mean": float(pre.mean()), "post50": float(x[min(sw + 49, len(x) - 1)])}
        res.setdefault(s.family, []).append(row)
    for fam, rows in res.items():
        for name in ("R", "M"):
            print(fam, name, "hit within 50", sum(r[name]["hit50"] for r in rows), "/", len(rows), "before",
                  sum(r[name]["before"] for r in rows), "pre", round(np.median([r[name]["pre_mean"] for r in rows]), 3),
                  "post50", round(np.median([r[name]["post50"] for r in rows]), 3))
    print(round(time.time() - t0), "s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
