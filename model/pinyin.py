"""Toneless pinyin per Chinese character, for homophone-proof features.

Keyword dodgers swap characters for homophones (沟买 for 购买, 瘦后 for 售后,
内步 for 内部, 薇 for 微); their toneless pinyin is the same, so pinyin
n-grams carry the signal the characters hide. The table comes from pypinyin's
character dictionary (first reading), built once at import, both as a dict
(char -> syllable) and as a numpy array (code point -> syllable id) for the
vectorised feature path.
"""
from __future__ import annotations

import unicodedata

import numpy as np
from pypinyin.pinyin_dict import pinyin_dict

CJK_END = 0xA000  # table covers U+0000..U+9FFF (CJK Extension A and the URO)


def _toneless(reading: str) -> str:
    first = reading.split(",")[0]
    return "".join(c for c in unicodedata.normalize("NFD", first) if not unicodedata.combining(c)).replace("ü", "v")


PINYIN: dict[str, str] = {chr(code): _toneless(reading) for code, reading in pinyin_dict.items() if 0x3400 <= code < CJK_END}
SYLLABLES: tuple[str, ...] = ("",) + tuple(sorted(set(PINYIN.values())))  # id 0 = no pinyin
_ID = {s: i for i, s in enumerate(SYLLABLES)}
SYLLABLE_IDS = np.zeros(CJK_END, dtype=np.int64)
for _ch, _s in PINYIN.items():
    SYLLABLE_IDS[ord(_ch)] = _ID[_s]


def syllables(text: str) -> list[str]:
    """Pinyin of each Chinese character in order; other characters are skipped."""
    get = PINYIN.get
    return [s for s in map(get, text) if s]
