"""Mobile phone numbers without a keyword: 11 digits starting 13-19, whole or in groups
("138 1234 5678", "18683 583314"), not after 订单号/卡号/id."""
from __future__ import annotations

import re

from ..charsets import CN_DIGITS
from .common import CHAIN, chain_digits

_PHONE_CHAIN_RE = re.compile(r"[0-9]+(?:[ \-.·─_|/]{1,3}[0-9]+)*")  # "136 / 0248 / 7715": a spaced slash is 3
_PHONE_HINT = re.compile(r"1[ \-.·─_|/]{0,3}[3-9]")  # the chain's separators, as in _PHONE_CHAIN_RE
_NOT_PHONE_BEFORE = ("单号", "编号", "订单", "账号", "帐号", "卡号", "id")
_ASCII_GROUPS_RE = re.compile("[0-9]+")
# a number written in Chinese numerals after a phone keyword: "电话 幺五零 · 叁捌柒陆 · 贰玖零伍"
_CN_PHONE_RE = re.compile(rf"(?:电话|手机|热线|致电|联系|tel)\s*[:：]?\s*(?P<n>{CHAIN})")
_CN_DIGIT_RE = re.compile(f"[{CN_DIGITS}]")


def _phone_in_chain(chain: str, start: int):
    """An 11-digit mobile number inside a chain of digit groups: one 11-digit group, 11
    single-digit groups (1 3 8 ...), or 2-4 groups of 3+ digits (138 1234 5678, 18683 583314).
    A run that is only part of the chain must be cut off by whitespace, so "3.14159265358"
    (a decimal) and "2024-13812345678-1" are not phones."""
    groups = [(m.start(), m.end(), m.group()) for m in _ASCII_GROUPS_RE.finditer(chain)]
    n = len(groups)
    for i in range(n):
        total = 0
        j = i
        while j < n:
            total += len(groups[j][2])
            if total >= 11:
                break
            j += 1
        if total != 11:
            continue
        run = groups[i:j + 1]
        digits = "".join(g[2] for g in run)
        if digits[1] not in "3456789" or digits[0] != "1":
            continue
        if i > 0 and not chain[groups[i - 1][1]:run[0][0]].isspace():
            continue
        if j + 1 < n and not chain[run[-1][1]:groups[j + 1][0]].isspace():
            continue
        sizes = [len(g[2]) for g in run]
        if len(run) == 1 or all(x == 1 for x in sizes) or (len(run) <= 4 and min(sizes) >= 3):
            return start + run[0][0], start + run[-1][1], digits
    return None


def find_phone(t: str, add) -> None:
    if _CN_DIGIT_RE.search(t):
        for m in _CN_PHONE_RE.finditer(t):
            digits = chain_digits(m.group("n"))
            if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789" and _CN_DIGIT_RE.search(m.group("n")):
                add((m.start("n"), m.end("n"), "phone", digits))
    if not _PHONE_HINT.search(t):
        return
    for m in _PHONE_CHAIN_RE.finditer(t):
        chain = m.group()
        if len(chain) >= 11:
            r = _phone_in_chain(chain, m.start())
            # order/account/card numbers look like phones: "订单号：19513967161"
            if r and not any(w in t[max(0, r[0] - 5):r[0]] for w in _NOT_PHONE_BEFORE):
                add((r[0], r[1], "phone", r[2]))
