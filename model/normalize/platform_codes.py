"""Step 0: a bot framework's message codes read as what the chat client shows.

QQ bots on OneBot v11 (go-cqhttp, NapCat, Lagrange, LLOneBot; nonebot2 and koishi on top) get a message as
`raw_message`, its parts written as CQ codes: `[CQ:at,qq=123456789] 明天几点上课？`, `[CQ:face,id=178]`,
`[CQ:image,file=…,url=https://gchat.qpic.cn/…]`. Read as text, a mention's account number is a QQ number and the
picture's address a link: a plain question read as an ad, with a contact to back deleting it. So each code becomes
what a member sees: a mention `@name`, a picture `[图片]`, a face `[表情]`, a voice `[语音]`; a reply marker is
dropped (the message it answers is the bot's `reply_to`, service/quotes.py). A link card keeps its title and
address and a mini-program card its prompt and link, since a card can be the ad. The codes' escapes
(`&#91;` `&#93;` `&#44;` `&amp;`) are undone. A text with neither a code nor an escaped bracket is not touched.

The QQ open platform's own bot API writes a mention as `<@!123456789>` and a face as `<emoji:4>`; Koishi and other
Satori-protocol bots write the same parts as elements (`<at id="123456789"/>`, `<img src="…"/>`,
`<face id="178"/>`, `<quote id="…"/>`); they are read the same way, and their text's escapes (`&lt;` `&gt;`
`&quot;` `&amp;`) undone.

WeChat bots (wechaty, WeChatFerry, itchat) get a card (a shared link, a mini-program, a quoted reply, a transfer) as
its XML, `<msg><appmsg><title>…</title><des>…</des><url>…</url><type>5</type>…`, and a picture, voice or sticker
as `<msg><img …/>`: a card is read as its kind, title, description and link, a quoted reply as WeChat's own quote
(`「name：quoted」`, dashes, the reply: service/quotes.py), a picture as `[图片]`.
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
    "node": "[聊天记录]", "redbag": "[QQ红包]", "music": "[链接]", "xml": "[链接]",
    "reply": "", "markdown": "", "keyboard": "",
}
_UNESCAPE = (("&#91;", "["), ("&#93;", "]"), ("&#44;", ","), ("&amp;", "&"))
# where QQ keeps its pictures: an address elsewhere in a picture's code was not put there by the client (a code
# typed as text by a sender), so it is kept as a link for the model to read
_QQ_MEDIA = re.compile(r"^(?:https?://(?:[\w-]+\.)*(?:qpic\.cn|qlogo\.cn|gtimg\.cn)(?:[/?#:]|$)"
                       r"|https?://multimedia\.nt\.qq\.com\.cn(?:[/?#:]|$)|(?:base64|file|internal|data):)")
_JSON_FIELDS = re.compile(r'"(prompt|desc|title|jumpUrl|qqdocurl|url)"\s*:\s*"((?:[^"\\]|\\.){1,300})"')


def _unescape(s: str, table: tuple[tuple[str, str], ...] = _UNESCAPE) -> str:
    """Escapes undone: OneBot's by default, or XML's (_XML_UNESCAPE)."""
    for code, char in table:
        if code in s:
            s = s.replace(code, char)
    return s


def _mention(name: str | None, everyone: bool) -> str:
    """A mention as the client shows it, whatever the code named it by."""
    return "@全体成员 " if everyone else f"@{name or '群友'} "


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
        return _mention(p.get("name"), p.get("qq") == "all")
    if kind == "image":
        p = _params(raw)
        if p.get("type") == "flash":
            return "[闪照]"
        # a picture sent as a sticker (sub_type 1, or the client's summary) is a sticker
        shown = "[动画表情]" if p.get("subType", p.get("sub_type")) == "1" or "表情" in p.get("summary", "") else "[图片]"
        return _with_foreign_address(shown, p.get("url", ""))
    if kind == "share":
        p = _params(raw)
        return " ".join(x for x in (p.get("title", ""), p.get("url", "")) if x) or "[链接]"
    if kind == "json":
        return _card(_params(raw).get("data", ""))
    if kind == "contact":  # a recommended friend or group: OneBot gives its number only, which is no text of the member's
        return "[群名片]" if _params(raw).get("type") == "group" else "[名片]"
    return _SHOWN.get(kind, "")  # a kind this list does not know says nothing about the message


# the QQ open platform's bot API (botpy) writes a mention as <@!id> or <@id>, a face as <emoji:id>, a channel as <#id>
_QQ_API = re.compile(r"<@!?\d{1,20}>|<emoji:\d{1,6}>|<#\d{1,20}>")
_QQ_API_SHOWN = {"@": _mention(None, False), "e": "[表情]", "#": ""}
# Satori elements: a self-closing or paired tag of a kind a chat message holds; text escapes &lt; &gt; &quot; &amp;
_ELEMENT = re.compile(r'<(at|img|image|face|quote|audio|video|file|sharp|author|mface)\b([^<>]*?)/?>(?:[^<>]*</\1>)?')
_ATTR = re.compile(r'([a-z_-]+)="([^"]*)"')
_SATORI_SHOWN = {"img": "[图片]", "image": "[图片]", "face": "[表情]", "mface": "[表情]", "audio": "[语音]",
                 "video": "[视频]", "file": "[文件]", "quote": "", "author": "", "sharp": ""}
_XML_UNESCAPE = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&amp;", "&"))  # Satori's and WeChat's XML


def _element(m: re.Match) -> str:
    kind = m[1]
    attrs = dict(_ATTR.findall(m[2]))
    if kind == "at":
        return _mention(attrs.get("name"), attrs.get("type") == "all")
    return _with_foreign_address(_SATORI_SHOWN[kind], attrs.get("src", "") if kind in ("img", "image") else "")


def _with_foreign_address(shown: str, address: str) -> str:
    """A picture's placeholder, and its address too when QQ does not keep pictures there."""
    return shown if not address or _QQ_MEDIA.match(address) else f"{shown} {address} "


def read_elements(s: str) -> str:
    """A WeChat message's XML, or a Satori (Koishi) message with its elements, read as the client shows them, and
    its escapes undone (called only for a text holding "<")."""
    card = read_wechat_xml(s)
    if card is not None:
        return card
    if "<@" in s or "<emoji:" in s or "<#" in s:
        s = _QQ_API.sub(lambda m: _QQ_API_SHOWN[m[0][1]], s)
    read = _ELEMENT.sub(_element, s)
    if read is s:
        return s  # no element: a "<" in ordinary text (<3, a<b) stays as written
    return _unescape(read, _XML_UNESCAPE)


# a WeChat message's XML: the fields a member sees on a card, CDATA or escaped text
_XML_FIELD = re.compile(r"<(title|des|url|type|sourcedisplayname|displayname|content)>\s*(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))\s*</\1>",
                        re.DOTALL)
_XML_MEDIA = (("<img", "[图片]"), ("<voicemsg", "[语音]"), ("<emoji", "[表情]"), ("<videomsg", "[视频]"),
              ("<location", "[位置]"))
_CARD_KIND = {"33": "[小程序]", "36": "[小程序]", "6": "[文件]", "19": "[聊天记录]", "2000": "[转账]", "2001": "[红包]"}
_DASHES = "- - - - - - - - - - - - - - -"


def read_wechat_xml(s: str) -> str | None:
    """A WeChat message's XML as the client shows it, or None if the text is no such XML. Text after the XML (the
    links a bot passes beside a message are judged after it: service/hidden_links.py) is kept after the card."""
    head = s.lstrip()[:64]
    if not head.startswith(("<msg", "<?xml")):
        return None
    xml, closed, after = s.rpartition("</msg>")
    if closed and after.strip():
        card = read_wechat_xml(xml + closed)
        return f"{card} {after.strip()}" if card else None
    appmsg, _, refer = s.partition("<refermsg>")
    if "<appmsg" not in appmsg:
        if card := _contact_card(s):
            return card
        return next((shown for tag, shown in _XML_MEDIA if tag in s), None)
    fields: dict[str, str] = {}
    for key, cdata, text in _XML_FIELD.findall(appmsg):
        fields.setdefault(key, _unescape(cdata or text, _XML_UNESCAPE).strip())
    kind = fields.get("type", "")
    if kind == "57" and refer:  # a quoted reply: the reply is the card's title, the quote its refermsg
        quoted = {k: _unescape(c or t, _XML_UNESCAPE).strip() for k, c, t in reversed(_XML_FIELD.findall(refer))}
        return f"「{quoted.get('displayname', '')}：{quoted.get('content', '')}」\n{_DASHES}\n{fields.get('title', '')}"
    words = [_CARD_KIND.get(kind, "[链接]"), fields.get("sourcedisplayname", ""), fields.get("title", ""),
             fields.get("des", ""), fields.get("url", "")]
    return " ".join(w for w in words if w)


# a contact card (WeChat's type 42): one <msg …/> whose attributes name the account; the client shows its nickname
# on a card marked 个人名片, or 公众号名片 for an official account (a gh_ user name). Read as its XML, its avatar
# addresses were links and its attributes words: a teacher's card shared in a class group read as spam
def _contact_card(s: str) -> str | None:
    """A WeChat contact card as the client shows it, or None if `s` is no card."""
    start = s.find("<msg")
    attrs = dict(_ATTR.findall(s, start, s.find(">", start)))  # the <msg> tag's own attributes
    if "username" not in attrs or "nickname" not in attrs:
        return None
    shown = "[公众号名片]" if attrs["username"].startswith("gh_") else "[名片]"
    name = " ".join(_unescape(attrs["nickname"], _XML_UNESCAPE).split())
    return f"{shown} {name}" if name else shown


def read_cq_codes(s: str) -> str:
    """A raw_message with its CQ codes read as the client shows them, and its escapes undone (called only for a
    text holding "[CQ:" or "&#9")."""
    return _unescape(_CQ.sub(_shown, s))
