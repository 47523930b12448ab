"""Build model/resources/topic_background.npz: the background statistics topic profiles weigh terms against.

    python -m qunguard.data.topic_background [--raw ../shared/data/raw]     (≈3 min, one core)

What it learns, only from ../shared/data/raw, and only from texts the topic and drift benches never
evaluate on (see `in_background`):
- document frequencies of content words and of Chinese character bigrams over ~300k messages, so
  a profile's terms can be weighed against how common they are anywhere (log-odds vs background);
- small word vectors (LSA: truncated SVD of the positive PMI of words co-occurring in a message),
  so a message can fit a profile through related words it does not share with it;
- the mean message vector of the background, which scoring subtracts (centring matters: every
  message vector shares a common direction).

Held out for the benches, never read here: toutiao_titles (topic AUC, switches), online_shopping_10cats
(switches), qq_scu_group_2017 (the real-group replay), qq_campus_adfilter (the second real group),
the odd-ranked danmaku pools and the four held-out pools of data/ (switches), and the odd-hash half of
lccc_toy, tg_spam_zh, game_chat_spam and game_ad_chat (real-chat switches). SMS spam corpora are capped
so that promotions do not dominate what "common" means.
"""
from __future__ import annotations

import argparse
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np

from qunguard.data.build import DEFAULT_RAW
from qunguard.data.mapping import clean_text
from qunguard.data.sources import READERS, RawRow
from qunguard.model.normalize import normalize
from qunguard.model.topic_profile import RESOURCE, bigram_keys, message_words

# danmaku pools data/ holds out for its own evaluation (data/build.py)
HELDOUT_POOLS = frozenset({"pool_307364844", "pool_307379343", "pool_307397843", "pool_307415843"})
WHOLE = ("thucnews_titles", "sms80w", "bili_flood_danmaku", "tieba_cyuyan_spam", "campus_qq_ads", "tg_channel_ads")
HALF = ("lccc_toy", "tg_spam_zh", "game_chat_spam", "game_ad_chat")  # even-hash half here, odd half for benches
CAPPED = {"chineseharm_bench": 4000, "fbs_sms": 4000, "mudou_spam": 4000}
NEVER = ("toutiao_titles", "online_shopping_10cats", "qq_scu_group_2017", "qq_campus_adfilter")

MIN_DF = 3          # terms kept in the table
VEC_MIN_DF = 10     # words that get a vector
DIMS = 128


def text_half(text: str) -> int:
    """0 or 1: which half of a corpus a text is in (background or bench), by a stable hash."""
    return zlib.crc32(text.encode("utf-8")) & 1


def danmaku_pools(root: Path) -> list[str]:
    return sorted("pool_" + p.stem for p in (root / "bili_danmaku_random" / "unmarked").glob("*.csv"))


def bench_pools(root: Path) -> list[str]:
    """The danmaku pools benches may evaluate on: odd-ranked ones (the even ones feed the background)."""
    return [p for i, p in enumerate(danmaku_pools(root)) if i % 2 == 1 or p in HELDOUT_POOLS]


@lru_cache(maxsize=4)
def _background_pools(root: Path) -> frozenset[str]:
    return frozenset(danmaku_pools(root)) - frozenset(bench_pools(root))


def in_background(row: RawRow, root: Path) -> bool:
    """Whether the background may learn from this raw row (benches evaluate only on rows where it is False)."""
    if row.source in WHOLE:
        return True
    if row.source in HALF:
        return text_half(row.text) == 0
    if row.source == "bili_danmaku_random":
        return row.raw_label in _background_pools(root)
    return row.source in CAPPED


def background_rows(root: Path) -> Iterator[str]:
    """Normalised texts of the background, de-duplicated, capped per CAPPED source."""
    seen: set[str] = set()
    for source, reader in READERS.items():
        if source in NEVER:
            continue
        rows = [r for r in reader(root) if in_background(r, root)]
        if source in CAPPED:  # a stable sample: the lowest hashes
            rows = sorted(rows, key=lambda r: zlib.crc32(r.text.encode("utf-8")))[: CAPPED[source]]
        for r in rows:
            text = normalize(clean_text(r)).text
            if text not in seen:
                seen.add(text)
                yield text


def build(root: Path, out: Path) -> dict:
    import scipy.sparse as sp
    from sklearn.decomposition import TruncatedSVD

    t0 = time.time()
    docs_w: list[set[str]] = []
    word_df: Counter[str] = Counter()
    bigram_df: Counter[int] = Counter()
    for text in background_rows(root):
        seen = set(message_words(text))
        if not seen:
            continue
        docs_w.append(seen)
        word_df.update(seen)
        bigram_df.update(set(bigram_keys(text)))
    n_docs = len(docs_w)
    words = sorted(w for w, c in word_df.items() if c >= MIN_DF)
    grams = sorted(k for k, c in bigram_df.items() if c >= MIN_DF)
    print(f"{n_docs} background messages, {len(words)} words, {len(grams)} bigrams ({time.time() - t0:.0f} s)")

    # word vectors: PPMI of words sharing a message, truncated SVD, rows scaled by sqrt of the singular values
    vocab = [w for w in words if word_df[w] >= VEC_MIN_DF]
    col = {w: i for i, w in enumerate(vocab)}
    rows, cols = [], []
    for i, d in enumerate(docs_w):
        for w in d:
            j = col.get(w)
            if j is not None:
                rows.append(i)
                cols.append(j)
    X = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n_docs, len(vocab)))
    co = (X.T @ X).tocoo()
    df = np.asarray(X.sum(0)).ravel()
    pmi = np.log(co.data * n_docs / (df[co.row] * df[co.col]))
    keep = (pmi > 0) & (co.row != co.col)
    M = sp.csr_matrix((pmi[keep].astype(np.float32), (co.row[keep], co.col[keep])), shape=co.shape)
    svd = TruncatedSVD(DIMS, algorithm="randomized", n_iter=5, random_state=0)
    U = svd.fit_transform(M) / np.sqrt(svd.singular_values_)
    U /= np.linalg.norm(U, axis=1, keepdims=True) + 1e-9
    scale = np.maximum(np.abs(U).max(axis=1), 1e-6) / 127.0  # int8 per row; an all-zero row stays zero
    q = np.round(U / scale[:, None]).astype(np.int8)
    print(f"vectors {q.shape} ({time.time() - t0:.0f} s)")

    index = {w: i for i, w in enumerate(words)}
    arrays = {
        "n_docs": np.array(n_docs, dtype=np.int64),
        "words": np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
        "word_df": np.array([word_df[w] for w in words], dtype=np.uint32),
        "bigrams": np.array(grams, dtype=np.int64),
        "bigram_df": np.array([bigram_df[k] for k in grams], dtype=np.uint32),
        "vec_words": np.array([index[w] for w in vocab], dtype=np.int32),
        "vectors": q,
        "vec_scale": scale.astype(np.float32),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    # the background's mean message vector needs the table itself: computed by loading what was written
    from qunguard.model.topic_profile import Background

    bg = Background.load(out, center=False)
    sample = [d for i, d in enumerate(docs_w) if i % 7 == 0]
    mean = bg.mean_vector([list(d) for d in sample])
    np.savez_compressed(out, **arrays, mean=mean.astype(np.float32))
    report = {"n_docs": n_docs, "words": len(words), "bigrams": len(grams), "vectors": list(q.shape),
              "bytes": out.stat().st_size, "seconds": round(time.time() - t0, 1)}
    print(report)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="folder of the raw corpora (../shared/data/raw)")
    ap.add_argument("--out", type=Path, default=RESOURCE)
    a = ap.parse_args(argv)
    build(a.raw, a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
