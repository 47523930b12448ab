"""Per-message topic scores (model/topic_profile.py) on topic-labelled toutiao titles, against baselines.

    python bench/bench_topic.py [--split report|dev] [--seeds 3]

For each toutiao category A (14; `stock` has 35 titles and is left out): a profile from 100 random
titles of A, then the AUC of A vs not-A over 300 other titles of A and 600 titles of the other
categories. Repeated over seeds. Methods:
- topic_profile: what ships (lexical log-odds vs background + centred LSA similarity);
  ablations: its lexical half only, its semantic half only;
- tfidf_centroid: plain TF-IDF (jieba words, idf from the 100 profile titles, sublinear tf) and the
  cosine to the profile's centroid; tfidf_centroid_bg_idf: the same with idf from the shipped background;
- lexical_overlap: the share of a title's words that occur anywhere in the profile (trivial baseline).
Titles are split in two halves by a stable hash of the text: `dev` (where choices were tuned) and
`report` (the figures). toutiao_titles is never read by the background (data/topic_background.py).
Also measured: confidence of everyday chit-chat, and cost per message of score() and update().
Writes bench/results/topic.json and bench/results/topic_auc.png.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qunguard.data.build import DEFAULT_RAW
from qunguard.data.sources import read_qq_scu_group_2017, read_toutiao_titles
from qunguard.data.topic_background import text_half
from qunguard.model.normalize import normalize
from qunguard.model.topic_profile import DriftDetector, TopicProfile, background, message_words

RESULTS = ROOT / "bench" / "results"
NAMES = {"0": "story", "1": "culture", "2": "entertainment", "3": "sports", "4": "finance", "5": "house",
         "6": "car", "7": "edu", "8": "tech", "9": "military", "10": "travel", "11": "world",
         "13": "agriculture", "14": "game"}
CHITCHAT = ["好的", "哈哈", "哈哈哈哈", "在吗", "[表情]", "[图片]", "嗯嗯", "收到", "谢谢", "晚安", "666", "？？？", "是的", "好吧",
            "我也是", "哈哈哈笑死我了", "对啊"]


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    from scipy.stats import rankdata

    r = rankdata(np.concatenate([pos, neg]))
    return float((r[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def titles(raw: Path, split: str) -> dict[str, list[str]]:
    """Normalised titles per category in one half; titles seen with two labels are dropped."""
    labels: dict[str, set[str]] = defaultdict(set)
    text_of: dict[str, str] = {}
    for row in read_toutiao_titles(raw):
        if row.raw_label in NAMES and text_half(row.text) == (1 if split == "report" else 0):
            t = normalize(row.text).text
            labels[t].add(row.raw_label)
            text_of[t] = t
    out: dict[str, list[str]] = defaultdict(list)
    for t in sorted(labels):
        if len(labels[t]) == 1:
            out[next(iter(labels[t]))].append(t)
    return out


# -- baselines --------------------------------------------------------------------------------
def _tfidf_vec(words: list[str], idf) -> dict[str, float]:
    v = {w: (1 + math.log(c)) * idf(w) for w, c in Counter(words).items()}
    n = math.sqrt(sum(a * a for a in v.values())) or 1.0
    return {w: a / n for w, a in v.items()}


def tfidf_centroid(profile: list[list[str]], test: list[list[str]], background_idf: bool) -> np.ndarray:
    if background_idf:
        bg = background()

        def idf(w: str) -> float:
            return bg.idf(w) + 1
    else:
        df = Counter(w for d in profile for w in set(d))
        n = len(profile)

        def idf(w: str) -> float:
            return math.log((n + 1) / (df.get(w, 0) + 1)) + 1
    centroid: Counter[str] = Counter()
    for d in profile:
        for w, a in _tfidf_vec(d, idf).items():
            centroid[w] += a / len(profile)
    return np.array([sum(a * centroid.get(w, 0.0) for w, a in _tfidf_vec(d, idf).items()) for d in test])


def lexical_overlap(profile: list[list[str]], test: list[list[str]]) -> np.ndarray:
    vocab = {w for d in profile for w in d}
    return np.array([len(set(d) & vocab) / len(set(d)) if d else 0.0 for d in test])


def topic_halves(prof: TopicProfile, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The lexical and semantic halves of the raw score, for the ablation."""
    lex, sem, _ = prof.halves(texts)
    return lex / prof.refs[0], sem / prof.refs[1]


# -- the measurement --------------------------------------------------------------------------
def run_auc(raw: Path, split: str, seeds: int, n_profile: int = 100, n_pos: int = 300, n_neg: int = 600) -> dict:
    data = titles(raw, split)
    words = {t: message_words(t) for ts in data.values() for t in ts}
    per: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for cat in sorted(data, key=int):
        others = [t for c in data if c != cat for t in data[c]]
        for seed in range(seeds):
            rng = random.Random(f"{cat}/{seed}")
            own = data[cat][:]
            rng.shuffle(own)
            prof_t, pos, neg = own[:n_profile], own[n_profile:n_profile + n_pos], rng.sample(others, n_neg)
            prof = TopicProfile.from_texts(prof_t)
            sp, sn = prof.score(pos)[0], prof.score(neg)[0]
            lp, ep = topic_halves(prof, pos)
            ln, en = topic_halves(prof, neg)
            pw, tw, nw = [words[t] for t in prof_t], [words[t] for t in pos], [words[t] for t in neg]
            res = per[NAMES[cat]]
            res["topic_profile"].append(auc(sp, sn))
            res["topic_profile_lexical_only"].append(auc(lp, ln))
            res["topic_profile_semantic_only"].append(auc(ep, en))
            res["tfidf_centroid"].append(auc(tfidf_centroid(pw, tw, False), tfidf_centroid(pw, nw, False)))
            res["tfidf_centroid_bg_idf"].append(auc(tfidf_centroid(pw, tw, True), tfidf_centroid(pw, nw, True)))
            res["lexical_overlap"].append(auc(lexical_overlap(pw, tw), lexical_overlap(pw, nw)))
    methods = list(next(iter(per.values())))
    table = {m: {c: round(float(np.mean(v[m])), 4) for c, v in per.items()} for m in methods}
    mean = {m: round(float(np.mean([x for v in per.values() for x in v[m]])), 4) for m in methods}
    return {"split": split, "seeds": seeds, "profile_titles": n_profile, "positives": n_pos, "negatives": n_neg,
            "mean_auc": mean, "per_category": table}


def run_confidence(raw: Path, profile: TopicProfile) -> dict:
    """Confidence of everyday chit-chat, and of the real QQ group's messages by length."""
    _, conf = profile.score([normalize(t).text for t in CHITCHAT])
    qq = [normalize(r.text).text for r in read_qq_scu_group_2017(raw)][:5000]
    _, qconf = profile.score(qq)
    lens = np.array([len(t) for t in qq])
    by_len = {}
    for lo, hi in ((0, 3), (3, 6), (6, 12), (12, 30), (30, 10**6)):
        m = (lens >= lo) & (lens < hi)
        by_len[f"{lo}-{hi if hi < 10**6 else ''}"] = {"n": int(m.sum()), "mean_confidence": round(float(qconf[m].mean()), 3)}
    return {"chitchat": {t: round(float(c), 3) for t, c in zip(CHITCHAT, conf, strict=True)},
            "qq_group_first_5000_by_length_chars": by_len}


def run_cost(raw: Path, profile: TopicProfile) -> dict:
    """CPU time (process time: this machine is shared), after a warm-up."""
    qq = [normalize(r.text).text for r in read_qq_scu_group_2017(raw)][:5000]
    profile.score(qq[:100])  # warm
    out = {}
    for name, batch in (("one_message_per_call", 1), ("batch_of_100", 100)):
        t0 = time.process_time()
        for i in range(0, 2000, batch):
            profile.score(qq[i:i + batch])
        out[f"score_us_per_message_{name}"] = round((time.process_time() - t0) / 2000 * 1e6, 1)
    det = DriftDetector()
    state = det.new_state(baseline=profile.baseline)
    t0 = time.process_time()
    for i in range(100_000):
        det.update(state, 0.5, 0.7, 1000.0 + i)
    out["drift_update_us"] = round((time.process_time() - t0) / 100_000 * 1e6, 2)
    t0 = time.process_time()
    TopicProfile.from_texts(qq[:80])
    out["from_texts_80_messages_ms"] = round((time.process_time() - t0) * 1e3, 1)
    from qunguard.model.topic_profile import Background

    t0 = time.process_time()
    Background.load()
    out["background_load_ms"] = round((time.process_time() - t0) * 1e3, 1)
    out["profile_json_bytes_80_messages"] = len(json.dumps(TopicProfile.from_texts(qq[:80]).to_json(), ensure_ascii=False).encode())
    return out


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = result["auc"]["per_category"]
    cats = list(table["topic_profile"])
    methods = ["topic_profile", "tfidf_centroid_bg_idf", "tfidf_centroid", "lexical_overlap"]
    fig, ax = plt.subplots(figsize=(11, 4))
    width = 0.2
    for i, m in enumerate(methods):
        ax.bar(np.arange(len(cats)) + (i - 1.5) * width, [table[m][c] for c in cats], width,
               label=f"{m} (mean {result['auc']['mean_auc'][m]:.3f})")
    ax.axhline(0.85, color="k", lw=0.8, ls="--")
    ax.set_xticks(np.arange(len(cats)), cats, rotation=30)
    ax.set_ylim(0.5, 1.06)
    ax.set_ylabel("AUC, A vs not-A")
    ax.set_title(f"Topic score per message, toutiao titles ({result['auc']['split']} half), profile from 100 titles")
    ax.legend(fontsize=8, loc="upper center", ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raw", type=Path, default=DEFAULT_RAW)
    ap.add_argument("--split", choices=("report", "dev"), default="report")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=RESULTS / "topic.json")
    a = ap.parse_args(argv)
    t0 = time.time()
    result: dict = {"auc": run_auc(a.raw, a.split, a.seeds)}
    print(json.dumps(result["auc"]["mean_auc"], indent=1))
    qq = [normalize(r.text).text for r in read_qq_scu_group_2017(a.raw)]
    profile = TopicProfile.from_texts(qq[:80])
    result["confidence"] = run_confidence(a.raw, profile)
    result["cost"] = run_cost(a.raw, profile)
    result["seconds"] = round(time.time() - t0, 1)
    print(json.dumps({k: result[k] for k in ("confidence", "cost")}, indent=1, ensure_ascii=False))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if a.split == "report":
        plot(result, a.out.with_name("topic_auc.png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
