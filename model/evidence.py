"""A verdict's evidence as a group member can read it: spans of the message as it was written.

The model's strongest tokens are columns of the featurizer (character n-grams and words of
the masked, normalised text; pinyin bigrams; handle kinds). A character n-gram or a word is
text, so it can be found again: each character of the original message is folded on its own
the way normalize() folds it (NFKC, look-alikes, traditional -> simplified, lower case,
spaces and invisible characters out, digits masked), the token is searched in that folded
string, and the characters it came from are the span. A token that cannot be found this way
(pinyin, handle kinds, pictures, stickers, emoji, or a rewrite such as 君羊 -> 群) is left out:
the contact_handle reason already names handles.
"""
from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from qunguard.model.features import _BITS, BOS, EOS
from qunguard.model.normalize import _STRIP_RE, _TABLE  # the same tables normalize() folds with

if TYPE_CHECKING:
    from qunguard.model.features import MessageFeaturizer

_MASK_DIGITS = str.maketrans("123456789", "000000000")  # as normalize() masks digits for n-grams
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")  # stand-ins for pictures, stickers, emoji and handles

Span = tuple[int, int]  # [start, end) in the original text


@lru_cache(maxsize=1 << 16)
def _fold_char(ch: str) -> str:
    """One character as normalize() would write it, on its own ("" if normalize() drops it)."""
    if _STRIP_RE.fullmatch(ch) or unicodedata.category(ch) in ("Cc", "Cf"):
        return ""
    folded = unicodedata.normalize("NFKC", ch).translate(_TABLE).lower()
    return "".join(folded.split()).translate(_MASK_DIGITS)


class _FoldTable(dict):
    """str.translate's table: a code point -> its folded text, each computed once (_fold_char) on first sight.
    With `odd`, a code point that folds to exactly one character is dropped (None) and any other kept: a text
    translated by it is empty when every character folds one to one."""

    def __init__(self, odd: bool) -> None:
        super().__init__()
        self.odd = odd

    def __missing__(self, code: int) -> str | None:
        folded = _fold_char(chr(code))
        value = (None if len(folded) == 1 else chr(code)) if self.odd else folded
        self[code] = value
        return value


_FOLD = _FoldTable(odd=False)
_ODD = _FoldTable(odd=True)


def _fold(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the index of the original one it came from."""
    if not text.translate(_ODD):  # each character folds to one (two C-level passes): origin is the identity
        return text.translate(_FOLD), list(range(len(text)))
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch):
            chars.append(c)
            origin.append(i)
    return "".join(chars), origin


def _gram_text(key: int) -> str:
    chars = []
    while key:
        chars.append(chr(key & ((1 << _BITS) - 1)))
        key >>= _BITS
    return "".join(reversed(chars))


def column_text(featurizer: MessageFeaturizer, col: int) -> str | None:
    """The text a token column stands for (message edges kept as BOS/EOS), or None if it is not text."""
    if col < len(featurizer.gram_keys_):
        key = int(featurizer.gram_keys_[col])
        return None if key < 0 else _gram_text(key)  # a negative key is a pinyin bigram
    token = featurizer._word_names[col]
    if token[0] != "w":
        return None  # a handle kind or a link part
    return token[1:].replace("_", "")  # a word bigram "a_b" stands for the words a and b side by side


def _needle(text: str | None) -> tuple[str, bool] | None:
    """What a token's text is searched as in a folded message, and whether from its end; None if it has no text."""
    if text is None or _PRIVATE_USE.search(text):
        return None
    needle = "".join(map(_fold_char, text.strip(BOS + EOS)))
    return (needle, text.endswith(EOS)) if needle else None


# a model's columns -> their needles, filled as columns are first asked for; kept beside the featurizer, not in it
# (it is pickled with the model), and dropped with it
_NEEDLES: weakref.WeakKeyDictionary[MessageFeaturizer, dict[int, tuple[str, bool] | None]] = weakref.WeakKeyDictionary()


def _column_needle(featurizer: MessageFeaturizer, col: int) -> tuple[str, bool] | None:
    needles = _NEEDLES.get(featurizer)
    if needles is None:
        needles = _NEEDLES[featurizer] = {}
    if col not in needles:
        needles[col] = _needle(column_text(featurizer, col))
    return needles[col]


def _locate(needle: tuple[str, bool] | None, folded: str, origin: list[int]) -> Span | None:
    """Where a token's needle (_needle) is in the folded message, as a span of the original one; or None."""
    if needle is None:
        return None
    chars, at_end = needle
    start = folded.rfind(chars) if at_end else folded.find(chars)
    if start < 0:
        return None
    return origin[start], origin[start + len(chars) - 1] + 1


def _merge(spans: list[Span]) -> list[Span]:
    """Overlapping or touching spans as one (a word and its characters, 私 and 聊), in message order."""
    merged: list[Span] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def evidence_spans(featurizer: MessageFeaturizer, cols: Sequence[int], text: str, top: int = 3) -> list[str]:
    """Up to `top` spans of `text` (the message as written) for the strongest columns `cols`
    (strongest first) that can be found in it, in message order."""
    folded, origin = _fold(text)
    spans: list[Span] = []
    for col in cols:
        span = _locate(_column_needle(featurizer, col), folded, origin)
        if span is not None and span not in spans:
            spans.append(span)
            if len(spans) == top:
                break
    return [text[a:b].strip() for a, b in _merge(spans)]
