"""Tried at s30: character 4-grams (and 5-grams) beside the 1-3-grams.

    python bench/tried/char_ngrams.py --max-n 4 train --out DIR [train.py options]
    python bench/tried/char_ngrams.py --max-n 4 bench --model BASE --model DIR ...   # bench_candidates.py

Three code points fill an int64 key, so gram_keys() stops at 3. Here each longer gram gets a hashed key far below
the pinyin keys (which are -1 .. -2^27), so the vocabulary, tf-idf and the classifier treat them as any other
column. The same patch is applied when training and when scoring; a model trained without it has no such
columns, so scoring it with the patch changes nothing. Evidence spans skip these columns (a negative key has no
text), so reasons may name fewer spans: this measures accuracy only.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from qunguard.model import features

_plain_gram_keys = features.gram_keys
_FLOOR = 1 << 40  # hashed keys are -(FLOOR + h): disjoint from pinyin bigrams and from every packed 1-3-gram key
_MASK = (1 << 61) - 1
_MULT = np.int64(1_000_003)


def _long_gram_keys(norms, max_n: int, longest: int) -> tuple[np.ndarray, np.ndarray]:
    rows, keys = _plain_gram_keys(norms, max_n)
    cps, cp_rows = features._code_points([features.BOS + n.masked + features.EOS for n in norms])
    size = len(cps)
    extra_keys, extra_rows = [keys], [rows]
    with np.errstate(over="ignore"):  # int64 multiplication wraps: it is a hash
        for n in range(4, longest + 1):
            if size < n:
                break
            h = cps[: size - n + 1].copy()
            for j in range(1, n):
                h = (h * _MULT) ^ cps[j : size - n + 1 + j]
            h = (h * np.int64(n)) & _MASK  # the gram's length in the hash: a 4-gram and a 5-gram never share a key
            inside = cp_rows[: size - n + 1] == cp_rows[n - 1 :]
            extra_keys.append(-(_FLOOR + h[inside]))
            extra_rows.append(cp_rows[: size - n + 1][inside])
    return np.concatenate(extra_rows), np.concatenate(extra_keys)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] != "--max-n" or argv[2] not in ("train", "bench"):
        print(__doc__, file=sys.stderr)
        return 2
    longest, mode, rest = int(argv[1]), argv[2], argv[3:]
    if longest > 3:
        features.gram_keys = lambda norms, max_n: _long_gram_keys(norms, max_n, longest)
    if mode == "train":
        import train

        return train.main(rest)
    import bench_candidates

    return bench_candidates.main(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
