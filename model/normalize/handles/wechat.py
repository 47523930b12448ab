"""WeChat ids: 微信/wechat/微/薇/加威/v + an id with a digit or a 5-20 digit number
("加V Was4872", "vx: abc_123"; 薇信/VX are folded to 微信 before)."""
from __future__ import annotations

import re

from .common import CHAIN, GROUPS_RE, KSEP, extend_left, take_groups

_WX_RE = re.compile(
    r"(?P<kw>微信号?码?|[薇威徽]\ue002?信|wechat|wei\s?xin|微|薇|威|v\s?x(?![a-z])|v(?!ip))"
    rf"(?P<sep>{KSEP})"
    rf"(?:(?P<id>[a-z][-_a-z0-9]{{5,19}}+)(?![-_a-z0-9])"
    # an id spelled out a character at a time to dodge filters: "m i a n m o 6 6 8", "h u f u _ 9 9"
    r"|(?P<sid>[a-z0-9](?: [a-z0-9_]){5,19})(?![a-z0-9_])"
    rf"|(?P<n>{CHAIN}))"
)
_WX_GATE = re.compile("[v微薇威]")  # "v x" too
_HAS_DIGIT = re.compile("[0-9]")
_JOINED = re.compile("[a-z][_-][a-z]")
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def find_wechat(t: str, add) -> None:
    if not (_WX_GATE.search(t) or "wechat" in t or "xin" in t):
        return
    for m in _WX_RE.finditer(t):
        kw = m.group("kw")
        start = m.start()
        i = extend_left(t, start, "加+")
        # weak keywords: a lone "v" (VIP levels "v7", codes "#vvl2c8q", "bv1xx411") and
        # 威 (威武, 威力) count only in clear contact shapes
        weak = kw == "v" or kw == "威"
        if weak:
            if kw == "威" and i == start:            # 威 only as "加威"
                continue
            if start > 0 and t[start - 1] in _ALNUM:  # "bv1", "9vrq2plj": inside a token
                continue
        ident = m.group("id")
        spelled = m.group("sid")
        if spelled is not None:
            # a spelled-out id is a dodge in itself; it still needs a contact shape (加, a colon, a "+" or 微信)
            if weak and i == start and not set(":+").intersection(m.group("sep")):
                continue
            add((i, m.end(), "wechat", spelled.replace(" ", "")))
            continue
        if ident is not None:
            # a letters-only id only after an explicit "微信号"/"微信:", or "加威:"/"加v:", or shaped like an id
            # (joined by "_" or "-": "微信 qiquan_xuetang", "v:pet_snack_gc"); otherwise need a digit
            if not _HAS_DIGIT.search(ident) and not (
                (kw.startswith("微信") and (":" in m.group("sep") or "号" in kw))
                or (i < start and ":" in m.group("sep"))
                or (_JOINED.search(ident) and (not weak or ":" in m.group("sep")))
            ):
                continue
            # "v" glued to a letter id ("vb110000") is only a handle after 加/+
            if weak and not m.group("sep") and i == start:
                continue
            add((i, m.end(), "wechat", ident))
        else:
            r = take_groups(m.group("n"), m.start("n"), 5, 20)
            if r:
                # "v11,2700多钻石": after a weak keyword the first digit group needs 3+ digits
                if weak:
                    first = GROUPS_RE.match(t, m.start("n"))  # always matches: the chain starts with a digit
                    if first is not None and first.end() - m.start("n") < 3:
                        continue
                add((i, r[1], "wechat", r[2]))
