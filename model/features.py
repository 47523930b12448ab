"""Messages to a sparse feature matrix, one row per message.

Token families, weighted by sublinear tf-idf and L2-normalised:
- character 1-3 grams of the masked text (handles and digits masked, so a new
  phone number looks like every other);
- toneless-pinyin bigrams of the Chinese characters (homophones: 沟买 = 购买);
- jieba words and word bigrams;
- the kinds of contact handle found, and the parts of each link (model/links.py:
  its domain, a shortener, a shopping click, an invitation...), so that a link is
  evidence by where it points rather than a label by being there.
Dense shape features (model/shape.py) are appended, measured with each link as one
token character (shape_text): a URL's letters and digits are no part of the message's shape.

Speed: character and pinyin n-grams never become Python strings. A batch's
text is one array of code points; an n-gram is the exact integer
(c1 << 42 | c2 << 21 | c3), a pinyin bigram a negative integer, and numpy's
searchsorted finds their columns in a sorted vocabulary for the whole batch at
once. Only words (about 15 per message) go through a dict.

Follows the scikit-learn estimator contract, written by hand so that inference
never imports scikit-learn or scipy: __init__ only stores its arguments,
get_params/set_params read and write them, fit learns attributes ending in "_".
`featurize()` is the inference path (plain numpy arrays: the token entries and
the shape block); `transform()` packs the same numbers into the scipy CSR
matrix that training fits on.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, pairwise, repeat
from typing import TYPE_CHECKING

import numpy as np

from qunguard.model.errors import NotFittedError
from qunguard.model.int_lookup import IntLookup
from qunguard.model.links import link_tags, ordinary
from qunguard.model.normalize import TOKENS, Normalized, normalize
from qunguard.model.normalize.result import new_normalized
from qunguard.model.pinyin import CJK_END, SYLLABLE_IDS, SYLLABLES
from qunguard.model.segment import Segmenter
from qunguard.model.shape import SHAPE_NAMES, shape_rows

if TYPE_CHECKING:  # scipy only for training: transform() imports it when called
    import scipy.sparse as sp

BOS, EOS = "\x02", "\x03"  # message boundaries, so "^哈哈$" differs from 哈哈 inside a sentence
_BITS = 21  # a Unicode code point fits in 21 bits; three fit in a non-negative int64
# how token names read in a verdict's evidence: "^加[wechat]" rather than private-use characters
_READABLE = str.maketrans({BOS: "^", EOS: "$", "\n": "↵", **{ch: f"[{kind}]" for kind, ch in TOKENS.items()}})


@dataclass(frozen=True, slots=True)
class TokenEntries:
    """The token block of a batch, sparse: entry k is token column `cols[k]` of message `rows[k]`
    with tf-idf weight `weights[k]`. Sorted by row, then column; every row has unit length
    (or no entry at all)."""

    rows: np.ndarray  # int64
    cols: np.ndarray  # int64
    weights: np.ndarray  # float32
    n_rows: int

    def entries_of(self, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """(k, position) of every entry of the given rows, in their order: the entry at `position`
        belongs to rows[k]."""
        ids = np.asarray(rows, dtype=np.int64)
        bounds = np.searchsorted(self.rows, np.arange(self.n_rows + 1))
        starts, lens = bounds[ids], bounds[ids + 1] - bounds[ids]
        owner = np.repeat(np.arange(len(ids)), lens)
        # each entry's position: its row's start plus its rank within the row
        pos = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens) + np.repeat(starts, lens)
        return owner, pos


@dataclass(frozen=True, slots=True)
class Features:
    """A batch's features: its token entries, then the dense shape block (shape_weight applied)."""

    tokens: TokenEntries
    shapes: np.ndarray  # (n_rows, len(SHAPE_NAMES)) float32
    words: list[list[str]]  # each row's masked text segmented: the topic score reuses them rather than cut again

    @property
    def text_flood(self) -> np.ndarray:
        """Per row: did the guide's text-flood shape test fire (read from its shape column)."""
        return self.shapes[:, _TEXT_FLOOD] > 0


_TEXT_FLOOD = SHAPE_NAMES.index("text_flood")


def _check_documents(X) -> None:
    if isinstance(X, (str, bytes)):
        raise ValueError("expected a sequence of messages, got a single string; wrap it in a list")  # noqa: TRY004 - ValueError, as scikit-learn raises for a string


def _code_points(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts as one int64 code-point array, and the message (row) of each position."""
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    cps = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    return cps, np.repeat(np.arange(len(texts), dtype=np.int64), lens)


def gram_keys(norms: Sequence[Normalized], max_n: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) of every character 1..max_n-gram and pinyin bigram of each message."""
    cps, rows = _code_points([BOS + n.masked + EOS for n in norms])
    keys, key_rows = [cps], [rows]
    size = len(cps)
    for n in range(2, max_n + 1):
        if size < n:
            break
        k = cps[: size - n + 1].copy()
        for j in range(1, n):
            k = (k << _BITS) | cps[j : size - n + 1 + j]
        inside = rows[: size - n + 1] == rows[n - 1 :]  # an n-gram never spans two messages
        keys.append(k[inside])
        key_rows.append(rows[: size - n + 1][inside])
    # pinyin bigrams over the Chinese characters only, as negative keys (disjoint from char keys)
    sid = SYLLABLE_IDS[np.where(cps < CJK_END, cps, 0)]
    has = sid > 0
    s, r = sid[has], rows[has]
    if len(s) > 1:
        inside = r[:-1] == r[1:]
        keys.append(-((s[:-1] << 16 | s[1:])[inside]) - 1)
        key_rows.append(r[:-1][inside])
    return np.concatenate(key_rows), np.concatenate(keys)


_URL_MARK = TOKENS["url"]
_CJK_FIRST, _CJK_LAST = 0x3400, 0x9FFF  # CJK Extension A and the Unified Ideographs


def without_ordinary_links(norm: Normalized) -> Normalized:
    """The message as the model sees it when ordinary links carry nothing: each link to an ordinary site
    (links.ordinary) taken out of its text, masked text and handles, as if the member had not pasted it.
    A link that hides or sends somewhere (shortener, shop, invitation, cheap TLD…) stays, with its parts."""
    if not any(h.kind == "url" for h in norm.handles):
        return norm
    drop = [h.kind == "url" and ordinary(h) for h in norm.handles]
    if not any(drop):
        return norm
    text, masked, pieces, pos = norm.text, norm.masked, [], 0
    for h, gone in zip(norm.handles, drop, strict=True):
        if h.kind != "url":
            continue
        at = masked.find(_URL_MARK, pos)  # the masked text holds one mark per url handle, in order
        if at < 0:  # never expected: read the message as it is rather than cut the wrong span
            return norm
        pieces.append(masked[pos:at] if gone else masked[pos:at + 1])
        if gone:
            text = text.replace(h.text, "", 1)
        pos = at + 1
    pieces.append(masked[pos:])
    kept = tuple(h for h, gone in zip(norm.handles, drop, strict=True) if not gone)
    return new_normalized(text.strip(), "".join(pieces).strip(), kept, norm.n_emoji, norm.n_placeholders)


def handle_tokens(norm: Normalized) -> list[str]:
    """"h" + kind of each contact handle, and "h" + kind + ":" + part for each part of a link."""
    out = []
    for h in norm.handles:
        out.append("h" + h.kind)
        out += ["h" + h.kind + ":" + tag for tag in link_tags(h)]
    return out


def shape_text(norm: Normalized) -> str:
    """The text whose shape is measured, each link as one token character: a URL's letters, digits and
    length say nothing about the message around it (a chat line with a long link read as an SMS ad)."""
    if not norm.handles:
        return norm.text
    text = norm.text
    for h in norm.handles:
        if h.kind == "url":
            text = text.replace(h.text, _URL_TOKEN, 1)
    return text


_URL_TOKEN = TOKENS["url"]


def key_name(key: int) -> str:
    """Human-readable form of a gram key, for the reasons of a verdict."""
    if key < 0:
        k = -key - 1
        return f"pinyin {SYLLABLES[k >> 16]} {SYLLABLES[k & 0xFFFF]}"
    chars = []
    while key:
        chars.append(chr(key & ((1 << _BITS) - 1)))
        key >>= _BITS
    return "".join(reversed(chars)).translate(_READABLE)


class MessageFeaturizer:
    """Char/pinyin/word/handle tokens with tf-idf over a learned vocabulary, plus shape features.

    Parameters
    ----------
    max_features : int
        Largest vocabulary kept (most frequent tokens by document frequency).
    min_df : int
        A token must occur in at least this many training messages.
    char_max_n : int
        Longest character n-gram (at most 3).
    segmenter : {"rjieba", "jieba"}
        Word segmentation backend (model/segment.py).
    shape_weight : float
        Scale of the dense shape features next to the unit-norm token block.
    ignore_ordinary_links : bool
        Leave links to ordinary sites out (without_ordinary_links): "there is a link" is no evidence, only
        the parts that hide or send somewhere are. False for models trained before it (they weigh every link).
    chinese_unigrams : bool
        Keep single Chinese characters as tokens. False leaves them out of the vocabulary (inference needs no
        change: a key the vocabulary lacks weighs nothing). True for models trained before it.
    """

    _PARAMS = ("max_features", "min_df", "char_max_n", "segmenter", "shape_weight", "ignore_ordinary_links",
               "chinese_unigrams")
    segment_: Segmenter  # set by _use_segmenter() when fitted or loaded

    def __init__(self, *, max_features: int = 200_000, min_df: int = 2, char_max_n: int = 3, segmenter: str = "rjieba",
                 shape_weight: float = 1.0, ignore_ordinary_links: bool = False, chinese_unigrams: bool = True):
        self.max_features = max_features
        self.min_df = min_df
        self.char_max_n = char_max_n
        self.segmenter = segmenter
        self.shape_weight = shape_weight
        self.ignore_ordinary_links = ignore_ordinary_links
        self.chinese_unigrams = chinese_unigrams

    # -- the estimator contract: parameters ----------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params) -> MessageFeaturizer:
        unknown = set(params) - set(self._PARAMS)
        if unknown:
            raise ValueError(f"unknown parameters {sorted(unknown)}; MessageFeaturizer takes {list(self._PARAMS)}")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        return f"MessageFeaturizer({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    def _check_fitted(self) -> None:
        if not hasattr(self, "gram_keys_"):
            raise NotFittedError("this MessageFeaturizer is not fitted yet: call fit() first")

    # -- word tokens ------------------------------------------------------------
    def word_tokens(self, norm: Normalized) -> list[str]:
        words = self.segment_(norm.masked)
        out = ["w" + w for w in words]
        out += ["w" + a + "_" + b for a, b in pairwise(words)]
        out += handle_tokens(norm)
        return out

    def cut_words(self, norms: Sequence[Normalized]) -> list[list[str]]:
        """Each message's words: its masked text segmented, as word_tokens() does."""
        segment = self.segment_
        return [segment(norm.masked) for norm in norms]

    def _word_columns(self, norms: Sequence[Normalized], cuts: list[list[str]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every in-vocabulary word, word bigram and handle kind (repeats kept);
        `cuts`: cut_words(norms), when already made.

        The same columns as looking up word_tokens() in word_vocab_, without building a
        string per token: each word is looked up once as an id, and bigrams are id pairs
        found for the whole batch at once (see _WordIndex)."""
        index = self._word_index
        cuts = self.cut_words(norms) if cuts is None else cuts
        words = list(chain.from_iterable(cuts))
        lens = list(map(len, cuts))
        ids = np.fromiter(map(index.ids.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        rows = np.repeat(np.arange(len(norms), dtype=np.int64), lens)
        ucols = index.unigram_cols[ids]  # ids of -1 read the table's last slot, which is -1
        pair = (rows[:-1] == rows[1:]) & (ids[:-1] >= 0) & (ids[1:] >= 0)
        pos = index.bigrams.positions(ids[:-1][pair] * index.n_words + ids[1:][pair])
        bcols = index.bigram_cols[pos]
        hrows: list[int] = []
        hcols: list[int] = []
        for i, norm in enumerate(norms):
            if norm.handles:
                for tok in handle_tokens(norm):
                    col = index.handles.get(tok[1:])
                    if col is not None:
                        hrows.append(i)
                        hcols.append(col)
        return (np.concatenate([rows[ucols >= 0], rows[:-1][pair][pos >= 0], np.asarray(hrows, dtype=np.int64)]),
                np.concatenate([ucols[ucols >= 0], bcols[pos >= 0], np.asarray(hcols, dtype=np.int64)]))

    def _token_entries(self, norms: Sequence[Normalized], cuts: list[list[str]] | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, tf-idf weight) of every distinct in-vocabulary token, rows L2-normalised."""
        rows, keys = gram_keys(norms, self.char_max_n)
        pos = self._gram_lookup.positions(keys)
        hit = pos >= 0
        wrows, wcols = self._word_columns(norms, cuts)
        # one int64 key per (row, column): a single sort groups repeats (cheaper than lexsort)
        width = self.n_tokens
        rc = np.concatenate([rows[hit] * width + pos[hit], wrows * width + wcols])  # a gram's column is its position
        rc.sort()
        first = np.ones(len(rc), dtype=bool)
        first[1:] = rc[1:] != rc[:-1]
        starts = np.flatnonzero(first)
        counts = np.diff(np.append(starts, len(rc))).astype(np.float32)
        r, c = np.divmod(rc[starts], width)
        # sublinear tf (a word said ten times is not ten times the evidence) times idf, then unit rows
        w = np.log1p(counts) * self.idf_[c]
        norm = np.sqrt(np.bincount(r, weights=w * w, minlength=len(norms))).astype(np.float32)
        norm[norm == 0] = 1.0
        return r, c, w / norm[r]

    # -- sklearn API --------------------------------------------------------
    def fit(self, X: Iterable[str], y=None):
        _check_documents(X)
        return self.fit_normalized([normalize(x) for x in X])

    def fit_normalized(self, norms: Sequence[Normalized]):
        if not norms:
            raise ValueError("cannot fit on an empty sequence of messages")
        if not isinstance(self.max_features, int) or self.max_features < 1:
            raise ValueError(f"max_features must be a positive int, got {self.max_features!r}")
        if not isinstance(self.min_df, int) or self.min_df < 1:
            raise ValueError(f"min_df must be a positive int, got {self.min_df!r}")
        if self.char_max_n not in (1, 2, 3):
            raise ValueError(f"char_max_n must be 1, 2 or 3, got {self.char_max_n!r}")
        self._use_segmenter()  # word_tokens() below segments with it
        if self.ignore_ordinary_links:
            norms = [without_ordinary_links(n) for n in norms]
        # document frequency of gram keys: unique (row, key) pairs, then count keys
        rows, keys = gram_keys(norms, self.char_max_n)
        if not self.chinese_unigrams:
            # a unigram's key is its code point; every longer n-gram's is above 2**21 and a pinyin bigram's negative
            keep = (keys < _CJK_FIRST) | (keys > _CJK_LAST)
            rows, keys = rows[keep], keys[keep]
        order = np.lexsort((keys, rows))
        rows, keys = rows[order], keys[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (keys[1:] != keys[:-1])
        gram_ids, gram_df = np.unique(keys[first], return_counts=True)
        word_df: Counter[str] = Counter()
        for norm in norms:
            word_df.update(set(self.word_tokens(norm)))
        # one ranking over both families: most frequent first, ties by a stable key
        candidates = [(int(df), 0, int(k), "") for k, df in zip(gram_ids, gram_df, strict=True) if df >= self.min_df]
        candidates += [(n, 1, 0, t) for t, n in word_df.items() if n >= self.min_df]
        if not candidates:
            raise ValueError("no token occurs in min_df messages; fit on more messages or lower min_df")
        candidates.sort(key=lambda c: (-c[0], c[1], c[2], c[3]))
        kept = candidates[: self.max_features]
        grams = sorted((c[2], c[0]) for c in kept if c[1] == 0)
        words = sorted((c[3], c[0]) for c in kept if c[1] == 1)
        df = np.array([d for _, d in grams] + [d for _, d in words], dtype=np.float64)
        idf = (np.log((1 + len(norms)) / (1 + df)) + 1.0).astype(np.float32)
        return self.set_vocabulary(np.array([k for k, _ in grams], dtype=np.int64), [t for t, _ in words], idf)

    def set_vocabulary(self, gram_keys: np.ndarray, words: Sequence[str], idf: np.ndarray) -> MessageFeaturizer:
        """The fitted state, from fit() or from a saved model: gram keys (columns 0..), then word,
        word-bigram and handle tokens (the columns after them), and the idf of every column."""
        if len(idf) != len(gram_keys) + len(words):
            raise ValueError(f"{len(idf)} idf values for {len(gram_keys)} gram keys and {len(words)} word tokens")
        self._forget_derived()  # a refit must not keep tables of the old vocabulary
        self._use_segmenter()
        self.gram_keys_ = np.asarray(gram_keys, dtype=np.int64)
        self.word_vocab_ = {t: len(gram_keys) + i for i, t in enumerate(words)}
        self.idf_ = np.asarray(idf, dtype=np.float32)
        self.n_features_out_ = self.n_tokens + len(SHAPE_NAMES)
        return self

    def _use_segmenter(self) -> None:
        if getattr(self, "segment_", None) is None or self.segment_.backend != self.segmenter:
            self.segment_ = Segmenter(self.segmenter)

    def word_tokens_by_column(self) -> list[str]:
        """The word, word-bigram and handle tokens of the vocabulary, in column order."""
        return sorted(self.word_vocab_, key=self.word_vocab_.__getitem__)

    @property
    def n_tokens(self) -> int:
        return len(self.gram_keys_) + len(self.word_vocab_)

    def featurize(self, norms: Sequence[Normalized]) -> Features:
        """The features of a batch as plain arrays: the inference path (numpy only)."""
        self._check_fitted()
        if not norms:  # shape_rows needs a text at least
            none = np.empty(0, dtype=np.int64)
            return Features(TokenEntries(none, none, np.empty(0, dtype=np.float32), 0),
                            np.empty((0, len(SHAPE_NAMES)), dtype=np.float32), [])
        if self.ignore_ordinary_links:
            norms = [without_ordinary_links(n) for n in norms]
        cuts = self.cut_words(norms)
        r, c, w = self._token_entries(norms, cuts)
        shapes = shape_rows([shape_text(m) for m in norms], [m.n_emoji for m in norms],
                            [m.n_placeholders for m in norms], [len(m.handles) for m in norms])
        return Features(TokenEntries(r, c, w, len(norms)), (shapes * self.shape_weight).astype(np.float32), cuts)

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        _check_documents(X)
        return self.transform_normalized([normalize(x) for x in X])

    def transform_normalized(self, norms: Sequence[Normalized]) -> sp.csr_matrix:
        """featurize() as one scipy CSR matrix (n, n_features_out_), for training: each row's token
        columns (sorted), then its shape columns, every one stored even when 0."""
        import scipy.sparse as sp

        feats = self.featurize(norms)
        n, k = feats.shapes.shape
        t = feats.tokens
        rows = np.concatenate([t.rows, np.repeat(np.arange(n, dtype=np.int64), k)])
        cols = np.concatenate([t.cols, np.tile(np.arange(self.n_tokens, self.n_tokens + k, dtype=np.int64), n)])
        vals = np.concatenate([t.weights, feats.shapes.ravel()])
        order = np.argsort(rows, kind="stable")
        indptr = np.searchsorted(rows[order], np.arange(n + 1))
        return sp.csr_matrix((vals[order], cols[order].astype(np.int32), indptr.astype(np.int32)), shape=(n, self.n_tokens + k))

    # -- names, for explanations ----------------------------------------------
    def column_name(self, col: int) -> str:
        """Readable name of a token column (cached: the same few thousand recur as evidence)."""
        name = self._names.get(col)
        if name is None:
            name = self._names[col] = self._column_name(col)
        return name

    def _column_name(self, col: int) -> str:
        if col < len(self.gram_keys_):
            return key_name(int(self.gram_keys_[col]))
        tok = self._word_names[col]
        return ("handle " if tok[0] == "h" else "") + tok[1:].replace("_", " ").translate(_READABLE)

    # -- tables derived from the fitted vocabulary: built once (prepare()), never pickled -----
    _DERIVED = ("_gram_lookup", "_word_index", "_word_names", "_names")

    @cached_property
    def _gram_lookup(self) -> IntLookup:
        return IntLookup(self.gram_keys_)

    @cached_property
    def _word_index(self) -> _WordIndex:
        return _WordIndex(self.word_vocab_)

    @cached_property
    def _word_names(self) -> dict[int, str]:
        return {j: t for t, j in self.word_vocab_.items()}

    @cached_property
    def _names(self) -> dict[int, str]:
        return {}  # column -> readable name, filled as evidence asks; bounded by the vocabulary

    def prepare(self) -> None:
        """Build the derived tables now (at load), not inside the first request."""
        for name in self._DERIVED:
            getattr(self, name)

    def _forget_derived(self) -> None:
        for name in self._DERIVED:
            self.__dict__.pop(name, None)

    def __getstate__(self):
        state = dict(self.__dict__)  # a copy: the live object keeps its derived tables
        for name in self._DERIVED:
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict) -> None:
        state.pop("_sklearn_version", None)  # pickled by scikit-learn's BaseEstimator (model format 1)
        self.__dict__.update(state)

    def named_columns(self, norm: Normalized) -> dict[int, str]:
        """Column -> readable token, for the tokens of one message that are in the vocabulary."""
        cols = self.featurize([norm]).tokens.cols.tolist()
        return {c: self.column_name(c) for c in cols}


class _WordIndex:
    """word_vocab_ re-keyed for lookup by word id, so that no token string is built per message.

    A vocabulary token is "w" + word, "w" + a + "_" + b (a word bigram) or "h" + handle kind.
    Every "w" token is registered as a unigram and, for each "_" inside it, as the bigram of
    the two sides: the string alone cannot tell "a_b" the word from (a, b) the bigram, and
    word_tokens() maps both to the same token, so the column is the same either way.
    """

    def __init__(self, vocab: dict[str, int]) -> None:
        self.ids: dict[str, int] = {}
        word_id = self.ids.setdefault  # word_id(w, len(self.ids)): w's id, a new one on first sight
        self.handles = {tok[1:]: col for tok, col in vocab.items() if tok[0] == "h"}
        words = [(tok[1:], col) for tok, col in vocab.items() if tok[0] == "w"]
        unigram_ids = [word_id(word, len(self.ids)) for word, _ in words]
        # each (a, b) pair comes from one token string, a + "_" + b: no pair is listed twice
        left: list[int] = []
        right: list[int] = []
        bigram_cols: list[int] = []
        for word, col in words:
            at = word.find("_")
            while at != -1:
                if 0 < at < len(word) - 1:
                    left.append(word_id(word[:at], len(self.ids)))
                    right.append(word_id(word[at + 1 :], len(self.ids)))
                    bigram_cols.append(col)
                at = word.find("_", at + 1)
        self.n_words = len(self.ids)
        # one extra slot at the end, read by the id -1 of an unknown word
        self.unigram_cols = np.full(self.n_words + 1, -1, dtype=np.int64)
        self.unigram_cols[np.array(unigram_ids, dtype=np.int64)] = [col for _, col in words]
        self.bigrams = IntLookup(np.array(left, dtype=np.int64) * self.n_words + np.array(right, dtype=np.int64))
        # positions() answers -1 for a missing pair: the last slot holds -1 too
        self.bigram_cols = np.array(bigram_cols + [-1], dtype=np.int64)
