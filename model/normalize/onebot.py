"""Step 0: OneBot CQ codes read as what the QQ client shows.

QQ bots on OneBot v11 (go-cqhttp, NapCat, Lagrange, LLOneBot; nonebot2 and koishi on top) get a message as
`raw_message`, its parts written as CQ codes: `[CQ:at,qq=123456789] 明天几点上课？`, `[CQ:face,id=178]`,
`[CQ:image,file=…,url=https://gchat.qpic.cn/…]`. Read as text, a mention's account number is a QQ number and the
picture's address a link: a plain question read as an ad, with a contact to back deleting it. So each code becomes
what a member sees: a mention `@name`, a picture `[图片]`, a face `[表情]`, a voice `[语音]`; a reply marker is
dropped (the message it answers is the bot's `reply_to`, service/quotes.py). A link card keeps its title and
address and a mini-program card its prompt and link, since a card can be the ad. The codes' escapes
(`&#91;` `&#93;` `&#44;` `&amp;`) are undone. A text with neither a code nor an escaped bracket is not touched.
"""
from __future__ import annotations

import re

# [CQ:type,key=value,...]: values escape [ ] , & as &#91; &#93; &#44; &amp;, so a code never holds "]"
_CQ = re.compile(r"\[CQ:([a-z_]+)((?:,[^,\]]*)*)\]")
# what the client shows for each kind of part, as the placeholders normalize() knows ([图片], [表情] ...)
_SHOWN = {
    "face": "[表情]", "mface": "[表情]", "bface": "[表情]", "sface": "[表情]", "marketface": "[表情]",
    "poke": "[表情]", "shake": "[表情]", "dice": "[表情]", "rps": "[表情]",
    "record": "[语音]", "video": "[视频]", "file": "[文件]", "location": "[位置]", "forward": "[聊天记录]",
    "node": "[聊天记录]", "redbag": "[QQ红包]", "music": "[链接]", "xml": "[链接]", "contact": "[链接]",
    "reply": "", "markdown": "", "keyboard": "",
}
_UNESCAPE = (("&#91;", "["), ("&#93;", "]"), ("&#44;", ","), ("&amp;", "&"))
_JSON_FIELDS = re.compile(r'"(prompt|desc|title|jumpUrl|qqdocurl|url)"\s*:\s*"((?:[^"\\]|\\.){1,300})"')


def _unescape(s: str) -> str:
    for code, char in _UNESCAPE:
        if code in s:
            s = s.replace(code, char)
    return s


def _params(raw: str) -> dict[str, str]:
    out = {}
    for part in raw.split(",")[1:]:
        key, _, value = part.partition("=")
        out[key] = _unescape(value)
    return out


def _card(data: str) -> str:
    """A JSON card (mini-program, shared article): its prompt or title, and its link."""
    found: dict[str, str] = {}
    for key, value in _JSON_FIELDS.findall(data):
        found.setdefault(key, value.replace("\\/", "/"))
    words = found.get("prompt") or found.get("title") or found.get("desc") or ""
    link = found.get("jumpUrl") or found.get("qqdocurl") or found.get("url") or ""
    return " ".join(x for x in ("[小程序]", words, link) if x)


def _shown(m: re.Match) -> str:
    kind, raw = m[1], m[2]
    if kind == "at":
        p = _params(raw)
        who = "全体成员" if p.get("qq") == "all" else p.get("name") or "群友"
        return f"@{who} "
    if kind == "image":
        p = _params(raw)
        if p.get("type") == "flash":
            return "[闪照]"
        # a picture sent as a sticker (sub_type 1, or the client's summary) is a sticker
        return "[动画表情]" if p.get("subType", p.get("sub_type")) == "1" or "表情" in p.get("summary", "") else "[图片]"
    if kind == "share":
        p = _params(raw)
        return " ".join(x for x in (p.get("title", ""), p.get("url", "")) if x) or "[链接]"
    if kind == "json":
        return _card(_params(raw).get("data", ""))
    return _SHOWN.get(kind, "")  # a kind this list does not know says nothing about the message


def read_cq_codes(s: str) -> str:
    """A raw_message with its CQ codes read as the client shows them, and its escapes undone (called only for a
    text holding "[CQ:" or "&#9")."""
    return _unescape(_CQ.sub(_shown, s))
