"""Toneless pinyin per Chinese character, for homophone-proof features.

Keyword dodgers swap characters for homophones (沟买 for 购买, 瘦后 for 售后,
内步 for 内部, 薇 for 微); their toneless pinyin is the same, so pinyin
n-grams carry the signal the characters hide. The table comes from pypinyin's
character dictionary (first reading), both as a dict (char -> syllable) and as
a numpy array (code point -> syllable id) for the vectorised feature path.

Importing pypinyin takes ~0.7 s (its package loads the phrase dictionary too), so
the derived table is kept in model/resources/pinyin.txt, written by
`python -m qunguard.model.pinyin` with the sha256 of the pypinyin files it came from. If
the installed pypinyin's files differ, the table is built from pypinyin at import
(the same table as before the cache, only slower) and a warning says to rewrite it.
"""
from __future__ import annotations

import hashlib
import importlib.util
import sys
import unicodedata
import warnings
from pathlib import Path

import numpy as np

CJK_END = 0xA000  # table covers U+0000..U+9FFF (CJK Extension A and the URO)
TABLE_FILE = Path(__file__).resolve().parent / "resources" / "pinyin.txt"
_SOURCES = ("pinyin_dict.py", "pinyin_dict.json")  # pypinyin's character dictionary: code and data


def _toneless(reading: str) -> str:
    first = reading.split(",")[0]
    return "".join(c for c in unicodedata.normalize("NFD", first) if not unicodedata.combining(c)).replace("ü", "v")


def source_sha256() -> str:
    """sha256 of the installed pypinyin's character dictionary files (found without importing pypinyin)."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or spec.origin is None:
        raise ImportError("pypinyin is not installed")
    h = hashlib.sha256()
    for name in _SOURCES:
        h.update((Path(spec.origin).parent / name).read_bytes())
    return h.hexdigest()


def build_table() -> dict[str, str]:
    """Character -> toneless syllable, from pypinyin itself."""
    from pypinyin.pinyin_dict import pinyin_dict

    return {chr(code): _toneless(reading) for code, reading in pinyin_dict.items() if 0x3400 <= code < CJK_END}


def write_table(path: Path = TABLE_FILE) -> None:
    """The table file: the pypinyin sha256, then a line "syllable<TAB>characters" per syllable."""
    by_syllable: dict[str, list[str]] = {}
    for ch, s in sorted(build_table().items()):
        by_syllable.setdefault(s, []).append(ch)
    lines = [f"sha256\t{source_sha256()}"] + [f"{s}\t{''.join(chars)}" for s, chars in sorted(by_syllable.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_table(path: Path = TABLE_FILE) -> dict[str, str] | None:
    """The table file's table, or None if it is missing or was written from other pypinyin files."""
    try:
        header, *rows = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    if header != f"sha256\t{source_sha256()}":
        return None
    table: dict[str, str] = {}
    for row in rows:
        syllable, chars = row.split("\t")
        table.update(dict.fromkeys(chars, syllable))
    return table


def _table() -> dict[str, str]:
    table = read_table()
    if table is not None:
        return table
    if __name__ != "__main__":  # run to write the file: no warning
        warnings.warn(f"{TABLE_FILE} is missing or was written from another pypinyin; building the table from "
                      "pypinyin (slow). Rewrite it: python -m qunguard.model.pinyin", stacklevel=2)
    return build_table()


PINYIN: dict[str, str] = _table()
SYLLABLES: tuple[str, ...] = ("",) + tuple(sorted(set(PINYIN.values())))  # id 0 = no pinyin
_ID = {s: i for i, s in enumerate(SYLLABLES)}
SYLLABLE_IDS = np.zeros(CJK_END, dtype=np.int64)
SYLLABLE_IDS[[ord(ch) for ch in PINYIN]] = [_ID[s] for s in PINYIN.values()]


def syllables(text: str) -> list[str]:
    """Pinyin of each Chinese character in order; other characters are skipped."""
    get = PINYIN.get
    return [s for s in map(get, text) if s]


if __name__ == "__main__":
    write_table()
    print(f"wrote {TABLE_FILE} ({len(build_table()):,} characters)", file=sys.stderr)
