"""In-process speed of the classifier, per stage, against a pure-jieba pipeline and fastText.

    python bench/bench_classify.py [--n 20000] [--fasttext]

Runs on one core (BLAS threads pinned to 1). Messages are real held-out chat
lines from data/test.jsonl.gz, 15-80 characters by default (mean printed;
--min-chars 22 gives a mean of 39.9, the issue's "≈40 characters").
Prints a Markdown table; results are copied into README.md by hand.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import copy
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qunguard.model import artifact
from qunguard.model.classifier import MessageClassifier  # noqa: F401  (code imported before the load is timed)
from qunguard.model.dataset import read_jsonl_gz
from qunguard.model.guide_rules import guide_rule
from qunguard.model.normalize import normalize
from qunguard.model.pinyin import syllables
from qunguard.model.segment import Segmenter


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def messages(n: int, seed: int = 7, min_chars: int = 15, max_chars: int = 80) -> list[str]:
    rows = [ex.text for ex in read_jsonl_gz(ROOT / "data" / "test.jsonl.gz") if min_chars <= len(ex.text) <= max_chars]
    rng = random.Random(seed)
    return [rng.choice(rows) for _ in range(n)]


def cold_start_s() -> float:
    """Seconds from a fresh interpreter to a loaded model: imports (tables built at import) + load."""
    code = ("import time; t = time.perf_counter(); from qunguard.model import artifact; artifact.load(); "
            "print(time.perf_counter() - t)")
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def per_message_us(fn, items) -> float:
    t = time.perf_counter()
    for x in items:
        fn(x)
    return (time.perf_counter() - t) / len(items) * 1e6


def throughput(clf, texts, batch: int, explain: bool) -> float:
    t = time.perf_counter()
    for i in range(0, len(texts), batch):
        clf.classify_batch(texts[i : i + batch], explain=explain)
    return len(texts) / (time.perf_counter() - t)


def latency_ms(clf, texts) -> tuple[float, float]:
    times = []
    for x in texts:
        t = time.perf_counter()
        clf.classify(x)
        times.append(time.perf_counter() - t)
    a = np.array(times) * 1e3
    return float(np.percentile(a, 50)), float(np.percentile(a, 99))


def fasttext_row(texts: list[str]) -> list[str]:
    import tempfile

    import fasttext

    from qunguard.model.dataset import read_jsonl_gz
    from qunguard.model.evaluate import evaluate
    from qunguard.model.labels import LABELS

    seg = Segmenter("rjieba")

    def prep(t: str) -> str:
        return " ".join(seg(normalize(t).masked))

    train = read_jsonl_gz(ROOT / "data" / "train.jsonl.gz")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        for ex in train:
            fh.write(f"__label__{ex.label} {prep(ex.text)}\n")
    t = time.perf_counter()
    model = fasttext.train_supervised(fh.name, epoch=10, wordNgrams=2, minn=1, maxn=3, dim=50, thread=1, seed=1, verbose=0)
    train_s = time.perf_counter() - t
    os.unlink(fh.name)
    t = time.perf_counter()
    for x in texts:
        model.predict(prep(x), k=4)
    ft_rate = len(texts) / (time.perf_counter() - t)
    gold = read_jsonl_gz(ROOT / "data" / "gold" / "gold.jsonl.gz")
    proba = np.zeros((len(gold), len(LABELS)))
    for i, ex in enumerate(gold):
        labs, ps = model.predict(prep(ex.text), k=4)
        for lab, p in zip(labs, ps, strict=True):
            proba[i, LABELS.index(lab.replace("__label__", ""))] = p
    m = evaluate(proba, [ex.label for ex in gold])
    return [f"| fastText (same data, jieba words + char 1-3 subwords, 1 thread) | {ft_rate:,.0f} msg/s (one at a time) | gold macro-F1 {m['macro_f1']:.3f}, advertising F1 {m['per_class']['advertising']['f1']:.3f}; trained in {train_s:.0f} s |"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--fasttext", action="store_true", help="also train and time fastText on the same data")
    ap.add_argument("--min-chars", type=int, default=15)
    ap.add_argument("--max-chars", type=int, default=80)
    ap.add_argument("--model", type=Path, default=artifact.SHIPPED, help="model folder (default: the shipped one)")
    args = ap.parse_args()

    rss0 = rss_mb()
    t = time.perf_counter()
    clf, meta = artifact.load(args.model)
    load_s = time.perf_counter() - t
    texts = messages(args.n, min_chars=args.min_chars, max_chars=args.max_chars)
    t = time.perf_counter()
    clf.classify(texts[0])  # the first request after a start or a reload
    first_ms = (time.perf_counter() - t) * 1e3
    clf.classify_batch(texts[:200])  # warm caches
    rss_loaded = rss_mb()

    f = clf.featurizer
    norms = [normalize(x) for x in texts]
    stages = {
        "normalise": per_message_us(normalize, texts),
        "segment (rjieba)": per_message_us(f.segment_, [n.masked for n in norms]),
        "pinyin": per_message_us(syllables, [n.text for n in norms]),
        "word tokens (segment + bigrams + handles)": per_message_us(f.word_tokens, norms),
        "guide rules (model/guide_rules.py)": per_message_us(guide_rule, norms),
    }
    t = time.perf_counter()
    for i in range(0, len(norms), 1000):
        f.featurize(norms[i : i + 1000])
    vectorise = (time.perf_counter() - t) / len(norms) * 1e6
    stages["vectorise (all tokens + vocabulary lookup + tf-idf + shape), batches of 1000"] = vectorise
    t = time.perf_counter()
    for i in range(0, len(norms), 1000):
        clf.score(norms[i : i + 1000])
    score = (time.perf_counter() - t) / len(norms) * 1e6
    stages["score (vectorise + weights + softmax + labels), batches of 1000"] = score
    stages["predict (score - vectorise)"] = score - vectorise

    rows = [
        f"model {meta['model_version']}, {len(texts):,} messages, mean {np.mean([len(x) for x in texts]):.1f} chars, one core",
        "",
        "| stage | µs per message |",
        "|---|---|",
    ]
    rows += [f"| {k} | {v:.1f} |" for k, v in stages.items()]
    rows += ["", "| pipeline | throughput | other |", "|---|---|---|"]
    b_plain = throughput(clf, texts, 1000, explain=False)
    b_explain = throughput(clf, texts, 1000, explain=True)
    p50, p99 = latency_ms(clf, texts[:5000])
    rows.append(f"| QunGuard (rjieba), batches of 1000, label + scores | {b_plain:,.0f} msg/s | |")
    rows.append(f"| QunGuard (rjieba), batches of 1000, with reasons | {b_explain:,.0f} msg/s | |")
    rows.append(f"| QunGuard (rjieba), one message at a time, with reasons | {1000 / p50:,.0f} msg/s at p50 | p50 {p50:.3f} ms, p99 {p99:.3f} ms |")
    jieba_clf = copy.copy(clf)
    jieba_clf.featurizer = copy.copy(f)
    jieba_clf.featurizer.segment_ = Segmenter("jieba")
    b_jieba = throughput(jieba_clf, texts, 1000, explain=False)
    j50, j99 = latency_ms(jieba_clf, texts[:5000])
    rows.append(f"| same model, pure-Python jieba segmenter, batches of 1000 | {b_jieba:,.0f} msg/s | one at a time p50 {j50:.3f} ms, p99 {j99:.3f} ms |")
    if args.fasttext:
        rows += fasttext_row(texts)
    rows += ["", (f"model load {load_s:.2f} s, then the first message {first_ms:.1f} ms "
                  f"(cold start of a fresh process, imports included: {cold_start_s():.2f} s); "
                  f"RSS {rss0:.0f} MB before load, {rss_loaded:.0f} MB loaded, {rss_mb():.0f} MB at end")]
    print("\n".join(rows))


if __name__ == "__main__":
    main()
