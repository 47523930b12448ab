"""QQ numbers, keyword first ("加qq 2744 7053", "扣扣:123456") or after the number
("12554971+企鹅", "1627 4251 口")."""
from __future__ import annotations

import re

from .common import CHAIN, CHAIN_START, KSEP, after_letter, extend_left, take_groups

# 扣 and its homophones 蔻/寇/筘/宼/抠/叩 (all kòu: "蔻2107 4319", "家看筘─5四2 7049") and "+口"
# name QQ next to a number
QQ_KOU = "扣蔻寇筘宼抠叩"
# (keyword alternatives are spelled as literals, not a class: a pattern whose alternatives all
# start with a literal gets `re`'s fast first-character scan; one starting with a class does not)
_QQ_RE = re.compile(
    r"(?P<kw>q(?:[-_.]?q)?(?![a-z])|" + "|".join(QQ_KOU) + r"|\+口|加我)"
    rf"(?:号码?)?{KSEP}(?P<n>{CHAIN})"
)
# number first, QQ word after: "12554971+企鹅", "2218439086+口口+", "《2◎48 782》加企鹅"
_TRAIL_QQ_RE = re.compile(
    rf"(?P<n>{CHAIN_START})[^\w\n]{{0,3}}(?:加)?"
    # a QQ word that starts a handle of its own ("... 加qq 67890") is not a trailing one
    rf"(?:(?:口口|企鹅|扣扣|qq(?![a-z]))(?![^\w\n]{{0,4}}[0-9]{{5}})|[{QQ_KOU}]|口(?!\w)|(?<=\+)口)"
)
# cheap gates (a bare class, no alternation: `re` scans for a class in C, an alternation
# position by position)
_QQ_GATE = re.compile(f"[q{QQ_KOU}]")
_TRAIL_GATE = re.compile(f"[口鹅{QQ_KOU}]")


def find_qq(t: str, add) -> None:
    """QQ keyword (q, qq, 扣 and homophones, +口, 加我) then 5-11 digits."""
    if not (_QQ_GATE.search(t) or "加我" in t or "+口" in t):
        return
    for m in _QQ_RE.finditer(t):
        i = m.start()
        if m.group("kw") != "加我":
            if after_letter(t, i):  # "iq 130", "faq": not a keyword
                continue
            i = extend_left(t, i, "加+")
        r = take_groups(m.group("n"), m.start("n"), 5, 11)
        if r:
            add((i, r[1], "qq", r[2]))


def find_trailing_qq(t: str, add) -> None:
    """5-11 digits then a QQ word; the digits are taken from the right."""
    if not (_TRAIL_GATE.search(t) or "qq" in t):
        return
    for m in _TRAIL_QQ_RE.finditer(t):
        r = take_groups(m.group("n"), m.start("n"), 5, 11, from_right=True)
        if r:
            add((r[0], m.end(), "qq", r[2]))
