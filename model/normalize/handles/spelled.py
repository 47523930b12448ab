"""Ids spelled out a character at a time with no keyword before them ("y u g a n / b a o y a n g",
"k p o p - d a i g o u"). Spelling an id out is the dodge itself (the guide: "digits split by spaces or
symbols"), and chat does not spell six characters apart beside its words, so no keyword is needed. They are
read as WeChat ids, the ids spammers spell out most; a keyword-led one ("薇：m i a n") is found by wechat.py
with its keyword in the span, which wins as the longer match. A spelled-out run that is the whole message is
no id: members spell words and titles out alone (`M I S E R Y`, `S C P 0 9 6` in the danmaku pools, 6 of
their 7 deletes), while an ad spells its id beside what it sells (no labelled row is one alone)."""
from __future__ import annotations

import re

# six to twenty single letters or digits, each apart by 1-3 separators; the class comes before the
# lookbehind so that `re` keeps its fast first-character scan
_SPELLED_RE = re.compile(r"[a-z0-9](?<![a-z0-9]{2})(?:[\s·\-~_/|.・〓]{1,3}[a-z0-9]){5,19}(?![a-z0-9])")
_UNITS_RE = re.compile("[a-z0-9]")
_KEY_ROWS = (frozenset("qwertyuiop"), frozenset("asdfghjkl"), frozenset("zxcvbnm"))
_RUNS = "abcdefghijklmnopqrstuvwxyz 0123456789"
# what a message holds besides the spelled run: words, or a placeholder (a picture beside an id can be the ad)
_WORD = re.compile(r"[0-9a-z\u4e00-\u9fff\ue000-\uf8ff]")


# cheap gate: three single characters apart, as a spelled id starts (most texts have no "x x x")
_GATE_RE = re.compile(r"[a-z0-9][\s·\-~_/|.・〓]{1,3}[a-z0-9][\s·\-~_/|.・〓]{1,3}[a-z0-9](?![a-z0-9])")


def find_spelled_id(t: str, add) -> None:
    if _GATE_RE.search(t) is None:
        return
    for m in _SPELLED_RE.finditer(t):
        if _WORD.search(t, 0, m.start()) is None and _WORD.search(t, m.end()) is None:
            continue  # the whole message: a word or title spelled out, not an id offered beside an ad
        units = _UNITS_RE.findall(m.group())
        # three letters at least (a spaced-out count "1 2 3 4 5 6" is no id) and four distinct
        # characters (laughter "h a h a h a" is none either); letters of one keyboard row are key-mashing
        # ("a s d f g h"), which shape.py reads as flooding, and the alphabet in order ("a b c d e f") is a list
        kinds = set(units)
        value = "".join(units)
        if (sum(u.isalpha() for u in units) >= 3 and len(kinds) >= 4 and not any(kinds <= row for row in _KEY_ROWS)
                and value not in _RUNS):
            add((m.start(), m.end(), "wechat", value))
