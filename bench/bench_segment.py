"""Agreement and speed of rjieba (jieba-rs) against jieba, both with our user dictionary.

    python bench/bench_segment.py [--n 20000]

Agreement is measured on the masked text the classifier segments: the share of
messages segmented identically, and the token-level F1 (tokens matched by
character span).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qunguard.model.dataset import read_jsonl_gz
from qunguard.model.normalize import normalize
from qunguard.model.segment import Segmenter


def spans(words: list[str]) -> set[tuple[int, int]]:
    out, i = set(), 0
    for w in words:
        out.add((i, i + len(w)))
        i += len(w)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()
    rows = read_jsonl_gz(ROOT / "data" / "test.jsonl.gz")
    rng = random.Random(3)
    texts = [normalize(ex.text).masked.replace(" ", "") for ex in rng.sample(rows, min(args.n, len(rows)))]
    rj, jb = Segmenter("rjieba"), Segmenter("jieba")
    timing = {}
    out = {}
    for name, seg in (("rjieba", rj), ("jieba", jb)):
        t = time.perf_counter()
        out[name] = [seg(x) for x in texts]
        timing[name] = (time.perf_counter() - t) / len(texts) * 1e6
    same = sum(a == b for a, b in zip(out["rjieba"], out["jieba"], strict=True))
    tp = fp = fn = 0
    for a, b in zip(out["rjieba"], out["jieba"], strict=True):
        sa, sb = spans(a), spans(b)
        tp += len(sa & sb)
        fp += len(sa - sb)
        fn += len(sb - sa)
    f1 = 2 * tp / (2 * tp + fp + fn)
    print(f"{len(texts):,} messages, mean {sum(map(len, texts)) / len(texts):.1f} chars")
    print(f"identical segmentation: {same / len(texts):.2%}; token F1 (jieba as reference): {f1:.4f}")
    print(f"rjieba {timing['rjieba']:.1f} µs/msg, jieba {timing['jieba']:.1f} µs/msg ({timing['jieba'] / timing['rjieba']:.1f}x)")
    diffs = [(t, a, b) for t, a, b in zip(texts, out["rjieba"], out["jieba"], strict=True) if a != b][:5]
    for t, a, b in diffs:
        print(f"  {t!r}\n    rjieba {a}\n    jieba  {b}")


if __name__ == "__main__":
    main()
