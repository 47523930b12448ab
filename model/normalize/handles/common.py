"""What the handle finders share: the digit-chain grammar and span helpers."""
from __future__ import annotations

import re

from ..charsets import CN_DIGIT_TABLE, CN_DIGITS

D = "[0-9" + CN_DIGITS + "]"                         # a digit inside handle context
SEP = r"[\s\-.·・─━—–_|/\\,;:~=+*÷◎○●•、]"            # separators spammers put between digits
# digits with separators (grouping is checked in Python); possessive, so no backtracking
CHAIN = f"{D}(?:{SEP}{{0,3}}{D})*+"  # "2 9 6 · 4 1 0": a spaced symbol is 3
# same, but only from the first digit of a run: the lookbehind sits after the first class so
# that `re` keeps its fast first-character scan and a long digit run is not retried per digit
CHAIN_START = f"{D}(?<!{D}{D})(?:{SEP}{{0,3}}{D})*+"
# between a keyword and its value; an emoji token (U+E002) or a "+" there is a dodge: "加威❤：id", "v+ id"
KSEP = r"[\s:;,=\-_.~→>|/(\[【「『<《─━—–·+\ue002]{0,4}"

# Keyword-led handles keep the keyword in the span ("加qq 2744 7053"). Each regex starts with a
# literal or a class so `re` can skip ahead in C; context that would need a leading optional
# group or a lookbehind (加/进 before the keyword, "not after a Latin letter") is checked in
# Python by extend_left / after_letter.

LATIN = frozenset("abcdefghijklmnopqrstuvwxyz")
GROUPS_RE = re.compile(f"{D}+")


def after_letter(t: str, i: int) -> bool:
    """True when t[i] continues a Latin word (so "v"/"q"/"tg" there is not a keyword)."""
    return i > 0 and t[i - 1] in LATIN


def extend_left(t: str, i: int, words: str) -> int:
    """Include one preceding 加/进/+ in the span."""
    return i - 1 if i > 0 and t[i - 1] in words else i


def unglue_scheme(t: str, end: int) -> int:
    """End of a handle that runs into the next URL without a space ("@yckj777https://...")."""
    if t.startswith("://", end):
        if t.endswith("https", 0, end):
            return end - 5
        if t.endswith("http", 0, end):
            return end - 4
    return end


def chain_digits(s: str) -> str:
    """The digits of a chain, Chinese numerals read as digits, separators dropped."""
    return "".join(c for c in s.translate(CN_DIGIT_TABLE) if "0" <= c <= "9")


def take_groups(chain: str, start: int, lo: int, hi: int, from_right: bool = False):
    """Split a digit chain into separator-delimited groups and keep as many whole groups as fit
    into `hi` digits (from the left, or from the right for trailing-keyword handles).
    Returns (start, end, digits) relative to the text, or None if fewer than `lo` digits."""
    if len(chain) < lo:
        return None                          # fewer characters than digits needed
    if chain.isdigit() and chain.isascii():  # the common case: one plain run of digits
        n = len(chain)
        return (start, start + n, chain) if n <= hi else None
    groups = [(m.start(), m.end(), chain_digits(m.group())) for m in GROUPS_RE.finditer(chain)]
    if from_right:
        groups.reverse()
    kept, total = [], 0
    for g in groups:
        if total + len(g[2]) > hi:
            break
        kept.append(g)
        total += len(g[2])
    if total < lo:
        return None
    if from_right:
        kept.reverse()
    return start + kept[0][0], start + kept[-1][1], "".join(g[2] for g in kept)
