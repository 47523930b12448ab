"""A link as evidence, not as a label: the parts of a URL the model may weigh.

Members share links every day (a course page, a GitHub repo, a map pin), so "there
is a link" must not decide anything. What can: where it points and how it is
written. `link_tags` turns one url/telegram handle into a few named parts:

    dom=<registrable domain>   github.com, scu.edu.cn (learnt per domain, when seen in training)
    tld=<top-level domain>     com, cn, top, xyz
    short                      a URL shortener hides the destination (t.cn, bit.ly, url.cn)
    shop                       a shopping or rebate-click domain (s.click.taobao.com, u.jd.com)
    invite                     a group/channel invitation (t.me/+..., qm.qq.com, discord.gg)
    ip / idn / puny            a bare IP address, a Chinese or punycode host
    lan                        a loopback or private address (127.0.0.1:8000, 192.168.1.1): no stranger's site
    obf                        dots written to dodge filters: 。, 点, spaces, (dot)
    path=none|short|long, query   the shape of the rest of the link

The featurizer adds them as tokens beside the handle kind (model/features.py).
"""
from __future__ import annotations

import ipaddress
import re

from qunguard.model.normalize import Handle

# second-level public suffixes common in Chinese chats (the registrable domain is one label more)
_SECOND_LEVEL = frozenset(
    "com.cn net.cn org.cn gov.cn edu.cn ac.cn com.hk edu.hk org.hk com.tw edu.tw org.tw idv.tw "
    "co.uk ac.uk co.jp ac.jp ne.jp or.jp com.sg edu.sg com.my com.au edu.au co.kr ac.kr "
    "com.ph co.th co.id com.vn com.br com.tr co.nz co.in "
    "github.io gitee.io".split()
)
SHORTENERS = frozenset(
    "t.cn url.cn w.url.cn dwz.cn suo.im bit.ly tinyurl.com goo.gl is.gd v.gd ow.ly t.co "
    "cutt.ly rb.gy reurl.cc ppt.cc mrw.so rrd.me u.nu qr.net x.co buff.ly 0x3.me sohu.gg "
    "dwz.mk 985.so lrl.kr s.id shorturl.at tiny.cc t.ly".split()
)
# shopping platforms and their rebate-click and coupon domains (the guide: s.click/u.jd.com links)
_SHOP_DOMAINS = frozenset(
    "taobao.com tmall.com tb.cn jd.com 3.cn pinduoduo.com yangkeduo.com weidian.com youzan.com "
    "kdt.im vip.com suning.com dangdang.com 1688.com alimama.com".split()
)
# the same platforms abroad, under any suffix (shopee.com.my, s.lazada.com.ph, amazon.co.jp) and their short forms
_SHOP_NAMES = frozenset("shopee shope lazada amazon amzn aliexpress temu ebay rakuten mercari tokopedia shein".split())
_INVITE_HOSTS = frozenset("jq.qq.com chat.whatsapp.com discord.gg line.me".split())
# qm.qq.com also serves shared files (/cgi-bin/dc/ft); only its group QR and /q/ links invite
_QQ_INVITE = re.compile(r"qm\.qq\.com/(?:q/|cgi-bin/qm/qr)")
# TLDs sold for a few cents, where made-up "official" domains live (yibao-chaxun.xyz, tingche-jf.cc)
CHEAP_TLDS = frozenset(
    "xyz cc top vip pw site club icu shop online fun live work ltd info buzz "
    "tk ml ga cf gq cyou sbs".split()
)
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_SCHEME = re.compile(r"https?://")
_DODGED_DOT = re.compile(r"[。点\s]|\(dot\)|\[dot\]")


def registrable_domain(host: str) -> str:
    """The part of a host that one owner registers: www.cs.scu.edu.cn -> scu.edu.cn."""
    labels = [p for p in host.strip(".").split(".") if p]
    if len(labels) <= 2:
        return ".".join(labels)
    keep = 3 if ".".join(labels[-2:]) in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def _path_tags(span: str) -> list[str]:
    rest = _SCHEME.sub("", span, count=1)
    slash = rest.find("/")
    path = rest[slash + 1 :] if slash >= 0 else ""
    tags = ["path=none" if not path.strip("/") else "path=short" if len(path) <= 12 else "path=long"]
    if "?" in path or "=" in path:
        tags.append("query")
    return tags


def dodged(handle: Handle) -> bool:
    """A url written to dodge filters ("kw。v2mcfsip。top", "abc 点 com"): the "obf" part of link_tags()."""
    return _DODGED_DOT.search(handle.text) is not None


# brands whose sign-in pages phishing copies, by the name of their registrable domain; a name one letter off is
# a typosquat (steamcommunlty.com, a1ipay.com). Names under 5 letters (jd, qq) are one letter from too many others.
_BRANDS = frozenset(("steamcommunity", "steampowered", "taobao", "alipay", "tmall", "apple", "icloud", "paypal",
                     "weixin", "wechat", "microsoft", "google", "amazon", "binance", "coinbase", "metamask", "github",
                     "bilibili", "douyin", "meituan", "pinduoduo", "yangkeduo", "12306", "chsi", "netflix", "telegram",
                     "discord", "instagram", "facebook", "whatsapp", "tencent", "huawei", "xiaomi"))


def _one_letter_off(a: str, b: str) -> bool:
    """a and b differ by one letter changed, added or dropped, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return short[i:] == long[i + 1 :]


def typosquat(name: str) -> bool:
    """A domain name one letter off a brand's (steamcommunlty): made to be read as the brand's."""
    return len(name) >= 5 and name not in _BRANDS and any(
        abs(len(name) - len(brand)) <= 1 and _one_letter_off(name, brand) for brand in _BRANDS)


def brand_typosquat(handle: Handle) -> bool:
    """A url on a brand's name one letter off (https://steamcommunlty.com/verify): phishing's own address."""
    if handle.kind != "url":
        return False
    return typosquat(registrable_domain(handle.value.lower()).rpartition(".")[0])


def lookalike(handle: Handle) -> bool:
    """A url whose domain is made up to look official: a hyphenated name, a cheap TLD (yibao-chaxun.xyz,
    zulin-beian.top) or a brand's name one letter off (steamcommunlty.com), not a gov.cn or edu.cn one. Brands send
    their own plain domains (jd.com, alipay.com)."""
    if handle.kind != "url":
        return False
    domain = registrable_domain(handle.value.lower())
    if domain.endswith((".gov.cn", ".edu.cn")):
        return False
    name, _, tld = domain.rpartition(".")
    return "-" in name or tld in CHEAP_TLDS or typosquat(name)


def link_tags(handle: Handle) -> tuple[str, ...]:
    """The named parts of a url or telegram handle (see the module doc); () for other kinds."""
    if handle.kind == "telegram":
        value = handle.value
        return ("invite",) if value.startswith("+") or value == "joinchat" else ()
    if handle.kind != "url":
        return ()
    host = handle.value.lower()
    if _IP.match(host):
        return ("lan" if _on_a_lan(host) else "ip", *_path_tags(handle.text))
    domain = registrable_domain(host)
    tags = [f"dom={domain}", "tld=" + domain.rsplit(".", 1)[-1]]
    if host in SHORTENERS or domain in SHORTENERS:
        tags.append("short")
    if domain in _SHOP_DOMAINS or domain.split(".", 1)[0] in _SHOP_NAMES:
        tags.append("shop")
    if host in _INVITE_HOSTS or _QQ_INVITE.search(handle.text):
        tags.append("invite")
    if "xn--" in host:
        tags.append("puny")
    elif not host.isascii():
        tags.append("idn")
    if dodged(handle):
        tags.append("obf")  # dots written to dodge filters: "kw。v2mcfsip。top", "abc 点 com"
    tags += _path_tags(handle.text)
    return tuple(tags)


# the parts that say more than "there is a link": where it hides or sends the reader
_RISK_TAGS = frozenset(("short", "shop", "invite", "ip", "puny", "idn", "obf"))
_NUMBERED_NAME = re.compile(r"[0-9]{3,}")  # 8888.com, 365bet.com: how gambling sites are named


def _on_a_lan(host: str) -> bool:
    """A loopback, private or link-local address: a developer's own machine or router, which no reader but its
    owner can open, so no lure's or shop's site (a tech group shares http://127.0.0.1:8000/docs every day)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # 999.1.1.1: no address at all
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def ordinary(handle: Handle) -> bool:
    """A link to an ordinary site: a plain domain (no shortener, shop, invitation, public IP, punycode, dodged
    dots, cheap TLD or numbered name), or an address on the member's own network. Members share these every day,
    so it carries nothing by itself (the featurizer leaves it out: MessageFeaturizer(ignore_ordinary_links=True)). A hyphen is ordinary (rust-lang.org): a
    made-up "official" domain is caught by its words and guide_rules.scam_bait, which reads lookalike()."""
    if handle.kind != "url":
        return False
    tags = link_tags(handle)
    if _RISK_TAGS.intersection(tags):
        return False
    if "lan" in tags:
        return True
    domain = registrable_domain(handle.value.lower())
    return domain.rsplit(".", 1)[-1] not in CHEAP_TLDS and _NUMBERED_NAME.search(domain) is None

