"""A group's topic profile, learned from its own messages, and the drift of its talk away from it.

TopicProfile: what a group talks about, learned from its texts (normalised message texts, or a
description and keywords). A message's topic score in [0, 1] is how well it fits; its topic
confidence in [0, 1] is how much topic signal it carries at all (好的, 哈哈, 在吗, [表情]: none).

The score has two halves, each measured relative to the profile's own texts (leave-one-out), so
neither needs a tuned scale:
- lexical: log-odds of each term (jieba word or Chinese character bigram) in the profile against a
  background of ~300k messages of every kind (model/resources/topic_background.npz), with a
  Dirichlet prior from the background, summed over the message's terms and divided by the square
  root of their number; terms the profile lacks weigh nothing;
- semantic: cosine between the message's vector and the profile's mean vector, both made of small
  LSA word vectors (SIF-weighted, the background's mean message vector subtracted), so a message
  fits through related words it does not share with the profile.
raw = (lexical / its profile median + semantic / its profile median) / 2 (1 = a typical profile text),
score = 1 - 4 ** -raw (a typical profile text scores 0.75).

Confidence: the information in a message's words, each word giving how much rarer it is than
common chat words in the background (capped), so 好的 or [表情] give ~0 and a sentence ~1.

DriftDetector: per group, from the stream of (score, confidence) of legitimate messages; O(1) per
update and 8 floats of state (usual level and spread, EWMA, CUSUM, alert, last time). drift_drivers(): the
terms a group now talks about instead. bench/bench_topic.py and bench/bench_drift.py measure all of it.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import pairwise, repeat
from pathlib import Path

import numpy as np

from qunguard.model.arrays import sorted_distinct
from qunguard.model.int_lookup import IntLookup
from qunguard.model.segment import Segmenter

RESOURCE = Path(__file__).resolve().parent / "resources" / "topic_background.npz"
FORMAT = 2

MIN_WORDS = 5               # informative distinct words needed to build a profile at all
LOW_CONFIDENCE_TEXTS = 40   # a profile from fewer texts (or a description only) is low-confidence
LOW_CONFIDENCE_WORDS = 60   # ... or from fewer informative distinct words
KEYWORD_WEIGHT = 3.0        # a keyword counts as this many texts that use it
PRIOR = 20.0                # Dirichlet prior mass of the background in the profile's term distribution
SIF_A = 1e-3                # smooth inverse frequency weight of a word vector: a / (a + p(word))
COMMON_IDF = 5.5            # a word in more than ~1/250 of background messages carries no topic information
INFO_CAP = 3.0              # the most one word can add to a message's information
SINGLE_CHAR_INFO = 0.5      # a one-character word counts half (particles, fragments of split words)
UNKNOWN_INFO = 1.5          # a word the background never saw
INFO_SCALE = 2.5            # confidence = 1 - exp(-information / INFO_SCALE)
SCORE_BASE = 4.0            # score = 1 - SCORE_BASE ** -raw
MAX_WORDS, MAX_BIGRAMS = 4000, 6000  # a profile's terms stay bounded through absorb()
DEFAULT_REFS = (1.0, 0.3)   # (lexical, semantic) references when a profile has too few texts to measure its own
MIN_REFS = (0.5, 0.1)       # the least a reference may be: about one shared word of weight 1.5 among 9 terms
SMALL_BATCH = 8             # fewer texts than this are scored one by one: numpy's fixed cost would outweigh them
GROUP_MIN = 3               # score_groups(): a group of fewer texts is scored one by one, more join the others

# chit-chat that says nothing about a topic however rare it is in the background (acknowledgements,
# greetings, thanks, laughter, agreement)
_FILLER_WORDS = (
    "收到 好的 好滴 好嘞 嗯嗯 嗯呢 哦哦 噢噢 ok okk 签到 在的 谢谢 谢谢你 多谢 感谢 辛苦 辛苦了 早安 晚安 早上好 晚上好 中午好 "
    "下午好 新年快乐 生日快乐 恭喜 哈哈 哈哈哈 哈哈哈哈 嘿嘿 嘻嘻 呵呵 同意 同上 明白 了解 知道了 已读 是的 对的 没问题 可以 好吧 "
    "笑死 牛逼 厉害 卧槽 我去 真的 确实 对啊 是啊 好啊 好呀 在吗 在不在 有人吗 哈喽 你好 大家好 拜拜 再见"
)
FILLERS = frozenset(_FILLER_WORDS.split())
_PRIVATE = re.compile(r"[\ue000-\uf8ff]")  # placeholder and handle tokens of Normalized.text
_CONTENT = re.compile(r"[\u4e00-\u9fffa-z]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # an odd multiplier: distinct lengths give distinct keys (_str_keys)


class TopicProfileError(ValueError):
    """Too little input to build a profile (the message says what is missing)."""


@lru_cache(maxsize=1)
def _segmenter() -> Segmenter:
    return Segmenter()


@lru_cache(maxsize=1)
def _cut() -> Callable[[str], list[str]]:
    return _segmenter()._cut  # the segmenter's own cut: its whitespace filter is redundant below


def message_words(text: str) -> list[str]:
    """The words of a normalised text that hold a Chinese character or a Latin letter, in order."""
    return content_words(_cut()(_PRIVATE.sub(" ", text)))


def content_words(tokens: Iterable[str]) -> list[str]:
    """The tokens of a segmentation that hold a Chinese character or a Latin letter, in order."""
    has_content = _CONTENT.search  # bound once: this runs for every message of a group with a profile
    return [w for w in tokens if has_content(w)]


def bigram_keys(text: str) -> list[int]:
    """Chinese character bigrams of a text as integers (code point << 21 | code point)."""
    out: list[int] = []
    for run in _CJK_RUN.findall(text):
        out += [a << 21 | b for a, b in pairwise(map(ord, run))]
    return out


def bigram_text(key: int) -> str:
    return chr(key >> 21) + chr(key & 0x1FFFFF)


class Background:
    """Document frequencies and word vectors learned from the raw corpora (data/topic_background.py).

    One dict (word -> row) is built at load; per word, lists hold its frequency, its information and
    its vector row, so a message costs a dict lookup per word; a batch looks all its words up at once
    by int key (word_ids()), and reads the same facts from arrays. Bigrams stay a sorted array, looked
    up in bulk only when a profile weighs its own terms."""

    def __init__(self, n_docs: int, words: list[str], df: np.ndarray, bigrams: np.ndarray, bigram_df: np.ndarray,
                 vec_words: np.ndarray, vectors: np.ndarray, mean: np.ndarray | None) -> None:
        self.n_docs = n_docs
        self.log_n = math.log(n_docs)
        self.index = dict(zip(words, range(len(words)), strict=True))
        self.df = df.tolist()
        idf = self.log_n - np.log(df.astype(np.float64) + 1.0)
        info = np.clip(idf - COMMON_IDF, 0.0, INFO_CAP)
        info[np.array([len(w) == 1 for w in words])] *= SINGLE_CHAR_INFO  # mostly particles and split fragments
        info[[self.index[w] for w in FILLERS if w in self.index]] = 0.0
        self.info = info.tolist()
        self.info_array = info      # the same, by word id, for a batch's words at once (TopicProfile.score)
        rows = np.full(len(words), -1, dtype=np.int64)
        rows[vec_words] = np.arange(len(vec_words))
        self.vec_row = rows.tolist()
        self.vec_row_array = rows
        self.word_keys = _unique_lookup(_str_keys(words))  # word_ids(); None if two words share a key
        self.bigrams = bigrams      # sorted int64 keys (bigram_keys)
        self.bigram_df = bigram_df
        self.vectors = vectors      # SIF-weighted, float32 (n_vectors, dims)
        self.mean = mean            # the background's mean unit message vector, subtracted before cosines
        self.center = mean if mean is not None else np.zeros(vectors.shape[1], dtype=np.float32)  # what scoring subtracts
        self.mean2 = float(self.center.astype(np.float64) @ self.center)  # in float64, as scoring is

    @classmethod
    def load(cls, path: Path = RESOURCE, *, center: bool = True) -> Background:
        with np.load(path) as z:
            n_docs = int(z["n_docs"])
            words = bytes(z["words"]).decode("utf-8").split("\n")
            df = z["word_df"]
            vec_words = z["vec_words"]
            vectors = z["vectors"].astype(np.float32)
            vectors *= (z["vec_scale"] * (SIF_A / (SIF_A + (df[vec_words] + 1.0) / n_docs)))[:, None]
            mean = z["mean"].astype(np.float32) if center and "mean" in z.files else None
            bigrams, bigram_df = z["bigrams"], z["bigram_df"]
        return cls(n_docs, words, df, bigrams, bigram_df, vec_words, vectors, mean)

    def bigram_counts(self, keys: Sequence[int]) -> np.ndarray:
        """Background document frequency of each bigram key (0 if not in the table)."""
        k = np.asarray(keys, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.bigrams, k), len(self.bigrams) - 1)
        return np.where(self.bigrams[at] == k, self.bigram_df[at], 0)

    def word_ids(self, tokens: list[str]) -> np.ndarray:
        """The id of each token (-1: not a background word), by its int key in one table lookup for
        all: the dict of 55k strings would cost a cache miss or two a token (a stray 64-bit key match,
        odds ~1e-14 a token, would read a non-word as a word)."""
        if self.word_keys is None:
            return np.fromiter(map(self.index.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
        return self.word_keys.positions(_str_keys(tokens))

    def word_count(self, word: str) -> int:
        i = self.index.get(word)
        return 0 if i is None else self.df[i]

    def idf(self, word: str) -> float:
        return self.log_n - math.log(self.word_count(word) + 1.0)

    def word_info(self, word: str) -> float:
        """How much topic information one word carries: 0 for chit-chat and words common anywhere,
        at most INFO_CAP; a word the background never saw (a name, a typo, a new word) UNKNOWN_INFO."""
        i = self.index.get(word)
        return UNKNOWN_INFO if i is None else self.info[i]

    def embed(self, docs: Sequence[Iterable[str]]) -> np.ndarray:
        """Unit message vectors (centred when the background has a mean); zero rows for messages without
        a known word."""
        out = np.zeros((len(docs), self.vectors.shape[1]), dtype=np.float32)
        rows, idx = [], []
        for r, words in enumerate(docs):
            for w in set(words):
                i = self.index.get(w)
                if i is not None and self.vec_row[i] >= 0:
                    rows.append(r)
                    idx.append(self.vec_row[i])
        if not idx:
            return out
        rows_a = np.asarray(rows)
        starts = np.flatnonzero(np.r_[True, rows_a[1:] != rows_a[:-1]])
        sums = np.add.reduceat(self.vectors[np.asarray(idx)], starts, axis=0)
        sums /= np.linalg.norm(sums, axis=1, keepdims=True) + 1e-9
        if self.mean is not None:
            sums -= self.mean
            sums /= np.linalg.norm(sums, axis=1, keepdims=True) + 1e-9
        out[rows_a[starts]] = sums
        return out

    def mean_vector(self, docs: Sequence[Iterable[str]]) -> np.ndarray:
        """The mean unit vector of the given messages (uncentred): what embed() subtracts."""
        saved, self.mean = self.mean, None
        try:
            v = self.embed(docs)
        finally:
            self.mean = saved
        return v[np.linalg.norm(v, axis=1) > 0].mean(axis=0)


def _str_keys(strings: Sequence[str]) -> np.ndarray:
    """An int64 key per string: its hash (cached on the string) mixed with its length, since CPython
    hashes a string's raw bytes and so '慡' (U+6161, two bytes) hashes as 'aa' does."""
    h = np.fromiter(map(hash, strings), dtype=np.int64, count=len(strings)).view(np.uint64)
    n = np.fromiter(map(len, strings), dtype=np.uint64, count=len(strings))
    return (h ^ n * _GOLDEN).view(np.int64)


def _unique_lookup(keys: np.ndarray) -> IntLookup | None:
    """A lookup of these keys, or None if two are equal (hash() is seeded per process: it may happen,
    about once in 1e10 processes)."""
    if len(np.unique(keys)) < len(keys) or (keys == np.iinfo(np.int64).min).any():
        return None
    return IntLookup(keys)


@lru_cache(maxsize=1)
def background() -> Background:
    """The shipped background, loaded on first use (not at service start)."""
    return Background.load()


class _Parsed:
    """One text's distinct words and bigram keys, its information, and the vector rows of its words."""

    __slots__ = ("bigrams", "info", "rows", "words")

    def __init__(self, text: str, bg: Background, cut: Sequence[str] | None = None) -> None:
        self.words = set(message_words(text) if cut is None else content_words(cut))  # cut: see TopicProfile.score()
        self.bigrams = set(bigram_keys(text))
        info, rows = 0.0, []
        index, infos, vec_row = bg.index, bg.info, bg.vec_row
        for w in self.words:
            i = index.get(w)
            if i is None:
                info += UNKNOWN_INFO
            else:
                info += infos[i]
                r = vec_row[i]
                if r >= 0:
                    rows.append(r)
        self.info = info
        self.rows = rows


class _BatchTerms:
    """The distinct terms of each text of a batch, flat: what _Parsed holds for one text, as arrays.

    Words come from `cuts` (a text's segmentation already made, e.g. the classifier's: any cut of the
    text with its private-use tokens as separators), or are cut here. Pairs are sorted by row."""

    __slots__ = ("bigram_keys", "bigram_rows", "n", "unknown", "word_ids", "word_rows")

    def __init__(self, n: int, word_rows: np.ndarray, word_ids: np.ndarray, unknown: set[tuple[int, str]],
                 bigram_rows: np.ndarray, bigram_keys: np.ndarray) -> None:
        self.n = n
        self.word_rows, self.word_ids, self.unknown = word_rows, word_ids, unknown
        self.bigram_rows, self.bigram_keys = bigram_rows, bigram_keys

    @classmethod
    def of(cls, texts: Sequence[str], cuts: Sequence[Sequence[str] | None] | None, bg: Background) -> _BatchTerms:
        tokens, lens = _batch_tokens(texts, cuts)
        return cls(len(texts), *_distinct_words(tokens, lens, bg), *_distinct_bigrams(texts))

    def per_row(self, rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Sum (or count) over each row's pairs, as float64 of length n."""
        return np.bincount(rows, weights=weights, minlength=self.n).astype(np.float64, copy=False)

    def unknown_per_row(self, value: Callable[[int, str], float] | None = None) -> np.ndarray:
        """Sum of value(row, word) (or the count) over each row's words the background lacks."""
        out = np.zeros(self.n)
        for r, w in self.unknown:
            out[r] += 1.0 if value is None else value(r, w)
        return out

    def information(self, bg: Background) -> np.ndarray:
        """Each text's information (_Parsed.info): its known words' and UNKNOWN_INFO per unknown word."""
        return self.per_row(self.word_rows, bg.info_array[self.word_ids]) + UNKNOWN_INFO * self.unknown_per_row()

    def n_terms(self) -> np.ndarray:
        """Distinct words and bigrams of each text."""
        return self.per_row(self.word_rows) + self.unknown_per_row() + self.per_row(self.bigram_rows)


def _batch_tokens(texts: Sequence[str], cuts: Sequence[Sequence[str] | None] | None) -> tuple[list[str], list[int]]:
    """Every text's tokens in one list, and how many each text has; a text without a cut is cut here."""
    cut, private = _cut(), _PRIVATE.sub
    tokens: list[str] = []
    lens: list[int] = []
    for i, text in enumerate(texts):
        words = cuts[i] if cuts is not None else None
        if words is None:
            words = cut(private(" ", text))
        tokens += words
        lens.append(len(words))
    return tokens, lens


def _distinct_words(tokens: list[str], lens: list[int], bg: Background) -> tuple[np.ndarray, np.ndarray, set[tuple[int, str]]]:
    """(rows, background ids) of each text's distinct known words, and its distinct (row, word) the
    background lacks; tokens without a Chinese character or a Latin letter are no words."""
    ids = bg.word_ids(tokens)
    rows = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    known = ids >= 0
    pairs = sorted_distinct(rows[known] * len(bg.index) + ids[known])
    missed = np.flatnonzero(~known)
    has_content = _CONTENT.search
    unknown = {(r, tokens[k]) for r, k in zip(rows[missed].tolist(), missed.tolist(), strict=True) if has_content(tokens[k])}
    return pairs // len(bg.index), pairs % len(bg.index), unknown


def _distinct_bigrams(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(rows, keys) of each text's distinct Chinese character bigrams (bigram_keys), sorted by row."""
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    cps = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), np.fromiter(map(len, texts), np.int64, len(texts)))
    cjk = (cps >= 0x4E00) & (cps <= 0x9FFF)
    pair = cjk[:-1] & cjk[1:] & (rows[:-1] == rows[1:])
    keyed = sorted_distinct(rows[:-1][pair] << 42 | cps[:-1][pair] << 21 | cps[1:][pair])
    return keyed >> 42, keyed & ((1 << 42) - 1)


def _sorted_lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """values[k] where keys[k] == q for each q of query (keys sorted), else 0."""
    if not len(keys):
        return np.zeros(len(query))
    at = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where(keys[at] == query, values[at], 0.0)


class TopicProfile:
    """A group's topic: weighted terms learned from texts; JSON-serialisable; built once, updated slowly."""

    def __init__(self, *, n_texts: int, mass: float, word_df: dict[str, float], bigram_df: dict[int, float],
                 vector_sum: np.ndarray, refs: tuple[float, float], baseline: float, low_confidence: bool,
                 bg: Background | None = None) -> None:
        self.bg = bg or background()
        self.n_texts = n_texts            # how many texts built it (absorbed ones included)
        self.mass = mass                  # the document count the term frequencies are out of
        self.word_df = word_df
        self.bigram_df = bigram_df
        self.vector_sum = vector_sum.astype(np.float32)
        self.refs = refs                  # (lexical, semantic) raw of a typical profile text
        self.baseline = baseline          # mean (1 - score) of its own texts, left out in turn: drift's zero
        self.low_confidence = low_confidence
        self._reweigh()

    # -- building --------------------------------------------------------------------------
    @classmethod
    def from_texts(cls, texts: Sequence[str], *, keywords: Sequence[str] = ()) -> TopicProfile:
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings (one per message), not one string")
        bg = background()
        docs = [p for p in (_Parsed(t, bg) for t in texts if t and t.strip()) if p.words]
        kws = [p for p in (_Parsed(k, bg) for k in keywords if k and k.strip()) if p.words]
        informative = {w for p in docs + kws for w in p.words if bg.word_info(w) > 0}
        if len(informative) < MIN_WORDS:
            raise TopicProfileError(
                f"a topic profile needs texts with at least {MIN_WORDS} distinct informative words (not chit-chat "
                f"like 好的/哈哈/[表情]); got {len(informative)} from {len(docs)} texts with words and "
                f"{len(kws)} keywords. Give a description and keywords, or wait for more messages")
        word_df: dict[str, float] = {}
        bigram_df: dict[int, float] = {}
        for p, weight in [(p, 1.0) for p in docs] + [(k, KEYWORD_WEIGHT) for k in kws]:
            for w in p.words:
                word_df[w] = word_df.get(w, 0.0) + weight
            for b in p.bigrams:
                bigram_df[b] = bigram_df.get(b, 0.0) + weight
        vecs = bg.embed([p.words for p in docs]) if docs else np.zeros((0, bg.vectors.shape[1]), np.float32)
        kvecs = bg.embed([p.words for p in kws]) if kws else np.zeros((0, bg.vectors.shape[1]), np.float32)
        vector_sum = vecs.sum(axis=0) + KEYWORD_WEIGHT * kvecs.sum(axis=0)
        mass = len(docs) + KEYWORD_WEIGHT * len(kws)
        low = len(docs) < LOW_CONFIDENCE_TEXTS or len(informative) < LOW_CONFIDENCE_WORDS
        prof = cls(n_texts=len(docs), mass=mass, word_df=dict(word_df), bigram_df=dict(bigram_df),
                   vector_sum=vector_sum, refs=DEFAULT_REFS, baseline=0.5, low_confidence=low, bg=bg)
        prof._calibrate(docs, vecs)
        return prof

    def _calibrate(self, docs: list[_Parsed], vecs: np.ndarray) -> None:
        """Measure the profile on its own texts, each left out in turn: the references that make raw = 1
        for a typical text, and the baseline (1 - score) a drift is measured from."""
        if len(docs) < 10:
            return  # too few to measure: DEFAULT_REFS and a middling baseline
        lex = np.array([self._lexical_left_out(p) for p in docs])
        sem = np.array([self._semantic(v, leave_out=True) for v in vecs])
        # floored: in a chatty group most texts share no word with the others (median 0), and a tiny
        # reference would make one shared word a perfect fit
        self.refs = (max(float(np.median(lex)), MIN_REFS[0]), max(float(np.median(sem)), MIN_REFS[1]))
        raw = (lex / self.refs[0] + sem / self.refs[1]) / 2
        conf = np.array([_confidence(p.info) for p in docs])
        score = 1.0 - SCORE_BASE ** -np.maximum(raw, 0.0)
        self.baseline = float(np.average(1.0 - score, weights=conf) if conf.sum() > 0 else np.mean(1.0 - score))

    def _reweigh(self) -> None:
        """Log-odds weight of every profile term against the background (terms it lacks weigh 0)."""
        bg = self.bg
        words = list(self.word_df)
        bg_words = np.array([bg.word_count(w) for w in words], dtype=np.float64)
        w_words = self._log_odds(np.fromiter(self.word_df.values(), np.float64, len(words)), bg_words)
        vals = w_words.tolist()
        self._w_word = {words[i]: vals[i] for i in np.flatnonzero(w_words > 0).tolist()}
        grams = list(self.bigram_df)
        bg_grams = bg.bigram_counts(grams) if grams else np.zeros(0)
        self._bg_bigram = dict(zip(grams, bg_grams.tolist(), strict=True))
        w_grams = self._log_odds(np.fromiter(self.bigram_df.values(), np.float64, len(grams)), bg_grams)
        vals = w_grams.tolist()
        self._w_bigram = {grams[i]: vals[i] for i in np.flatnonzero(w_grams > 0).tolist()}
        self._index_weights()
        norm = float(np.linalg.norm(self.vector_sum))
        self._centroid = self.vector_sum / norm if norm > 0 else self.vector_sum
        # a message's vector sum along the centroid and along the background's mean: its cosine needs no more
        self._axes = np.stack([self._centroid, bg.center], axis=1).astype(np.float64)
        self._mean_proj = float(self._axes[:, 0] @ self._axes[:, 1])

    def _index_weights(self) -> None:
        """The term weights as sorted arrays, for a batch's terms at once: words by background id
        (the few the background lacks stay in a dict), bigrams by key."""
        index = self.bg.index
        known = sorted((index[w], x) for w, x in self._w_word.items() if w in index)
        self._word_ids = np.array([i for i, _ in known], dtype=np.int64)
        self._word_w = np.array([x for _, x in known], dtype=np.float64)
        self._w_unknown = {w: x for w, x in self._w_word.items() if w not in index}
        grams = sorted(self._w_bigram.items())
        self._gram_keys = np.array([k for k, _ in grams], dtype=np.int64)
        self._gram_w = np.array([x for _, x in grams], dtype=np.float64)

    def _log_odds(self, df: np.ndarray, bg_df: np.ndarray) -> np.ndarray:
        """log P(term | profile) / P(term | background), the profile's estimate smoothed toward the
        background by a Dirichlet prior of PRIOR documents; negative (rarer than anywhere) is 0."""
        pb = (bg_df + 0.5) / (self.bg.n_docs + 1.0)
        return np.maximum(0.0, np.log((df + PRIOR * pb) / (self.mass + PRIOR) / pb))

    # -- scoring ---------------------------------------------------------------------------
    def _lexical_left_out(self, p: _Parsed) -> float:
        """_lexical_rows() of one of the profile's own texts, with the weights as if it were not in the profile."""
        words = p.words
        n_terms = len(words) + len(p.bigrams)
        if not n_terms:
            return 0.0
        n, bg = self.mass - 1.0, self.bg
        denom = bg.n_docs + 1.0
        total = 0.0
        for df, bg_df in [(self.word_df.get(w, 0.0), bg.word_count(w)) for w in words] + \
                         [(self.bigram_df.get(b, 0.0), self._bg_bigram.get(b, 0)) for b in p.bigrams]:
            pb = (bg_df + 0.5) / denom
            total += max(0.0, math.log((max(df - 1.0, 0.0) + PRIOR * pb) / (n + PRIOR) / pb))
        return total / math.sqrt(n_terms)

    def _semantic(self, vec: np.ndarray, leave_out: bool = False) -> float:
        if not leave_out:
            return float(vec @ self._centroid)
        rest = self.vector_sum - vec
        norm = float(np.linalg.norm(rest))
        return float(vec @ rest) / norm if norm > 0 else 0.0

    def _lexical_one(self, p: _Parsed) -> float:
        """_lexical_rows() of one text."""
        n_terms = len(p.words) + len(p.bigrams)
        if not n_terms:
            return 0.0
        # map(get, terms, repeat(0.0)): the same sums as a generator, a third cheaper
        total = sum(map(self._w_word.get, p.words, repeat(0.0))) + sum(map(self._w_bigram.get, p.bigrams, repeat(0.0)))
        return total / math.sqrt(n_terms)

    def _semantic_one(self, p: _Parsed) -> float:
        """_semantic_rows() of one text, its word vectors summed in float64 too."""
        rows = p.rows
        if not rows:
            return 0.0
        v = np.add.reduce(self.bg.vectors.take(rows, axis=0), axis=0, dtype=np.float64)
        n2 = float(v @ v)
        if n2 <= 0.0:
            return 0.0
        n = math.sqrt(n2)
        along, mean_along = (v @ self._axes).tolist()
        return (along / n - self._mean_proj) / math.sqrt(max(1.0 - 2.0 * mean_along / n + self.bg.mean2, 1e-12))

    def halves(self, texts: Sequence[str], cuts: Sequence[Sequence[str] | None] | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lexical, semantic, information) of each text, before the profile's references scale them.
        `cuts`: each text's words if already segmented (see score()), None where not."""
        b = _BatchTerms.of(texts, cuts, self.bg)
        return _lexical_rows(b, [self], [b.n]), _semantic_rows(b, [self], [b.n]), b.information(self.bg)

    def score(self, texts: Sequence[str], cuts: Sequence[Sequence[str] | None] | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
        """(topic score, topic confidence) of each text, both in [0, 1]; a batch in a few array operations.

        `cuts`, optional: per text, its segmentation already made (the classifier's words of a message
        whose masked text is its text: private-use tokens split words as the spaces message_words()
        puts there do), or None to cut it here; the scores are the same either way."""
        lex_ref, sem_ref = self.refs
        if len(texts) < SMALL_BATCH:  # one text at a time, in floats: numpy's cost per call would outweigh them
            parsed = [_Parsed(t, self.bg, cuts[i] if cuts is not None else None) for i, t in enumerate(texts)]
            raw = [(self._lexical_one(p) / lex_ref + self._semantic_one(p) / sem_ref) / 2 for p in parsed]
            return (np.array([1.0 - SCORE_BASE ** -r if r > 0 else 0.0 for r in raw], dtype=np.float64),
                    np.array([_confidence(p.info) for p in parsed], dtype=np.float64))
        return _score_rows(_BatchTerms.of(texts, cuts, self.bg), [self], [len(texts)])

    def terms(self, text: str) -> list[str]:
        """The content terms of one text: distinct words of two or more characters that carry topic
        information (for drift drivers)."""
        seen: dict[str, None] = {}
        for w in message_words(text):
            if len(w) > 1 and self.bg.word_info(w) > 0:
                seen.setdefault(w)
        return list(seen)

    # -- updating --------------------------------------------------------------------------
    def absorb(self, texts: Sequence[str], rate: float) -> None:
        """Move the profile toward these (legitimate) texts: their term frequencies and mean vector
        get weight `rate`, the profile's current ones 1 - rate. Scale references and baseline stay."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be in [0, 1], got {rate}")
        docs = [p for p in (_Parsed(t, self.bg) for t in texts if t and t.strip()) if p.words]
        if not docs or rate == 0.0:
            return
        share = rate * self.mass / len(docs)  # what one new text adds, in profile documents
        keep = 1.0 - rate
        words: Counter[str] = Counter()
        grams: Counter[int] = Counter()
        for p in docs:
            words.update(p.words)
            grams.update(p.bigrams)
        self.word_df = _blend(self.word_df, words, keep, share, MAX_WORDS)
        self.bigram_df = _blend(self.bigram_df, grams, keep, share, MAX_BIGRAMS)
        self.vector_sum = keep * self.vector_sum + share * self.bg.embed([p.words for p in docs]).sum(axis=0)
        self.n_texts += len(docs)
        self._reweigh()

    # -- reading ---------------------------------------------------------------------------
    def top_terms(self, k: int = 20) -> list[tuple[str, float]]:
        """The profile's k heaviest words (log-odds weight against the background, times frequency)."""
        scored = [(w, x * min(1.0, self.word_df[w] / max(self.mass, 1.0)) ** 0.5)
                  for w, x in self._w_word.items() if len(w) > 1]
        scored.sort(key=lambda t: (-t[1], t[0]))
        return [(w, round(x, 4)) for w, x in scored[:k]]

    def weight(self, term: str) -> float:
        """A word's log-odds weight in the profile (0 when the profile lacks it)."""
        return self._w_word.get(term, 0.0)

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "n_texts": self.n_texts, "mass": round(self.mass, 6),
            "low_confidence": self.low_confidence, "refs": list(self.refs), "baseline": self.baseline,
            "words": {w: round(d, 4) for w, d in self.word_df.items()},
            "bigrams": {bigram_text(b): round(d, 4) for b, d in self.bigram_df.items()},
            "vector_sum": [round(float(x), 6) for x in self.vector_sum],
        }

    @classmethod
    def from_json(cls, d: dict) -> TopicProfile:
        if d.get("format") != FORMAT:
            raise ValueError(f"unknown topic profile format {d.get('format')!r}; this code reads format {FORMAT}")
        bg = background()
        vec = np.asarray(d["vector_sum"], dtype=np.float32)
        if vec.shape != (bg.vectors.shape[1],):
            raise ValueError(f"topic profile vector has {vec.shape} values; the background has {bg.vectors.shape[1]}")
        return cls(n_texts=int(d["n_texts"]), mass=float(d["mass"]), word_df={str(k): float(v) for k, v in d["words"].items()},
                   bigram_df={ord(k[0]) << 21 | ord(k[1]): float(v) for k, v in d["bigrams"].items()},
                   vector_sum=vec, refs=(float(d["refs"][0]), float(d["refs"][1])), baseline=float(d["baseline"]),
                   low_confidence=bool(d["low_confidence"]), bg=bg)


def score_groups(parts: Sequence[tuple[TopicProfile, Sequence[str], Sequence[Sequence[str] | None] | None]]
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """profile.score(texts, cuts) of each part (a group's texts and its profile), the same numbers. The
    texts of every group of GROUP_MIN or more are scored in one batch, each by its own profile: a batch
    of many small groups costs about what one group's batch does."""
    shared = [k for k, (p, texts, _) in enumerate(parts) if len(texts) >= GROUP_MIN and p.bg is parts[0][0].bg]
    if sum(len(parts[k][1]) for k in shared) < SMALL_BATCH:
        shared = []
    out = [p.score(texts, cuts) if k not in shared else None for k, (p, texts, cuts) in enumerate(parts)]
    if shared:
        texts = [t for k in shared for t in parts[k][1]]
        cuts = [c for k in shared for c in (parts[k][2] or [None] * len(parts[k][1]))]
        stops = np.cumsum([len(parts[k][1]) for k in shared]).tolist()
        scores, confs = _score_rows(_BatchTerms.of(texts, cuts, parts[0][0].bg), [parts[k][0] for k in shared], stops)
        for k, start, stop in zip(shared, [0, *stops], stops, strict=False):
            out[k] = scores[start:stop], confs[start:stop]
    return out  # type: ignore[return-value]  # every part scored


def _score_rows(b: _BatchTerms, profiles: Sequence[TopicProfile], stops: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(score, confidence) of each text of a batch whose texts come in runs, the k-th scored by
    profiles[k] and ending before stops[k]."""
    refs = np.repeat(np.array([p.refs for p in profiles], dtype=np.float64), np.diff([0, *stops]), axis=0)
    raw = (_lexical_rows(b, profiles, stops) / refs[:, 0] + _semantic_rows(b, profiles, stops) / refs[:, 1]) / 2
    scores = np.where(raw > 0, 1.0 - SCORE_BASE ** -np.maximum(raw, 0.0), 0.0)
    return scores, 1.0 - np.exp(-b.information(profiles[0].bg) / INFO_SCALE)


def _lexical_rows(b: _BatchTerms, profiles: Sequence[TopicProfile], stops: Sequence[int]) -> np.ndarray:
    """The lexical half of each text (see _score_rows): its terms' weights in its profile summed, over
    the root of their number."""
    bounds = [0, *stops]
    w_at = np.searchsorted(b.word_rows, bounds).tolist()
    g_at = np.searchsorted(b.bigram_rows, bounds).tolist()
    word_w = np.empty(len(b.word_ids))
    gram_w = np.empty(len(b.bigram_keys))
    for k, p in enumerate(profiles):  # each run's terms are contiguous: rows are sorted
        word_w[w_at[k]:w_at[k + 1]] = _sorted_lookup(p._word_ids, p._word_w, b.word_ids[w_at[k]:w_at[k + 1]])
        gram_w[g_at[k]:g_at[k + 1]] = _sorted_lookup(p._gram_keys, p._gram_w, b.bigram_keys[g_at[k]:g_at[k + 1]])
    total = b.per_row(b.word_rows, word_w) + b.per_row(b.bigram_rows, gram_w)
    if b.unknown:
        owner = np.searchsorted(stops, np.arange(b.n), side="right").tolist()
        total += b.unknown_per_row(lambda r, w: profiles[owner[r]]._w_unknown.get(w, 0.0))
    n_terms = b.n_terms()
    return np.divide(total, np.sqrt(n_terms), out=np.zeros(b.n), where=n_terms > 0)


def _semantic_rows(b: _BatchTerms, profiles: Sequence[TopicProfile], stops: Sequence[int]) -> np.ndarray:
    """The semantic half of each text (see _score_rows): the cosine of its centred unit vector with its
    profile's centroid. (u - m).c / |u - m| with u = s / |s|, s the sum of its word vectors, needs only
    |s|, s.c and s.m. Summed in float64 (the vectors are float32), so the order of its words does not matter."""
    bg = profiles[0].bg
    out = np.zeros(b.n)
    vec = bg.vec_row_array[b.word_ids]
    has = vec >= 0
    rows, vec = b.word_rows[has], vec[has]
    if not len(vec):
        return out
    first = np.ones(len(rows), dtype=bool)
    np.not_equal(rows[1:], rows[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    sums = np.add.reduceat(bg.vectors[vec].astype(np.float64), starts, axis=0)
    n2 = np.einsum("ij,ij->i", sums, sums)
    ok = n2 > 0.0
    row = rows[starts][ok]
    owner = np.searchsorted(stops, row, side="right")
    # every profile's two axes side by side: each text reads its own profile's pair
    proj = sums[ok] @ np.concatenate([p._axes for p in profiles], axis=1)
    pick = np.arange(len(row))
    n = np.sqrt(n2[ok])
    along = proj[pick, 2 * owner] / n - np.array([p._mean_proj for p in profiles])[owner]
    off = 1.0 - 2.0 * proj[pick, 2 * owner + 1] / n + bg.mean2
    out[row] = along / np.sqrt(np.maximum(off, 1e-12))
    return out


def _confidence(info: float) -> float:
    return 1.0 - math.exp(-info / INFO_SCALE)


def _blend(old: dict, new: Counter, keep: float, share: float, cap: int) -> dict:
    out = {t: d * keep for t, d in old.items()}
    for t, c in new.items():
        out[t] = out.get(t, 0.0) + c * share
    out = {t: d for t, d in out.items() if d >= 0.05}
    if len(out) > cap:  # bounded: drop the rarest
        out = dict(sorted(out.items(), key=lambda td: -td[1])[:cap])
    return out


class DriftDetector:
    """Per-group drift from the stream of (score, confidence) of legitimate messages.

    x = 1 - score, each message weighted by its confidence (chit-chat weighs ~0). State, a flat dict
    of 8 floats:
    - warm-up: the group's usual level of x and its spread (weighted mean and variance) are learned
      from the first `warmup` units of confidence after the profile is built, on messages the profile
      never saw (its own texts, left out in turn, read more on-topic than the group's later talk);
      no alert meanwhile. A baseline given to new_state() (TopicProfile.baseline) starts the mean;
    - then a one-sided CUSUM of confidence * (min(z, max_z) - slack), z = (x - usual) / spread:
      it climbs by up to max_z per confident message off the profile and sinks on usual talk. The alert
      turns on at `threshold` and off below threshold * release (hysteresis: no flapping);
    - drift, what the group sees: an EWMA of x (window ~1/alpha confident messages) between the usual
      level (0) and nothing fitting at all (1);
    - over a silence, both the CUSUM and the EWMA's distance from usual halve every `half_life` seconds.
    O(1) per update. bench/bench_drift.py chose the defaults on its tune half (README "Topic scores and drift").
    """

    PARAMS = ("warmup", "alpha", "slack", "threshold", "release", "half_life", "min_spread", "prior", "max_z")

    def __init__(self, *, warmup: float = 120.0, alpha: float = 0.04, slack: float = 0.0, threshold: float = 8.0,
                 release: float = 0.3, half_life: float = 3 * 86400.0, min_spread: float = 0.15,
                 prior: float = 10.0, max_z: float = 0.75) -> None:
        self.warmup = warmup            # confidence units that learn the usual level before alerts are armed
        self.alpha = alpha              # EWMA step per unit of confidence, for the drift score
        self.slack = slack              # spreads above usual that still count as usual
        self.threshold = threshold      # CUSUM level that raises the alert
        self.release = release          # the alert clears below threshold * release
        self.half_life = half_life      # seconds for the evidence to halve during silence
        self.min_spread = min_spread    # floor of the spread, so a uniform warm-up does not make every wobble an alarm
        self.prior = prior              # weight (confidence units) of a baseline given to new_state()
        # the most one message's z counts: in chat a message that shares nothing with the profile is common
        # in calm talk too (x >= 0.95: ~16 % of a group's own confident talk, ~31 % of another group's, tune
        # half), so the evidence it carries saturates; uncapped, a run of them (an evening's thread) read as a switch
        self.max_z = max_z

    def params(self) -> dict[str, float]:
        return {p: getattr(self, p) for p in self.PARAMS}

    def new_state(self, baseline: float | None = None) -> dict[str, float]:
        """A fresh state. A baseline (TopicProfile.baseline) starts the usual level with `prior` weight;
        the warm-up still runs."""
        w, base = (self.prior, min(max(float(baseline), 0.0), 1.0)) if baseline is not None else (0.0, 0.0)
        return {"n": 0.0, "w": w, "base": base, "var": 0.0, "ewma": base, "cusum": 0.0, "alert": 0.0, "ts": 0.0}

    def update(self, state: dict[str, float], score: float, confidence: float, ts: float, *,
               repeat: bool = False) -> tuple[float, bool]:
        """Feed one legitimate message; returns (drift in [0, 1], alert). `repeat`: the message repeats one
        the group just sent (a meme, a red-packet password, the same question again): it says nothing new
        about what the group talks about, so it counts as no evidence, like chit-chat."""
        x = 1.0 - min(max(float(score), 0.0), 1.0)
        c = 0.0 if repeat else min(max(float(confidence), 0.0), 1.0)
        if math.isnan(x) or math.isnan(c):
            x, c = 0.0, 0.0
        if state["n"] < self.warmup:  # learning the usual level and spread (weighted Welford)
            if c > 0:
                w = state["w"] + c
                d = x - state["base"]
                state["base"] += c * d / w
                state["var"] = (state["var"] * state["w"] + c * d * (x - state["base"])) / w
                state["w"], state["n"] = w, state["n"] + c
                state["ewma"] = state["base"]
            state["ts"] = max(state["ts"], ts)
            return 0.0, False
        base = state["base"]
        gap = ts - state["ts"] if state["ts"] > 0 else 0.0
        if gap > 0:
            fade = 0.5 ** (gap / self.half_life)
            state["ewma"] = base + (state["ewma"] - base) * fade
            state["cusum"] *= fade
        state["ts"] = max(state["ts"], ts)
        state["ewma"] += min(1.0, self.alpha * c) * (x - state["ewma"])
        spread = max(math.sqrt(max(state["var"], 0.0)), self.min_spread)
        step = c * (min((x - base) / spread, self.max_z) - self.slack)
        state["cusum"] = min(2.0 * self.threshold, max(0.0, state["cusum"] + step))
        if state["cusum"] >= self.threshold:
            state["alert"] = 1.0
        elif state["cusum"] < self.threshold * self.release:
            state["alert"] = 0.0
        return self.drift(state), bool(state["alert"])

    def drift(self, state: dict[str, float]) -> float:
        """How far recent talk sits from the profile: 0 at the group's usual level, 1 when nothing fits."""
        if state["n"] < self.warmup:
            return 0.0
        base = state["base"]
        return min(1.0, max(0.0, (state["ewma"] - base) / max(1e-6, 1.0 - base)))


def drift_drivers(profile: TopicProfile, recent_term_counts: dict[str, float], k: int = 10) -> list[str]:
    """The terms a group talks about instead: frequent in recent talk, weightless or light in the
    profile, and informative (common chat words never drive). recent_term_counts: term -> how often
    (or how many recent messages) it occurred, e.g. summed TopicProfile.terms() of recent messages."""
    scored = []
    for term, count in recent_term_counts.items():
        if count <= 0 or len(term) < 2:
            continue
        info = profile.bg.word_info(term)
        if info <= 0:
            continue
        fit = 1.0 / (1.0 + profile.weight(term))  # 1 for a term the profile lacks
        scored.append((count * fit * info, term))
    scored.sort(key=lambda st: (-st[0], st[1]))
    return [t for _, t in scored[:k]]
