"""URLs: with a scheme, www., a short CJK label (小财迷.cc), or Latin labels with real or
obfuscated dots (377kyty.net, kw。v2mcfsip。top, d9625点com). t.me links become Telegram handles."""
from __future__ import annotations

import re

_TLDS = (
    "com cn net org top vip xyz cc me io app lol club shop site online live fun info biz tv co "
    "ws la hk tw bet icu asia cloud wang ltd sbs cfd cyou buzz tk ml ga gq cf"
).split()
_TLD = "(?:" + "|".join(sorted(_TLDS, key=len, reverse=True)) + ")"
_LBL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_LBL_MIX = r"[a-z0-9\u4e00-\u9fff](?:[-a-z0-9\u4e00-\u9fff]*[a-z0-9\u4e00-\u9fff])?"
# a dot, or what spammers write instead; spaces only before it ("liuying .lol", "xx 。top")
_OBF_DOT = r"(?:\s{0,2}[.。]|点|\(dot\)|\[dot\])"
# port and path; a path stops where a next URL is glued on ("...t.me/+abchttps://...")
_PATH = r"(?::[0-9]{2,5})?(?:/(?:(?!https?://)[-a-z0-9._~%/?#=&+@!*$])*)?"
# Four regexes rather than one alternation: each starts with a literal or a class, so `re` scans
# in C; a "not inside a word" lookbehind sits after the first character for the same reason.
# explicit scheme
# the host ends with its TLD (Latin, an IP's last number, or a Chinese TLD), so the text glued after it
# stays text: "http://abc.com带你上岸" is the host abc.com, not a TLD "com带你上岸"
_URL_SCHEME_RE = re.compile(
    r"https?://(?P<host>(?:[-a-z0-9\u4e00-\u9fff]+\.)*(?:[-a-z0-9]*[a-z0-9]|中国|公司|网络|在线|网址))" + _PATH
)
# www. + any TLD (labels may contain CJK: www.啪啪ce.cn)
_URL_WWW_RE = re.compile(
    rf"(?P<host>www(?<![a-z0-9_\-.@]www)\.(?:{_LBL_MIX}\.)+[a-z]{{2,10}})(?![a-z0-9])" + _PATH
)
# a short all-CJK first label with a real dot, standing alone: 小财迷.cc, 壹号瑶妹.cc
_URL_CJK_RE = re.compile(
    rf"(?P<host>[\u4e00-\u9fff](?<![\w.@\-][\u4e00-\u9fff])[\u4e00-\u9fff]{{0,5}}\.(?:{_LBL}\.)*{_TLD})"
    r"(?![a-z0-9])" + _PATH
)
# Latin labels with real or obfuscated dots: 377kyty.net, kw。v2mcfsip。top, liuying .lol, d9625点com
_URL_OBF_RE = re.compile(
    rf"(?P<host>[a-z0-9](?<![a-z0-9_\-.@][a-z0-9])(?:[a-z0-9-]*[a-z0-9])?{_OBF_DOT}"
    rf"(?:{_LBL}{_OBF_DOT})*{_TLD})(?![a-z0-9])" + _PATH
)
_OBF_SPLIT = re.compile(_OBF_DOT)
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-.。点()[] ")
_HAS_LATIN = re.compile("[a-z]")
# where a URL may be: a TLD after a (written) dot, or "://"
_URL_HINT = re.compile(r"[.。点\]):](?:\s{0,2}" + _TLD + r"(?![a-z0-9])|//)")


def _add_url(m: re.Match, host: str, add) -> None:
    """A URL candidate; t.me / telegram.me links are Telegram handles named by their path."""
    if host in ("t.me", "telegram.me", "www.t.me"):
        rest = m.group().split(".me/", 1)
        user = rest[1].split("/")[0].split("?")[0] if len(rest) == 2 else ""
        if user:
            add((m.start(), m.end(), "telegram", user.replace("%2b", "+")))
            return
    add((m.start(), m.end(), "url", host))


def find_url(t: str, add) -> None:
    anchors = [a.start() for a in _URL_HINT.finditer(t)]   # ".com", "。top", "点com", "://"
    if not anchors:
        return
    spans = []                            # URLs with scheme or www.
    m: re.Match[str] | None
    if "://" in t:
        for m in _URL_SCHEME_RE.finditer(t):
            _add_url(m, m.group("host").strip("."), add)
            spans.append(m.span())
    if "www" in t:
        for m in _URL_WWW_RE.finditer(t):
            _add_url(m, m.group("host"), add)
            spans.append(m.span())
    # Bare domains are found from their TLD ("dot + com"), searching only a short window
    # before it: scanning the whole text with a pattern that starts at any letter or CJK
    # character would cost a regex attempt per character.
    done = -1
    for d in anchors:
        if d < done or t[d] == ":" or any(a <= d < b for a, b in spans):
            continue                      # second TLD of "abc.com.cn", "://", inside a URL
        # searches are bounded (endpos) so that many anchors in a long text stay linear;
        # a match that reaches the bound is redone unbounded to get its whole path
        end = d + 300
        if t[d] == "." and d > 0 and "\u4e00" <= t[d - 1] <= "\u9fff":
            m = None
            for i in range(max(0, d - 6), d):    # leftmost start of a 1-6 character label
                m = _URL_CJK_RE.match(t, i)
                if m is not None:
                    break
            if m is not None:
                _add_url(m, m.group("host"), add)
                done = m.end()
            continue
        ws = d
        while ws > 0 and d - ws < 100 and t[ws - 1] in _DOMAIN_CHARS:
            ws -= 1
        m = _URL_OBF_RE.search(t, ws, end)
        while m is not None and m.end() <= d:   # an earlier domain in the window
            m = _URL_OBF_RE.search(t, m.end(), end)
        if m is None or m.start() > d:
            continue
        if m.end() == end:
            m = _URL_OBF_RE.match(t, m.start())
            if m is None:  # the bound made the match: the whole text has no URL here
                continue
        done = m.end()
        labels = _OBF_SPLIT.split(m.group("host"))
        # an obfuscated dot needs a real-looking label before it ("10点cc直播" is a time)
        if all(_HAS_LATIN.search(lb) or len(lb) >= 5 for lb in labels[:-1]):
            _add_url(m, ".".join(labels), add)
