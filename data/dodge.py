"""Copies of ad and spam rows with their contact dodged, so that dodging carries no label.

The guide (advertising): "obfuscated forms count the same: 沟买(购买), 瘦后(售后), 君羊(群),
内步(内部), digits split by spaces or symbols". In the corpora, dodged contacts come almost only
with lures (Telegram and SMS spam write 薇/嶶/➕/☎ and spaced digits; shops and the MMO trade
channel write 微信 and plain numbers), so a model learns "a dodged contact is spam" and an honest
offer whose seller dodges a filter (保洁一次一百二，威信 b a o j i e 6 8) is read as a lure.

Each spam and advertising row with a contact (a keyword and an id, or a mobile number) may get one
copy with that contact dodged, at the same rate for both labels, so a dodge says nothing about
which of the two a message is: what it sells decides. The dodges are the guide's and the contact
words that the corpora's own training rows already use (薇, 威信, V信, vx, 加V, ➕, 嶶, 溦, 徽信,
绿泡泡, 扣扣, 企鹅, ☎); nothing comes from the behaviour suite or the probe suites.
"""
from __future__ import annotations

import random
import re

from qunguard.data.mapping import ADVERTISING, SPAM

RATE = 0.5  # share of eligible spam and advertising rows that get a dodged copy
LABELS = (SPAM, ADVERTISING)

# the plain contact words, by the kind of contact they name
_KIND = {"微信号": "wechat", "微信": "wechat", "加微": "wechat", "vx": "wechat", "VX": "wechat", "wx": "wechat",
         "WX": "wechat", "v信": "wechat", "V信": "wechat", "QQ号": "qq", "qq号": "qq", "QQ": "qq", "qq": "qq",
         "扣扣": "qq", "电话": "phone", "手机": "phone", "热线": "phone"}
# a contact word (longest first: 微信号 before 微信), an optional separator, then the id it names
_CONTACT = re.compile(
    "(?P<word>" + "|".join(sorted(_KIND, key=len, reverse=True)) + ")"
    r"(?P<sep>\s*[:：]?\s*)(?P<value>[A-Za-z0-9_\-]{5,20})(?![A-Za-z0-9_])"
)
_DIGIT = re.compile("[0-9]")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
# the dodged spellings of each kind of contact word, as the corpora's rows write them
DODGED_WORDS = {
    "wechat": ("薇", "薇信", "威信", "V信", "vx", "加V", "➕V", "➕薇", "嶶", "溦", "徽信", "绿泡泡"),
    "qq": ("扣扣", "企鹅", "Q Q", "➕Q", "扣"),
    "phone": ("☎", "☎️", "電話", "T E L", "手 机"),
}
_SEPARATORS = (" ", " ", "-", "·", ".", "~", "/", "_")  # a space twice: the commonest
_CN_DIGITS = ("零一二三四五六七八九", "〇壹贰叁肆伍陆柒捌玖", "0幺二三四五六七八九")
_ASCII_ID = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FULL_WIDTH = str.maketrans(_ASCII_ID, "".join(chr(ord(c) + 0xFEE0) for c in _ASCII_ID))
# the guide's homophones for words around the contact
HOMOPHONES = (("购买", "沟买"), ("售后", "瘦后"), ("内部", "内步"), ("群", "君羊"))


def _dodge_value(rng: random.Random, value: str) -> str:
    roll = rng.random()
    if value.isdigit() and roll < 0.35:  # digits written as Chinese numerals, maybe in groups
        digits = rng.choice(_CN_DIGITS)
        out = "".join(digits[int(c)] for c in value)
        return out if rng.random() < 0.5 else " ".join(out[i:i + 4] for i in range(0, len(out), 4))
    if roll < 0.5:  # full-width forms
        return value.translate(_FULL_WIDTH)
    sep = rng.choice(_SEPARATORS)
    if rng.random() < 0.3 and len(value) > 6:  # split in groups ("139 2071 5584")
        return sep.join(value[i:i + 4] for i in range(0, len(value), 4))
    return sep.join(value)  # one character at a time ("b a o j i e")


def dodge(rng: random.Random, text: str) -> str | None:
    """text with its first contact dodged (and maybe one of the guide's homophones), or None without one."""
    m = next((m for m in _CONTACT.finditer(text) if _DIGIT.search(m.group("value"))), None)  # not 电话PHONE
    if m is not None:
        kind = _KIND[m.group("word")]
        word = rng.choice(DODGED_WORDS[kind]) if rng.random() < 0.8 else m.group("word")
        sep = rng.choice(("：", ":", " ", "", m.group("sep")))
        new = word + sep + _dodge_value(rng, m.group("value"))
        start, end = m.span()
    else:
        p = _MOBILE.search(text)
        if p is None:
            return None
        new = _dodge_value(rng, p.group(0))
        start, end = p.span()
    out = text[:start] + new + text[end:]
    if rng.random() < 0.3:
        present = [(a, b) for a, b in HOMOPHONES if a in out[:start] or a in out[start + len(new):]]
        if present:
            a, b = rng.choice(present)
            out = out.replace(a, b, 1)
    return out if out != text else None


def dodge_contacts(rows: list[dict], seed: int) -> list[dict]:
    """Extra rows: a dodged copy of RATE of the spam and advertising rows that hold a contact."""
    out = []
    for r in rows:
        if r["label"] not in LABELS or r.get("augmented"):
            continue
        rng = random.Random(f"{seed}/dodge/{r['source']}/{r.get('ref', '')}/{r['text']}")
        if rng.random() >= RATE:
            continue
        text = dodge(rng, r["text"])
        if text is not None:
            out.append({**r, "text": text, "rule": "augment_dodge", "augmented": True})
    return out
