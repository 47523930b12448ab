"""Shape of a message: the numbers that tell noise from talk.

Works on `Normalized.text`, where placeholders and emoji are already single
token characters (model.normalize.TOKENS). Used twice: as dense features of
the classifier, and as the guide's text-only flooding test when the training
data is labelled (data/mapping.py), so both agree on what "excess" means.

Hot path: a batch is one array of code points, so character classes, the
longest run and the distinct characters of every message come from a few
numpy passes, and the cue words from one regex pass over the joined batch.
Only messages that pass a cheap necessary condition pay for the costlier
regexes (a phrase said three times, the flood test), one at a time.
"""
from __future__ import annotations

import re
from itertools import pairwise

import numpy as np

from qunguard.model.arrays import sorted_distinct
from qunguard.model.cues import AD_CUES, SPAM_CUES

_TOKEN_CHARS = ("\ue000", "\ue001", "\ue002")
_RUN5 = re.compile(r"(.)\1{4,}", re.DOTALL)
_PHRASE3 = re.compile(r"(.{2,8}?)\1{2,}", re.DOTALL)
_PHRASE3_ANY = re.compile(r"(.{2,8}?)\1\1", re.DOTALL)  # same hits, ~2x cheaper: a pre-check for _PHRASE3
_KEYMASH = re.compile(r"^(?:[asdfghjkl]{6,}|[qwertyuiop]{6,}|[zxcvbnm]{6,})$")
# key-mashing over several rows ("sdjfklsdjf;lkajsd", "qwerasdfzxcv"): letters (and the ;' a hand hits on the way)
# whose neighbours sit on the same keyboard row, pair after pair; words and pinyin change rows every few letters
_MASH_CHARS = re.compile(r"^[a-z;',./\[\]]{10,}$")
_ROW = {c: i for i, row in enumerate(("qwertyuiop", "asdfghjkl;'", "zxcvbnm,./")) for c in row}
# down the keyboard's columns ("qazwsxedcrfv"), and Zhuyin letters typed for nothing ("ㄅㄆㄇㄈㄉㄊ")
_COLUMN_MASH = re.compile(r"^(?:qaz|wsx|edc|rfv|tgb|yhn|ujm|zaq|xsw|cde|vfr|bgt|nhy|mju){3,}[a-z]{0,2}$")
_ZHUYIN_MASH = re.compile(r"^[\u3105-\u312f\s]{6,}$")
_LAUGH_2333 = re.compile(r"^2{1,2}3{4,}$")  # "2333333": a laugh, not a number
# laughter in letters ("hhahah", "hahhha"): home-row keys, but a laugh, not key-mashing
_LATIN_LAUGH = re.compile(r"^[ha]+$")
# a reply that ends or opens with a laugh ("太贴了哈哈哈哈哈哈", "哈哈哈哈哈哈笑死我了"): the guide's "the reply
# as a whole decides". Laughter is these characters; a reply is 2+ letters or Chinese characters once
# the laughter and the interjections that say nothing (救命, 噗, 啊, 卧槽) are taken out. A wall of laughter
# longer than _LAUGH_FORGIVEN is excess whatever comes with it.
_LAUGH_CHARS = frozenset("哈呵嘿嘻")
_LAUGH_OR_FILLER = re.compile(r"[哈呵嘿嘻嘎噗嗝啊哇呜嗷哦噢额呃哎唉诶嗯艹操草]+|救命|卧槽|我去|我靠|天哪|天啊|妈呀|(?<![a-z])[ha]*h[ha]*(?![a-z])")
_LAUGH_FORGIVEN = 20


def _class_table() -> dict[int, str]:
    # c = Chinese character, l = Latin letter, d = digit, t = placeholder/emoji token, s = space, p = punctuation
    table = {cp: "c" for cp in range(0x3400, 0xA000)}
    table.update({ord(ch): "l" for ch in "abcdefghijklmnopqrstuvwxyz"})
    table.update({ord(ch): "d" for ch in "0123456789"})
    table.update({ord(ch): "t" for ch in _TOKEN_CHARS})
    table.update({ord(ch): "s" for ch in " \t\n\r\u3000"})
    punct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" + "".join(map(chr, range(0x3001, 0x3040))) + "".join(map(chr, range(0xFF01, 0xFF10)))
    punct += "…⋯—–·‘’“”•～"
    table.update({ord(ch): "p" for ch in punct if ord(ch) not in table})
    return table


_CLASSES = _class_table()  # for str.translate, on the rare path of _is_flood
_CLASS_IDS = "xcldtp"  # x = none of the others (spaces included: no feature counts them)
_CLASS_OF = np.zeros(0x110000, dtype=np.uint8)  # code point -> index in _CLASS_IDS (1 byte: 1.1 MB, not 8.9)
_CLASS_OF[list(_CLASSES)] = [_CLASS_IDS.find(cls) if cls in _CLASS_IDS else 0 for cls in _CLASSES.values()]
C, L, D, T, P = (_CLASS_IDS.index(k) for k in "cldtp")

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


def _inside_number(text: str, run: re.Match) -> bool:
    """A run of one digit inside a longer number (电话13800000000, 转账100000元) is a number, not
    "1111111": a different digit touches it. "2333333" alone is a laugh."""
    if not run.group(1).isdigit() or _LAUGH_2333.match(text):
        return False
    before = text[run.start() - 1] if run.start() > 0 else ""
    after = text[run.end()] if run.end() < len(text) else ""
    return before.isdigit() or after.isdigit()


def _phrase3(text: str):
    """The first phrase (2-8 characters) said 3+ times in a row, ignoring pure punctuation, or None.
    Words said again with a space between ("xswl xswl xswl") count: the last one lacks its trailing space."""
    if " " in text:
        text += " "
    phrase = _PHRASE3.search(text) if _PHRASE3_ANY.search(text) else None
    if phrase is not None and not phrase.group(1).translate(_CLASSES).strip("ps"):
        return None  # "、、、、、、" or "||||||" is punctuation, not a phrase said again
    if phrase is not None and _inside_number(text, phrase):
        return None  # "000000" inside 13800000000 is part of a number
    return phrase


def _keymash(text: str) -> bool:
    """Key-mashing: one row at a time (asdfghjkl) or hopping rows in runs (sdjfkl;lkajsd): 80 % of
    neighbouring keys share a row, over 10+ keys ("flaskapp" is 8)."""
    keys = text.replace(" ", "")
    if _KEYMASH.match(keys) or _COLUMN_MASH.match(keys):
        return True
    if not _MASH_CHARS.match(keys):
        return False
    rows = [_ROW.get(c) for c in keys]
    same = sum(a is not None and a == b for a, b in pairwise(rows))
    return same >= 0.8 * (len(rows) - 1)


def _is_flood(text: str, tokens: int, words: int, latin: int, run5: bool, phrase) -> bool:
    if tokens >= 3 and words <= 1:
        return True
    if latin >= 6 and not _LATIN_LAUGH.match(text) and _keymash(text):
        return True
    if _ZHUYIN_MASH.match(text):
        return True
    if run5:
        # "好的！！！！！" is a reply with emphasis: a run of punctuation is excess only when
        # nothing else is said ("？？？？？" alone)
        runs = [m for m in _RUN5.finditer(text)
                if (not words or _CLASSES.get(ord(m.group(1))) != "p") and not _inside_number(text, m)]
        excess = sum(len(m.group(0)) for m in runs)
        if not excess and phrase is None:
            return False
        if (phrase is None or _LAUGH_CHARS.issuperset(phrase.group(1))) and _laugh_with_reply(text, runs, excess):
            return False
    elif phrase is not None:
        excess = len(phrase.group(0))
    else:
        return False
    rest = _RUN5.sub("", _PHRASE3.sub("", text)).translate(_CLASSES)
    leftover = rest.count("c") + rest.count("l")
    return leftover <= 3 or excess >= 0.6 * len(text)


def _laugh_with_reply(text: str, runs: list[re.Match], excess: int) -> bool:
    """A run of laughter attached to a real reply ("哈哈哈哈哈离谱"): talk, not excess."""
    if excess > _LAUGH_FORGIVEN or not all(m.group(1) in _LAUGH_CHARS for m in runs):
        return False
    reply = _LAUGH_OR_FILLER.sub("", text).translate(_CLASSES)
    return reply.count("c") + reply.count("l") >= 2


def _hits_per_text(pattern: re.Pattern, joined: str, starts: np.ndarray) -> np.ndarray:
    """Non-overlapping matches of `pattern` per text, from one pass over the texts joined by
    newlines (no cue contains a newline, so no match spans two texts)."""
    at = [m.start() for m in pattern.finditer(joined)]
    return np.bincount(np.searchsorted(starts, at, side="right") - 1, minlength=len(starts))


def shape_rows(texts: list[str], n_emoji, n_placeholders, n_handles) -> np.ndarray:
    """(len(texts), len(SHAPE_NAMES)) float64: the shape features of each normalised text."""
    stripped = [t.strip() for t in texts]
    n = len(stripped)
    lens = np.fromiter(map(len, stripped), dtype=np.int64, count=n)
    cps = np.frombuffer("".join(stripped).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), lens)
    counts = np.bincount(rows * len(_CLASS_IDS) + _CLASS_OF[cps], minlength=n * len(_CLASS_IDS)).reshape(n, -1)
    # longest run of one character: runs start where the character or the text changes
    longest = np.zeros(n, dtype=np.int64)
    if len(cps):
        starts = np.flatnonzero(np.concatenate(([True], (cps[1:] != cps[:-1]) | (rows[1:] != rows[:-1]))))
        run_lens = np.diff(np.append(starts, len(cps)))
        np.maximum.at(longest, rows[starts], run_lens)
        # the longest run of anything but punctuation: "好的！！！！！" has no flood-like run
        longest_word_run = np.zeros(n, dtype=np.int64)
        np.maximum.at(longest_word_run, rows[starts], np.where(_CLASS_OF[cps[starts]] == P, 0, run_lens))
    else:
        longest_word_run = longest
    distinct = np.bincount(sorted_distinct((rows << 21) | cps) >> 21, minlength=n)  # distinct (row, character) pairs
    text_starts = np.concatenate(([0], np.cumsum(lens + 1)[:-1]))
    joined = "\n".join(stripped)
    spam_cues = _hits_per_text(SPAM_CUES, joined, text_starts)
    ad_cues = _hits_per_text(AD_CUES, joined, text_starts)
    words = counts[:, C] + counts[:, L]
    run5 = (longest_word_run >= 5) | ((longest >= 5) & (words == 0))
    # a phrase said 3 times needs at least 4 repeated characters: only those texts pay for the regex
    phrase = [None] * n
    for i in np.flatnonzero(lens - distinct >= 4).tolist():
        phrase[i] = _phrase3(stripped[i])
    has_phrase = np.fromiter((p is not None for p in phrase), dtype=bool, count=n)
    # the flood test, where one of its necessary conditions holds
    flood = np.zeros(n, dtype=bool)
    maybe = ((counts[:, T] >= 3) & (words <= 1)) | (counts[:, L] >= 6) | run5 | has_phrase | ((words == 0) & (lens >= 6))
    for i in np.flatnonzero(maybe & (lens > 0)).tolist():
        flood[i] = _is_flood(stripped[i], int(counts[i, T]), int(words[i]), int(counts[i, L]), bool(run5[i]), phrase[i])
    emoji = np.asarray(n_emoji, dtype=np.int64)
    placeholders = np.asarray(n_placeholders, dtype=np.int64)
    length = np.maximum(lens, 1).astype(np.float64)
    out = np.empty((n, len(SHAPE_NAMES)), dtype=np.float64)
    out[:, 0] = np.log1p(lens) / 6.0
    out[:, 1] = longest / length
    out[:, 2] = run5
    out[:, 3] = has_phrase
    out[:, 4] = counts[:, D] / length
    out[:, 5] = counts[:, L] / length
    out[:, 6] = counts[:, C] / length
    out[:, 7] = np.minimum(emoji, 10) / 10.0
    out[:, 8] = np.minimum(placeholders, 10) / 10.0
    out[:, 9] = (emoji + placeholders >= 3) & (words <= 1)
    out[:, 10] = np.minimum(np.asarray(n_handles, dtype=np.int64), 3) / 3.0
    out[:, 11] = distinct / length
    out[:, 12] = counts[:, P] / length
    out[:, 13] = np.minimum(spam_cues, 3) / 3.0
    out[:, 14] = np.minimum(ad_cues, 3) / 3.0
    out[:, 15] = flood
    return out


def is_text_flood(text: str) -> bool:
    """The labelling guide's test for flooding by text alone: excess, little else said.

    A run of 5+ of one character, a phrase said 3+ times, 3+ emoji or placeholders
    with no words, or key-mashing, making up most of the message.
    """
    return bool(shape_rows([text], [0], [0], [0])[0, -1])
