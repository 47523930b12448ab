"""E-mail addresses ("abc.d@qq.com")."""
from __future__ import annotations

import re

_EMAIL_RE = re.compile(
    r"[a-z0-9._%+\-](?<![a-z0-9._%+\-]{2})[a-z0-9._%+\-]*+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,10}"
    r"(?![a-z0-9])"
)


def find_email(t: str, add) -> None:
    if "@" not in t:
        return
    for m in _EMAIL_RE.finditer(t):
        add((m.start(), m.end(), "email", m.group()))
