"""Tried, not shipped: per-message representations for topic drift. The best mix became a drift score
(bench/tried/drift_score_lm_novelty.patch, on f0dfd72: `git apply` it to re-run bench_drift.py with it); its
report half caught 58 of 80 abrupt switches within 50 messages against 57, real groups 11/20 against 9/20,
0 calm QQ alerts against 1, but fewer gradual drifts (detected at all 59/80 against 67/80), one title pair
lost, twice the cost per message and ~24 MB more a process: within noise on what it gains, so not shipped.
drift_representations.out: this script's output with s16's classifier choosing the legitimate messages;
drift_representations_s17.out: with s17's (the mix's tune-half gain shrinks to 69.2 % against 67.9 %).

    python bench/tried/drift_representations.py        (~10 min: streams, five scorers side by side, the mixes)

Tune half of bench_drift.py's switches and the QQ group's stretch before QQ_SCU_HELDOUT_FROM only. Scorers,
each with the service's slow absorbs: the shipped topic score ("ship"); novelty, the share of a message's
informative words the (absorbed) profile lacks, plain ("nov") or weighted by word information ("novi"); a
smoothed character unigram + next-character LM of the profile against the background, log P_profile -
log P_background per character, ranked among the profile's own left-out texts ("lm": priors 100/5, "lm3":
300/20). Mixes average their x = 1 - score. For each mix: the switch evidence per confident message by
family (bench_drift.switch_evidence, a histogram KL), and over a detector grid, the best share of abrupt
switches caught within 50 messages with <= 1 alert on the QQ stretch and at most 2, 3, 4 tune streams with
an alert before their switch (today's detector over the topic score: 2). Findings (README, drift): the LM
alone loses titles; novelty alone or the LM alone, averaged with the topic score, catch more real-group
and danmaku switches but raise alerts before the switch; the three averaged ("avg3 ship lm3 novi") is
drift_score, with max_z 1.5 and slack 0.25.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import itertools
import json
import math
import re
import time
from collections import Counter

import bench_drift as bd
import numpy as np

from qunguard.model import topic_profile as tp
from qunguard.model.topic_profile import DriftDetector, TopicProfile, _confidence, _Parsed, background

C: dict = {}


def load_corpora() -> None:
    """The bench's streams (texts only) and the QQ log's legitimate messages, as bench_drift.py builds them."""
    from datetime import datetime

    from qunguard.model.normalize import normalize
    raw = bd.DEFAULT_RAW
    legit = bd.Legit()
    streams = bd.all_streams(raw, legit)
    for s in streams:
        s.repeat = bd.repeats(s.profile_texts + s.texts)[len(s.profile_texts):]
    log = bd.qq_log(raw)
    texts = [normalize(m["text"]).text for m in log]
    keep = [i for i, t in enumerate(texts) if t.strip()]
    p = legit.clf.predict_proba([log[i]["text"] for i in keep])
    idx = [i for i, row in zip(keep, p, strict=True) if int(np.argmax(row)) == 0]
    C["streams"] = streams
    C["qq"] = {"texts": [texts[i] for i in idx], "ts": [datetime.fromisoformat(log[i]["ts"]).timestamp() for i in idx],
               "ts_iso": [log[i]["ts"] for i in idx], "heldout_from": bd.QQ_SCU_HELDOUT_FROM}
FAMS = ("toutiao", "reviews", "danmaku", "real_groups")


def score_stream(s, build):
    m = build(s.profile_texts)
    sc, cf = [], []
    for start in range(0, len(s.texts), bd.ABSORB_MIN):
        pile = s.texts[start:start + bd.ABSORB_MIN]
        a, b = m.score(pile)
        sc += list(a); cf += list(b)
        if len(pile) == bd.ABSORB_MIN:
            m.absorb(pile, bd.ABSORB_RATE)
    return m.baseline, np.array(sc, float), np.array(cf, float)


def replay_qq(build, until=None):
    """The QQ log through a scorer with the service's absorbs: (baseline or None, times, each message's score()
    output, repeats)."""
    q = C["qq"]
    n = len(q["texts"]) if until is None else sum(t < until for t in q["ts_iso"])
    texts, ts = q["texts"][:n], q["ts"][:n]
    m = build(texts[:bd.LEARN])
    rep = bd.repeats(texts)[bd.LEARN:]
    pile, last = [], ts[bd.LEARN - 1]
    out = []
    for j in range(bd.LEARN, n):
        out.append(m.score([texts[j]]))
        if len(pile) < bd.ABSORB_PILE:
            pile.append(texts[j])
        if len(pile) >= bd.ABSORB_MIN and ts[j] - last >= bd.ABSORB_EVERY_S:
            m.absorb(pile, bd.ABSORB_RATE)
            pile, last = [], ts[j]
    return (None if m.low_confidence else m.baseline), np.array(ts[bd.LEARN:n]), out, rep


def score_qq(build, until=None):
    base, ts, out, rep = replay_qq(build, until)
    return base, ts, np.array([float(a[0]) for a, _ in out]), np.array([float(b[0]) for _, b in out]), rep


def run(det, base, sc, cf, rep, ts=None):
    st = det.new_state(baseline=base)
    out = []
    for i in range(len(sc)):
        t = ts[i] if ts is not None else 1_000_000.0 + i * bd.STEP_S
        out.append(det.update(st, sc[i], cf[i], t, repeat=rep[i])[1])
    return out


def n_on(al):
    return sum(1 for a, p in zip(al, [False] + al[:-1], strict=False) if a and not p)


def evidence(streams, scored):
    out = {}
    for f in FAMS:
        kl = []
        for s, (_b, sc, cf) in zip(streams, scored, strict=False):
            if s.family == f and s.kind == "abrupt":
                s.score, s.conf = sc, cf
                k = bd.switch_evidence(s)
                if k is not None:
                    kl.append(k)
        out[f] = round(float(np.median(kl)), 3)
    return out


GRID = list(itertools.product((8.0, 10.0, 12.0, 15.0), (0.75, 1.0, 1.5, 100.0), (0.0, 0.1, 0.25)))



def stream_outcomes(det, streams, scored) -> tuple[dict, list, list]:
    """Per family, abrupt switches caught within 50; the delays of gradual drifts caught; per abrupt stream,
    whether an alert came before its switch."""
    fams, gd, fb = {f: [] for f in FAMS}, [], []
    for s, (b, sc, cf) in zip(streams, scored, strict=False):
        al = run(det, b, sc, cf, s.repeat)
        d = bd.first_alert(al, s.switch)
        if s.kind == "abrupt":
            fams[s.family].append(d is not None and d <= bd.WITHIN)
            fb.append(any(al[:s.switch]))
        elif d is not None:
            gd.append(d)
    return fams, gd, fb

def evaluate(name, build, split="tune", grid=GRID, verbose=False):
    t0 = time.time()
    streams = [s for s in C["streams"] if s.split == split]
    scored = [score_stream(s, build) for s in streams]
    qq = score_qq(build, until=C["qq"]["heldout_from"] if split == "tune" else None)
    t1 = time.time()
    ev = evidence(streams, scored)
    res = []
    for thr, mz, slack in grid:
        det = DriftDetector(threshold=thr, max_z=mz, slack=slack)
        qa = n_on(run(det, qq[0], qq[2], qq[3], qq[4], qq[1]))
        fams, gd, fb = stream_outcomes(det, streams, scored)
        allw = [x for v in fams.values() for x in v]
        res.append({"thr": thr, "max_z": mz, "slack": slack, "qq_alerts": qa, "within50": round(float(np.mean(allw)), 3),
                    **{f: round(float(np.mean(v)), 2) for f, v in fams.items()},
                    "false_before": round(float(np.mean(fb)), 3), "gradual_med": float(np.median(gd)) if gd else None})
    ok = [r for r in res if r["qq_alerts"] <= 1]
    ok.sort(key=lambda r: (-r["within50"], r["false_before"]))
    shipped = [r for r in res if r["thr"] == 8.0 and r["max_z"] == 0.75 and r["slack"] == 0.0]
    print(json.dumps({"variant": name, "evidence": ev, "score_s": round(t1 - t0), "qq_n": len(qq[2]),
                      "shipped_det": shipped[0] if shipped else None, "best_ok": ok[:3]}), flush=True)
    if verbose:
        for r in res:
            print(json.dumps(r))
    return res


# -- components computed once, mixed later ------------------------------------------------------
class Multi:
    """Runs several models side by side on the same texts (same absorb schedule)."""
    def __init__(self, builds, texts):
        self.ms = {k: b(texts) for k, b in builds.items()}
        self.low_confidence = self.ms["ship"].low_confidence
        self.baseline = {k: m.baseline for k, m in self.ms.items()}

    def score(self, texts):
        out = {k: m.score(texts) for k, m in self.ms.items()}
        return [{k: (float(v[0][i]), float(v[1][i])) for k, v in out.items()} for i in range(len(texts))], [0] * len(texts)

    def absorb(self, texts, rate):
        for m in self.ms.values():
            m.absorb(texts, rate)


def components(builds, split="tune"):
    streams = [s for s in C["streams"] if s.split == split]
    build = lambda texts: Multi(builds, texts)
    out = []
    for s in streams:
        base, sc, _ = score_stream_obj(s, build)
        out.append((base, sc))
    qq = score_qq_obj(build, until=C["qq"]["heldout_from"] if split == "tune" else None)
    return streams, out, qq


def score_stream_obj(s, build):
    m = build(s.profile_texts)
    sc = []
    for start in range(0, len(s.texts), bd.ABSORB_MIN):
        pile = s.texts[start:start + bd.ABSORB_MIN]
        sc += m.score(pile)[0]
        if len(pile) == bd.ABSORB_MIN:
            m.absorb(pile, bd.ABSORB_RATE)
    return m.baseline, sc, None


def score_qq_obj(build, until=None):
    base, ts, out, rep = replay_qq(build, until)
    return base, ts, [x for o in out for x in o[0]], rep


def eval_mix(name, streams, comps, qq, mix, grid=GRID, max_false=0.05):
    """mix(dict of name -> (score array, conf array), dict of baselines) -> (score, conf, baseline)."""
    def arr(sc):
        keys = sc[0].keys()
        return {k: (np.array([d[k][0] for d in sc]), np.array([d[k][1] for d in sc])) for k in keys}
    scored = []
    for base, sc in comps:
        x, c, b = mix(arr(sc), base)
        scored.append((b, x, c))
    qb, qts, qsc, qrep = qq
    qx, qc, qbase = mix(arr(qsc), qb if qb is not None else None)
    if qb is None:
        qbase = None
    ev = evidence(streams, scored)
    res = []
    for thr, mz, slack in grid:
        det = DriftDetector(threshold=thr, max_z=mz, slack=slack)
        qa = n_on(run(det, qbase, qx, qc, qrep, qts))
        fams, gd, fb = stream_outcomes(det, streams, scored)
        allw = [x for v in fams.values() for x in v]
        fbf = {}
        for s, f_ in zip([s for s in streams if s.kind == "abrupt"], fb, strict=False):
            fbf[s.family] = fbf.get(s.family, 0) + int(f_)
        res.append({"thr": thr, "max_z": mz, "slack": slack, "qq_alerts": qa, "within50": round(float(np.mean(allw)), 3),
                    **{f: round(float(np.mean(v)), 2) for f, v in fams.items()},
                    "false_before": round(float(np.mean(fb)), 3), "fb_n": fbf, "gradual_med": float(np.median(gd)) if gd else None})
    ok = [r for r in res if r["qq_alerts"] <= 1 and r["false_before"] <= max_false]
    ok.sort(key=lambda r: (-r["within50"], r["false_before"]))
    shipped = [r for r in res if r["thr"] == 8.0 and r["max_z"] == 0.75 and r["slack"] == 0.0]
    print(json.dumps({"variant": name, "evidence": ev, "score_s": 0,
                      "shipped_det": shipped[0] if shipped else None, "best_ok": ok[:3]}), flush=True)
    return res


# -- scorers --------------------------------------------------------------------------------------
_RUN = re.compile(r"[\u4e00-\u9fff]+")


class BgChars:
    """Background char unigram and conditional bigram probabilities from the background's bigram df."""
    def __init__(self, bg, beta=100.0):
        keys = bg.bigrams.astype(np.int64)
        df = bg.bigram_df.astype(np.float64)
        a, b = keys >> 21, keys & 0x1FFFFF
        hist, right = Counter(), Counter()
        for x, y, d in zip(a.tolist(), b.tolist(), df.tolist(), strict=False):
            hist[x] += d
            right[y] += d
        uni = {c: max(hist.get(c, 0.0), right.get(c, 0.0)) for c in set(hist) | set(right)}
        tot = sum(uni.values()) + len(uni)
        self.p_floor = 0.5 / tot
        self.p1 = {c: (v + 0.5) / tot for c, v in uni.items()}
        self.hist = dict(hist)
        self.df2 = dict(zip(keys.tolist(), df.tolist(), strict=False))
        self.beta = beta

    def p(self, c):
        return self.p1.get(c, self.p_floor)

    def cond(self, a, b):
        return (self.df2.get(a << 21 | b, 0.0) + self.beta * self.p(b)) / (self.hist.get(a, 0.0) + self.beta)


_BGC = None


def bgc():
    global _BGC
    if _BGC is None:
        _BGC = BgChars(background())
    return _BGC


def units(text):
    """(first chars of runs, distinct bigram keys) of a text's Chinese runs."""
    firsts, grams = [], set()
    for run in _RUN.findall(text):
        cps = [ord(ch) for ch in run]
        firsts.append(cps[0])
        grams.update(a << 21 | b for a, b in itertools.pairwise(cps))
    return firsts, grams


class CharLM:
    """Smoothed char unigram+bigram LM of the profile against the background (backed off to its own
    unigram, which backs off to the background's). llr(text) = log P_prof - log P_bg per char."""
    MU1, MU2 = 300.0, 20.0
    CAP1, CAP2 = 4000, 8000
    norm = "mean"

    def __init__(self, texts):
        self.bg = background()
        self.bc = bgc()
        self.n1, self.n2, self.nh = Counter(), Counter(), Counter()
        self.N = 0.0
        self.n_texts = 0
        parsed = [self._count(t) for t in texts]
        for u in parsed:
            self._add(u, 1.0)
        self.low_confidence = len(texts) < tp.LOW_CONFIDENCE_TEXTS
        loo = []
        confs = []
        for t, u in zip(texts, parsed, strict=False):
            if not u[0]:
                continue
            self._add(u, -1.0)
            loo.append(self._llr(u))
            self._add(u, 1.0)
            confs.append(_confidence(_Parsed(t, self.bg).info))
        self.ref = np.sort(np.array(loo)) if loo else np.zeros(1)
        sc = self._to_score(np.array(loo)) if loo else np.array([0.5])
        confs = np.array(confs) if loo else np.array([1.0])
        self.baseline = float(np.average(1 - sc, weights=confs) if confs.sum() > 0 else np.mean(1 - sc))

    def _count(self, text):
        chars, grams = Counter(), Counter()
        for run in _RUN.findall(text):
            cps = [ord(ch) for ch in run]
            chars.update(set(cps))
            grams.update(a << 21 | b for a, b in itertools.pairwise(cps))
        grams = Counter(set(grams))
        hist = Counter(g >> 21 for g in grams)
        return chars, grams, hist

    def _add(self, u, w):
        chars, grams, hist = u
        for c in chars:
            self.n1[c] += w
        for g in grams:
            self.n2[g] += w
        for h, k in hist.items():
            self.nh[h] += w * k
        self.N += w * len(chars)

    def _llr(self, u):
        chars, grams, _hist = u
        bc, n1, n2, nh, N = self.bc, self.n1, self.n2, self.nh, self.N
        mu1, mu2 = self.MU1, self.MU2
        pa = {}
        tot, n = 0.0, 0
        for c in chars:
            pb = bc.p(c)
            p = (n1.get(c, 0.0) + mu1 * pb) / (N + mu1)
            pa[c] = p
        # a char that starts no bigram in this message (a run start or single) counts by its unigram;
        # chars that follow another count by their conditional
        followers = {g & 0x1FFFFF for g in grams}
        for c in chars:
            if c not in followers:
                tot += math.log(pa[c] / bc.p(c)); n += 1
        for g in grams:
            a, b = g >> 21, g & 0x1FFFFF
            p = (n2.get(g, 0.0) + mu2 * pa[b]) / (nh.get(a, 0.0) + mu2)
            tot += math.log(p / bc.cond(a, b)); n += 1
        if not n:
            return 0.0
        return tot / n if self.norm == "mean" else tot / math.sqrt(n)

    def _to_score(self, llr):
        return np.searchsorted(self.ref, llr, side="right") / len(self.ref)

    def score(self, texts):
        llr = np.array([self._llr(self._count(t)) for t in texts])
        has = np.array([bool(_RUN.search(t)) for t in texts])
        sc = np.where(has, self._to_score(llr), 1.0)
        conf = np.array([_confidence(_Parsed(t, self.bg).info) for t in texts])
        return sc, np.where(has, conf, 0.0)

    def absorb(self, texts, rate):
        us = [self._count(t) for t in texts]
        us = [u for u in us if u[0]]
        if not us or rate == 0:
            return
        share = rate * self.n_texts_mass() / len(us)
        keep = 1 - rate
        for d in (self.n1, self.n2, self.nh):
            for k in list(d):
                d[k] *= keep
        self.N *= keep
        for u in us:
            self._add(u, share)
        self.n_texts += len(us)
        for d, cap in ((self.n1, self.CAP1), (self.n2, self.CAP2)):
            small = [k for k, v in d.items() if v < 0.05]
            for k in small:
                del d[k]
            if len(d) > cap:
                for k, _ in sorted(d.items(), key=lambda kv: kv[1])[:len(d) - cap]:
                    del d[k]

    def n_texts_mass(self):
        return getattr(self, "_mass", 80.0)


def charlm(mu1=300.0, mu2=20.0, norm="mean"):
    def build(texts):
        cls = type("CL", (CharLM,), {"MU1": mu1, "MU2": mu2, "norm": norm})
        return cls(texts)
    return build


def loo_novelty(p, texts) -> float:
    """Mean novelty of the profile's own texts, each left out in turn (0.5 with none)."""
    seen = [set(p.terms(t)) for t in texts]
    nov = []
    for i, s in enumerate(seen):
        if s:
            rest = set().union(*(seen[:i] + seen[i + 1:]))
            nov.append(1 - sum(t in rest for t in s) / len(s))
    return float(np.mean(nov)) if nov else 0.5


def novelty(p, texts) -> list[float]:
    """Per text, the share of its terms the (absorbed) profile lacks."""
    vocab = p.word_df
    out = []
    for t in texts:
        terms = p.terms(t)
        out.append(sum(w not in vocab for w in terms) / len(terms) if terms else 0.0)
    return out


class Combo:
    """The shipped score combined with novelty (share of informative words the profile lacks)."""
    def __init__(self, texts, w, mode):
        self.p = TopicProfile.from_texts(texts)
        self.w, self.mode = w, mode
        self.low_confidence = self.p.low_confidence
        # baseline: shipped LOO baseline, novelty part from LOO on profile texts
        n0 = loo_novelty(self.p, texts)
        b = self.p.baseline
        self.baseline = self._mix_x(b, n0)

    def _mix_x(self, x, nov):
        if self.mode == "avg":
            return (1 - self.w) * x + self.w * nov
        return 1 - (1 - x) * (1 - self.w * nov)

    def score(self, texts):
        sc, cf = self.p.score(texts)
        x = self._mix_x(1 - sc, np.array(novelty(self.p, texts)))
        return 1 - x, cf

    def absorb(self, texts, rate):
        self.p.absorb(texts, rate)


def combo(w, mode="avg"):
    return lambda texts: Combo(texts, w, mode)


class Nov:
    """Novelty alone as a 'score' (1 - share of informative words the (absorbed) profile lacks), with the
    shipped profile's confidence; its own profile object (absorbs the same piles)."""
    def __init__(self, texts):
        self.p = TopicProfile.from_texts(texts)
        self.low_confidence = self.p.low_confidence
        self.baseline = loo_novelty(self.p, texts)

    def score(self, texts):
        return 1 - np.array(novelty(self.p, texts)), np.ones(len(texts))

    def absorb(self, texts, rate):
        self.p.absorb(texts, rate)


class NovI(Nov):
    """Novelty weighted by each word's information (bg.word_info): the share of a message's topic
    information in words the profile lacks."""
    def __init__(self, texts):
        self.p = TopicProfile.from_texts(texts)
        self.low_confidence = self.p.low_confidence
        info = self.p.bg.word_info
        seen = [set(self.p.terms(t)) for t in texts]
        nov = []
        for i, s in enumerate(seen):
            if s:
                rest = set().union(*(seen[:i] + seen[i + 1:]))
                tot = sum(info(t) for t in s)
                nov.append(sum(info(t) for t in s if t not in rest) / tot)
        self.baseline = float(np.mean(nov)) if nov else 0.5

    def score(self, texts):
        vocab = self.p.word_df
        info = self.p.bg.word_info
        out = []
        for t in texts:
            terms = self.p.terms(t)
            tot = sum(info(w) for w in terms)
            out.append(1 - (sum(info(w) for w in terms if w not in vocab) / tot if tot > 0 else 0.0))
        return np.array(out), np.ones(len(texts))


# -- the mixes ------------------------------------------------------------------------------------
def mk(f):
    def mix(a, base):
        xs = {k: 1 - v[0] for k, v in a.items()}
        return 1 - f(xs), a["ship"][1], (f(base) if base is not None else None)
    return mix


MIXES = {
    "ship": lambda x: x["ship"],
    "lm3 alone": lambda x: x["lm3"],
    "mul nov .5": lambda x: 1 - (1 - x["ship"]) * (1 - 0.5 * x["nov"]),
    "mul nov .7": lambda x: 1 - (1 - x["ship"]) * (1 - 0.7 * x["nov"]),
    "mul novi .7": lambda x: 1 - (1 - x["ship"]) * (1 - 0.7 * x["novi"]),
    "avg ship novi": lambda x: (x["ship"] + x["novi"]) / 2,
    "avg ship lm": lambda x: (x["ship"] + x["lm"]) / 2,
    "avg ship lm3": lambda x: (x["ship"] + x["lm3"]) / 2,
    "avg3 ship lm novi": lambda x: (x["ship"] + x["lm"] + x["novi"]) / 3,
    "avg3 ship lm3 novi": lambda x: (x["ship"] + x["lm3"] + x["novi"]) / 3,
}
GRID2 = list(itertools.product((6.0, 8.0, 10.0, 12.0, 15.0), (0.75, 1.0, 1.5, 100.0), (0.0, 0.1, 0.25, 0.4)))


def main() -> None:
    import contextlib
    import io
    t0 = time.time()
    load_corpora()
    builds = {"ship": TopicProfile.from_texts, "nov": Nov, "novi": NovI, "lm": charlm(100.0, 5.0, "mean"),
              "lm3": charlm(300.0, 20.0, "mean")}
    streams, comps, qq = components(builds)
    print(f"scored ({time.time() - t0:.0f} s)", flush=True)
    for name, f in MIXES.items():
        with contextlib.redirect_stdout(io.StringIO()) as buf:
            res = eval_mix(name, streams, comps, qq, mk(f), grid=GRID2)
        line = {"evidence": json.loads(buf.getvalue())["evidence"]}
        for lim in (2, 3, 4):
            ok = [r for r in res if r["qq_alerts"] <= 1 and sum(r["fb_n"].values()) <= lim]
            ok.sort(key=lambda r: (-r["within50"], sum(r["fb_n"].values())))
            if ok:
                r = ok[0]
                line[f"false_before<={lim}"] = {k: r[k] for k in ("within50", *FAMS, "qq_alerts", "thr", "max_z", "slack",
                                                                  "gradual_med")}
        print(name, json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
