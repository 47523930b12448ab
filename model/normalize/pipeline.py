"""normalize(): the steps in order, each skipped by a cheap pre-check when it cannot apply."""
from __future__ import annotations

import re
import unicodedata

from .charsets import ASTRAL_RE, COMBINING_RE, STRIP_HINT, STRIP_RE
from .folding import (
    ALIAS_HINT,
    ALIAS_RE,
    CJK_SPACE_RE,
    CONTACT_HINT,
    CONTACT_HINT_GRP,
    CONTACT_RE,
    NEEDS_TABLE,
    TABLE,
    alias_sub,
    contact_sub,
    mask_identifiers,
)
from .handles import HANDLE_HINT_RE, find_handles
from .placeholders import LEFTOVER_RE, tokenize_placeholders
from .platform_codes import read_cq_codes, read_elements
from .result import TOKENS, Handle, Normalized, new_handle, new_normalized

_NONZERO_DIGIT_RE = re.compile("[1-9]")
# a keycap (9⃣️, 1️⃣: a digit, VS16 and U+20E3 in either order) is its digit: "招9⃣️本以上玩家", "☎️1️⃣3️⃣8️⃣…"
_KEYCAP_DIGIT_RE = re.compile("([0-9])\ufe0f?\u20e3\ufe0f?")


def normalize(raw: str) -> Normalized:
    """Canonical text, masked text, contact handles and emoji/placeholder counts of one message."""
    s = raw
    # 0. a QQ bot's raw_message: CQ codes read as the client shows them (a mention's account number is no contact),
    # and the brackets it escapes (&#91;捂脸&#93;) written back
    if "[CQ:" in s or "&#9" in s:
        s = read_cq_codes(s)
    if "<" in s:  # a Satori (Koishi) message's elements, the same parts written as tags
        s = read_elements(s)
    ascii_only = s.isascii()
    astral = not ascii_only and ASTRAL_RE.search(s) is not None

    # 1. invisible/format/control chars and the Runic row suffix carry no meaning and split words
    if STRIP_HINT.search(s, astral):
        s = STRIP_RE.sub("", s)

    # 1b. keycap digits are digits, not emoji: a phone number spelled in them is still a phone number
    if "\u20e3" in s:
        s = _KEYCAP_DIGIT_RE.sub(r"\1", s)

    # 2. placeholders and emoji become single tokens before NFKC can rewrite them; count them
    n_emoji = n_ph = 0
    if not ascii_only or "[" in s or "/" in s:
        s, n_emoji, n_ph = tokenize_placeholders(s)
        if "\u200d" in s or "\ufe0f" in s:
            s = LEFTOVER_RE.sub("", s)

    if not ascii_only:
        # 3'. the ellipsis …… is one punctuation mark in Chinese; NFKC would make it six dots,
        # which read as a run (flooding). ⋯ survives NFKC and counts as punctuation.
        if "\u2026" in s:
            s = s.replace("\u2026", "\u22ef")
        # 3. NFKC folds full-width, math alphanumerics, ①, ㈠ ... to plain characters
        folded = unicodedata.normalize("NFKC", s)
        if folded is not s:
            s = folded
            if COMBINING_RE.search(s):
                s = COMBINING_RE.sub("", s)
        astral = astral and ASTRAL_RE.search(s) is not None

        # 4 + 5a. look-alike letters -> Latin and traditional -> simplified, one table, if needed
        if NEEDS_TABLE.search(s, astral):
            s = s.translate(TABLE)

        # 5a'. spaces between Chinese characters: Chinese is written without them, so they are
        # either a corpus's segmentation or a dodge ("加 微 信"); both carry no meaning
        if " " in s or "\u3000" in s or "\t" in s:
            s = CJK_SPACE_RE.sub("", s)

        # 5b. split characters (君羊 -> 群) that keyword dodgers write instead of one character
        if ALIAS_HINT.search(s):
            s = ALIAS_RE.sub(alias_sub, s)

    # 5c. contact-word variants (薇信 -> 微信, VX -> 微信, 扣扣123 -> qq123, 裙12345 -> 群12345)
    if CONTACT_HINT.search(s) or ("裙" in s and CONTACT_HINT_GRP.search(s)):
        s = CONTACT_RE.sub(contact_sub, s)

    # 3b. lowercase (after step 4 so uppercase look-alikes map by their own shape)
    s = s.lower().strip()
    if "\u0307" in s:  # "İ".lower() == "i" + combining dot: drop the mark as step 1 would
        s = s.replace("\u0307", "")

    # 5d. a number an identifier word introduces (会议号, 单号, 学号, uid…) is no contact: one token (folding.IDENT_RE)
    s = mask_identifiers(s)

    # 6. handles (skipped when the text cannot contain one)
    handles: tuple[Handle, ...] = ()
    masked = s
    if HANDLE_HINT_RE.search(s):
        found = find_handles(s)
        if found:
            handles = tuple([new_handle(k, s[a:b], v) for a, b, k, v in found])
            # 7a. each handle span -> its kind token
            parts = []
            pos = 0
            for a, b, k, _v in found:
                parts.append(s[pos:a])
                parts.append(TOKENS[k])
                pos = b
            parts.append(s[pos:])
            masked = "".join(parts)
        # 7b. remaining digits carry no meaning for char n-grams, only their shape does
        masked = _NONZERO_DIGIT_RE.sub("0", masked)
    return new_normalized(s, masked, handles, n_emoji, n_ph)
