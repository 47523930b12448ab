"""Shape of a message: the numbers that tell noise from talk.

Works on `Normalized.text`, where placeholders and emoji are already single
token characters (model.normalize.TOKENS). Used twice: as dense features of
the classifier, and as the guide's text-only flooding test when the training
data is labelled (data/mapping.py), so both agree on what "excess" means.
Hot path: one str.translate to character classes, then counts, with the
costlier regexes run only when a cheap necessary condition holds.
"""
from __future__ import annotations

import math
import re

import numpy as np

from model.cues import cue_counts

_TOKEN_CHARS = ("\ue000", "\ue001", "\ue002")
_RUN5 = re.compile(r"(.)\1{4,}", re.S)
_PHRASE3 = re.compile(r"(.{2,8}?)\1{2,}", re.S)
_PHRASE3_ANY = re.compile(r"(.{2,8}?)\1\1", re.S)  # same hits, ~2x cheaper: a pre-check for _PHRASE3
_KEYMASH = re.compile(r"^(?:[asdfghjkl]{6,}|[qwertyuiop]{6,}|[zxcvbnm]{6,})$")
_PHRASE_STRIP = " ，,。.!！?？~"


def _class_table() -> dict[int, str]:
    # c = Chinese character, l = Latin letter, d = digit, t = placeholder/emoji token, s = space, p = punctuation
    table = {cp: "c" for cp in range(0x3400, 0xA000)}
    table.update({ord(ch): "l" for ch in "abcdefghijklmnopqrstuvwxyz"})
    table.update({ord(ch): "d" for ch in "0123456789"})
    table.update({ord(ch): "t" for ch in _TOKEN_CHARS})
    table.update({ord(ch): "s" for ch in " \t\n\r\u3000"})
    punct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" + "".join(map(chr, range(0x3001, 0x3040))) + "".join(map(chr, range(0xFF01, 0xFF10)))
    punct += "…—–·‘’“”•～"
    table.update({ord(ch): "p" for ch in punct if ord(ch) not in table})
    return table


_CLASSES = _class_table()

SHAPE_NAMES = (
    "log_length",
    "longest_run_share",
    "has_run5",
    "has_phrase3",
    "digit_share",
    "latin_share",
    "cjk_share",
    "emoji_count",
    "placeholder_count",
    "tokens_without_words",
    "handle_count",
    "distinct_char_share",
    "punct_share",
    "guide_spam_cues",
    "guide_ad_cues",
    "text_flood",  # last: features.text_flood_flags reads it from there
)


def _longest_run(text: str) -> int:
    best = run = 0
    prev = None
    for ch in text:
        run = run + 1 if ch == prev else 1
        prev = ch
        if run > best:
            best = run
    return best


def _analyse(text: str):
    """(classes, longest run, run5 match?, phrase3 match or None, distinct chars) of stripped text."""
    classes = text.translate(_CLASSES)
    longest = _longest_run(text)
    distinct = len(set(text))
    run5 = longest >= 5
    # a phrase said 3 times needs at least 4 repeated characters: skip the costly regex otherwise
    phrase = _PHRASE3.search(text) if len(text) - distinct >= 4 and _PHRASE3_ANY.search(text) else None
    if phrase is not None and not phrase.group(1).strip(_PHRASE_STRIP):
        phrase = None
    return classes, longest, run5, phrase, distinct


def _is_flood(text: str, classes: str, run5: bool, phrase) -> bool:
    tokens = classes.count("t")
    words = classes.count("c") + classes.count("l")
    if tokens >= 3 and words <= 1:
        return True
    if classes.count("l") >= 6 and _KEYMASH.match(text.replace(" ", "")):
        return True
    if run5:
        excess = sum(len(m.group(0)) for m in _RUN5.finditer(text))
    elif phrase is not None:
        excess = len(phrase.group(0))
    else:
        return False
    rest = _RUN5.sub("", _PHRASE3.sub("", text)).translate(_CLASSES)
    leftover = rest.count("c") + rest.count("l")
    return leftover <= 3 or excess >= 0.6 * len(text)


def is_text_flood(text: str) -> bool:
    """The labelling guide's test for flooding by text alone: excess, little else said.

    A run of 5+ of one character, a phrase said 3+ times, 3+ emoji or placeholders
    with no words, or key-mashing, making up most of the message.
    """
    t = text.strip()
    if not t:
        return False
    classes, _, run5, phrase, _ = _analyse(t)
    return _is_flood(t, classes, run5, phrase)


def shape_vector(text: str, n_emoji: int, n_placeholders: int, n_handles: int) -> list[float]:
    t = text.strip()
    n = len(t) or 1
    classes, longest, run5, phrase, distinct = _analyse(t)
    words = classes.count("c") + classes.count("l")
    flood = bool(t) and _is_flood(t, classes, run5, phrase)
    spam_cues, ad_cues = cue_counts(t)
    return [
        math.log1p(len(t)) / 6.0,
        longest / n,
        1.0 if run5 else 0.0,
        1.0 if phrase is not None else 0.0,
        classes.count("d") / n,
        classes.count("l") / n,
        classes.count("c") / n,
        min(n_emoji, 10) / 10.0,
        min(n_placeholders, 10) / 10.0,
        1.0 if (n_emoji + n_placeholders) >= 3 and words <= 1 else 0.0,
        min(n_handles, 3) / 3.0,
        distinct / n,
        classes.count("p") / n,
        min(spam_cues, 3) / 3.0,
        min(ad_cues, 3) / 3.0,
        1.0 if flood else 0.0,
    ]


def shape_matrix(rows: list[list[float]]) -> np.ndarray:
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(SHAPE_NAMES))
