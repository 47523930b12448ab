"""Telegram usernames: "@name" (not inside an e-mail) and 飞机/纸飞机/tg/telegram/电报 + name,
the way Chinese spam names Telegram (飞机搜：AGZL688, 飞机@xt999999). t.me links are found
with the URLs (url.py)."""
from __future__ import annotations

import re

from .common import after_letter, unglue_scheme

_TG_AT_RE = re.compile(r"@(?P<u>[a-z][a-z0-9_]{4,31})(?![a-z0-9_])")
_TG_CTX_RE = re.compile(
    r"(?P<kw>纸飞机|飞机|tg(?![a-z])|telegram|电报)(?P<how>号|搜索?|群|频道)?(?P<sep>[\s:@]{0,3})"
    r"(?P<u>[a-z][a-z0-9_]{4,31})(?![a-z0-9_])"
)
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._%+-")
_HAS_DIGIT_OR_UNDERSCORE = re.compile("[0-9_]")


def find_telegram_at(t: str, add) -> None:
    if "@" not in t:
        return
    for m in _TG_AT_RE.finditer(t):
        i = m.start()
        if i == 0 or t[i - 1] not in _EMAIL_LOCAL:
            e = unglue_scheme(t, m.end())
            add((i, e, "telegram", t[i + 1:e]))


def find_telegram_keyword(t: str, add) -> None:
    if not ("飞机" in t or "tg" in t or "telegram" in t or "电报" in t):
        return
    for m in _TG_CTX_RE.finditer(t):
        if m.group("kw") == "tg" and after_letter(t, m.start()):
            continue
        # "飞机 delay" is a plane: need 搜/号/:/@ after the keyword or a digit/_ in the name
        if not (m.group("how") or ":" in m.group("sep") or "@" in m.group("sep")
                or _HAS_DIGIT_OR_UNDERSCORE.search(m.group("u"))):
            continue
        e = unglue_scheme(t, m.end())
        add((m.start(), e, "telegram", t[m.start("u"):e]))
