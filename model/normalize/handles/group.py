"""Group numbers: 群/裙 + 5-11 digits ("加群 123456789", "qq群: 2744 7053")."""
from __future__ import annotations

import re

from .common import CHAIN, KSEP, after_letter, extend_left, take_groups

_GROUP_RE = re.compile(rf"[群裙](?:号码?)?{KSEP}(?P<n>{CHAIN})")


def find_group(t: str, add) -> None:
    if "群" not in t and "裙" not in t:
        return
    for m in _GROUP_RE.finditer(t):
        r = take_groups(m.group("n"), m.start("n"), 5, 11)
        if r:
            i = m.start()
            # "qq群" / "q群" belong to the span, then one 加/进
            if i > 0 and t[i - 1] == "q":
                j = i - 2 if i > 1 and t[i - 2] == "q" else i - 1
                if not after_letter(t, j):
                    i = j
            add((extend_left(t, i, "加进"), r[1], "group", r[2]))
