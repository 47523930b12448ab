"""Step 6: contact handles in lowercased text, one finder per family, then longest-leftmost."""
from __future__ import annotations

import re

from .email import find_email
from .group import find_group
from .phone import find_phone
from .qq import QQ_KOU, find_qq, find_trailing_qq
from .resolve import longest_leftmost
from .spelled import find_spelled_id
from .telegram import find_telegram_at, find_telegram_keyword
from .url import find_url
from .wechat import find_wechat

# Cheap pre-check: a handle needs an ASCII digit/letter or '@', except keyword + Chinese digits
# (群/扣/微/企鹅... 一二三四五; 电话/手机/热线 幺五零…); without one, step 6 is skipped.
HANDLE_HINT_RE = re.compile(f"[0-9a-z@群裙微鹅话机线{QQ_KOU}]")

# Order matters only for ties: of two candidates with the same span, the earlier finder wins.
FINDERS = (
    find_email,
    find_telegram_at,
    find_url,
    find_telegram_keyword,
    find_group,
    find_qq,
    find_wechat,
    find_trailing_qq,
    find_phone,
    find_spelled_id,  # last: a keyword-led or url reading of the same span wins the tie
)


def find_handles(t: str) -> list[tuple[int, int, str, str]]:
    """All handles in lowercased text t as (start, end, kind, value), longest-leftmost, no overlaps."""
    cands: list[tuple[int, int, str, str]] = []
    add = cands.append
    for find in FINDERS:
        find(t, add)
    return longest_leftmost(cands)
