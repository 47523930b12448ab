"""Character-class helpers built at import, and the characters step 1 strips."""
from __future__ import annotations

import re
import unicodedata

from .result import TEXT_TOKENS
from .tables import prebuilt


def char_class(codepoints) -> str:
    """Compact regex character class body (ranges) for a set of code points."""
    cps = sorted(set(codepoints))
    parts = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        a, b = cps[i], cps[j]
        parts.append(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}")
        i = j + 1
    return "".join(parts)


def alt(words) -> str:
    """Regex alternation of literal words, longest first (so "/笑哭" is not cut to a shorter
    name and "[动画表情]" wins)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


class CharSet:
    """Membership search for a big set of code points.

    A regex class mixing BMP and astral code points compiles to a linear range list in `re`
    (~1.2 us per 40 chars); a BMP-only class compiles to a bitmap (~0.3 us). So search the BMP
    part always and the astral part only when the text has an astral character at all."""

    __slots__ = ("astral", "bmp")

    def __init__(self, cps):
        cps = set(cps)
        lo = [c for c in cps if c < 0x10000]
        hi = [c for c in cps if c >= 0x10000]
        self.bmp = re.compile(f"[{char_class(lo)}]") if lo else None
        self.astral = re.compile(f"[{char_class(hi)}]") if hi else None

    def search(self, s: str, astral: bool) -> bool:
        if self.bmp is not None and self.bmp.search(s):
            return True
        return bool(astral and self.astral is not None and self.astral.search(s))


ASTRAL_RE = re.compile("[\U00010000-\U0010FFFF]")

# Chinese digits; read as digits only inside a handle (after a contact keyword)
CN_DIGITS = "〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖幺"
_CN_DIGIT_VALUE = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")}
_CN_DIGIT_VALUE.update({c: str(i) for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")})
_CN_DIGIT_VALUE["幺"] = "1"
CN_DIGIT_TABLE = {ord(k): v for k, v in _CN_DIGIT_VALUE.items()}


# --- step 1: invisible characters ------------------------------------------------------------

# Cf/Cc/Cs/Co occur only in planes 0-1 and the tag block of plane 14. The ideograph and Hangul
# syllable blocks hold only letters or unassigned code points, so they are not scanned.
_SCAN = (range(0x3400), range(0x4DC0, 0x4E00), range(0xA000, 0xAC00), range(0xD7A4, 0x20000),
         range(0xE0000, 0xE1000))
_OTHER = frozenset(("Cf", "Cc", "Cs", "Co"))


def build_strip_codepoints() -> list[int]:
    """The code points step 1 removes, in order."""
    category = unicodedata.category
    cps = set()
    for rng in _SCAN:
        for cp in rng:
            cat = category(chr(cp))
            if cat not in _OTHER:
                continue
            if cat == "Cf":
                if cp != 0x200D:  # ZWJ keeps emoji ZWJ sequences whole in step 2; removed after
                    cps.add(cp)
            elif cat == "Cc":
                if chr(cp) not in "\t\n\r":
                    cps.add(cp)
            elif cat == "Cs":
                cps.add(cp)  # a lone surrogate (a broken emoji half) cannot be encoded, let alone read
            elif chr(cp) not in TEXT_TOKENS:
                # private use (icon fonts, old carrier emoji) would collide with our tokens; the
                # img/sticker/emoji tokens pass through so that normalize(n.text) reproduces n
                cps.add(cp)
    cps.update(range(0x200B, 0x2010))       # zero-width space/joiners, LRM/RLM
    cps.discard(0x200D)
    cps.update(range(0x2060, 0x2070))       # word joiner, invisible operators
    cps.update((0xFEFF, 0x00AD, 0x034F, 0x180E))
    cps.update(range(0xFE00, 0xFE0F))       # variation selectors 1-15 (VS16 kept for emoji)
    cps.update(range(0xE0100, 0xE01F0))     # variation selectors supplement
    cps.update(range(0x16A0, 0x1700))       # Runic block (a Telegram corpus appends ᚠ/ᚰ to rows)
    cps.update((0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800))  # Hangul fillers, braille blank
    cps.update(range(0x0300, 0x0370))       # stray combining marks (strike-through/Zalgo)
    cps.update(c for c in range(0x20D0, 0x2100) if c != 0x20E3)  # combining marks for symbols
    cps.update(range(0xFE20, 0xFE30))
    return sorted(cps)


STRIP_CPS = set(prebuilt("strip", build_strip_codepoints))
STRIP_RE = re.compile(f"[{char_class(STRIP_CPS)}]+")
STRIP_HINT = CharSet(STRIP_CPS)
# NFKC turns kaomoji spacing marks (￣ ´ ˙ ˚) into space + combining mark; the mark goes as in step 1
COMBINING_RE = re.compile("[\u0300-\u036f]+")
