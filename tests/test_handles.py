"""One table of cases per handle family, each run through its own finder on normalize(raw).text
(so look-alikes, 扣扣 -> qq etc. are already folded), plus the longest-leftmost resolver.
Cases are the ones tests/test_normalize.py and the finders' comments cover; [] = no candidate."""
from __future__ import annotations

import pytest

from qunguard.model.normalize import normalize
from qunguard.model.normalize.handles import email, find_handles, group, phone, qq, telegram, url, wechat
from qunguard.model.normalize.handles.resolve import longest_leftmost


def _found(finder, raw):
    t = normalize(raw).text
    cands: list = []
    finder(t, cands.append)
    return [(kind, t[a:b], value) for a, b, kind, value in cands]


QQ_CASES = [
    ("扣扣 2744 7053", [("qq", "qq 2744 7053", "27447053")]),
    ("佳企鹅：1-6-6-8-2-9-6-8-1 luo聊", [("qq", "qq:1-6-6-8-2-9-6-8-1", "166829681")]),
    ("家看筘─5四2 7049", [("qq", "筘─5四2 7049", "5427049")]),
    ("qq 九─七三二一五", [("qq", "qq 九─七三二一五", "973215")]),
    ("+口 ─5四2 7049", [("qq", "+口 ─5四2 7049", "5427049")]),
    ("加q:771177599先货后付", [("qq", "加q:771177599", "771177599")]),
    ("十扣:204744234", [("qq", "扣:204744234", "204744234")]),
    ("你加我1417449228", [("qq", "加我1417449228", "1417449228")]),
    ("faq 123456", []),
    ("人口12345678", []),
    ("iq 130 12345", []),
    ("qq 1234", []),
]

TRAILING_QQ_CASES = [
    ("12554971+企鹅", [("qq", "12554971+企鹅", "12554971")]),
    ("\ufeff性感撕挖 1627 4251 口.", [("qq", "1627 4251 口", "16274251")]),
    ("漙2952700242蔻666666", [("qq", "2952700242蔻", "2952700242")]),
    ("252625708qq微信cxg252625707", [("qq", "252625708qq", "252625708")]),
    ("《2◎48 782》加企鹅", [("qq", "2◎48 782》加企鹅", "248782")]),
    ("人口12345678", []),
    ("1234 口", []),
    ("12345 加qq 67890", []),  # the QQ word starts a handle of its own
]

GROUP_CASES = [
    ("加君羊567949726高科技", [("group", "加群567949726", "567949726")]),
    ("有的加裙273222046", [("group", "加群273222046", "273222046")]),
    ("点剑侠国际服火爆开区中,企鹅群号:738996480提示", [("group", "群号:738996480", "738996480")]),
    ("qq群415903507加群可试车", [("group", "qq群415903507", "415903507")]),
    ("需要的朋友进群181-157-875", [("group", "进群181-157-875", "181157875")]),
    ("978148574白马，来群里", []),
    ("这条裙199", []),
    ("群里1234", []),
]

WECHAT_CASES = [
    ("加V Was4872", [("wechat", "加v was4872", "was4872")]),
    ("全裸自慰你指挥激情加V信EKT010", [("wechat", "加微信ekt010", "ekt010")]),
    ("加VX13751998067", [("wechat", "加微信13751998067", "13751998067")]),
    ("买片加薇EK𝐗596", [("wechat", "加薇ekx596", "ekx596")]),
    ("微信号：xiaolongnv", [("wechat", "微信号:xiaolongnv", "xiaolongnv")]),
    ("➕v abc123", [("wechat", "+v abc123", "abc123")]),
    ("v我50", []),
    ("v11，2700多钻石，有谁要的", []),
    ("vip666666", []),
    ("#vvL2C8Q", []),
    ("bv1xx411c7md", []),
    ("威武123456", []),
    ("微信 abcdefg", []),  # letters-only id needs 微信号 or 微信:
    ("微信 lao_zhang", [("wechat", "微信 lao_zhang", "lao_zhang")]),  # ... or an id's shape: joined by _ or -
    ("v：tea-house", [("wechat", "v:tea-house", "tea-house")]),
    ("v tea_house", []),  # a lone v needs a colon for it
    ("vb110000", []),      # "v" glued to a letter id needs 加/+
]

PHONE_CASES = [
    ("电话 138 1234 5678", [("phone", "138 1234 5678", "13812345678")]),
    ("电话 幺五零 · 叁捌柒陆 · 贰玖零伍", [("phone", "幺五零 · 叁捌柒陆 · 贰玖零伍", "15038762905")]),  # Chinese numerals after a keyword
    ("我手机一二三坏了", []),
    ("1 3 8 1 2 3 4 5 6 7 8", [("phone", "1 3 8 1 2 3 4 5 6 7 8", "13812345678")]),
    ("18683 583314擦妹伽微", [("phone", "18683 583314", "18683583314")]),
    ("153-6322-7777", [("phone", "153-6322-7777", "15363227777")]),
    ("13812345678 2楼", [("phone", "13812345678", "13812345678")]),
    ("3.14159265358", []),
    ("订单号：19513967161 衣服比实体店的衣服薄", []),
    ("2024-13812345678-1", []),
    ("140 140 135 56 8", []),
    ("打电话10086", []),
]

URL_CASES = [
    ("kw。v2mcfsip。top", [("url", "kw。v2mcfsip。top", "kw.v2mcfsip.top")]),
    ("liuying .lol", [("url", "liuying .lol", "liuying.lol")]),
    ("xx 。top", [("url", "xx 。top", "xx.top")]),
    ("网站：d9625点com", [("url", "d9625点com", "d9625.com")]),
    ("abc(dot)com", [("url", "abc(dot)com", "abc.com")]),
    ("开云：377kyty.net不黑不卡不跑路", [("url", "377kyty.net", "377kyty.net")]),
    ("www.5dtsne.top：1247", [("url", "www.5dtsne.top:1247", "www.5dtsne.top")]),
    ("：小财迷.cc", [("url", "小财迷.cc", "小财迷.cc")]),
    ("(https://820285.com/a?b=1)", [("url", "https://820285.com/a?b=1", "820285.com")]),
    ("t.me/vb168168", [("telegram", "t.me/vb168168", "vb168168")]),  # t.me links are Telegram
    ("晚上10点cc直播", []),
    ("我在腾讯买的五位字母.com", []),
    ("今天本店活动优惠价998", []),
    ("晚上20:30开会", []),
]

TELEGRAM_AT_CASES = [
    ("联系：@wqa25883联系", [("telegram", "@wqa25883", "wqa25883")]),
    ("飞机:@yckj777https://t.me/abc", [("telegram", "@yckj777", "yckj777")]),
    ("@ab_cdef", [("telegram", "@ab_cdef", "ab_cdef")]),
    ("q2282884590@163.com", []),  # inside an e-mail
    ("邮箱 abc@defgh.com", []),
    ("@abc", []),                 # too short
    ("hi @", []),
]

TELEGRAM_KEYWORD_CASES = [
    ("飞机搜：AGZL688", [("telegram", "飞机搜:agzl688", "agzl688")]),
    ("飞机:@yckj777https://t.me/abc", [("telegram", "飞机:@yckj777", "yckj777")]),
    ("tg: abc_def", [("telegram", "tg: abc_def", "abc_def")]),
    ("电报号 xyzabc", [("telegram", "电报号 xyzabc", "xyzabc")]),
    ("因为飞机 delay 临时找的住宿", []),  # a plane
    ("tg abcdef", []),
    ("stg abc123", []),
]

EMAIL_CASES = [
    ("q2282884590@163.com", [("email", "q2282884590@163.com", "q2282884590@163.com")]),
    ("联系 abc.d@qq.com 谢谢", [("email", "abc.d@qq.com", "abc.d@qq.com")]),
    ("user@mail.example.org", [("email", "user@mail.example.org", "user@mail.example.org")]),
    ("联系：@wqa25883联系", []),
    ("abc@def", []),
    ("a@b.c", []),
]

FAMILIES = [
    (qq.find_qq, QQ_CASES),
    (qq.find_trailing_qq, TRAILING_QQ_CASES),
    (group.find_group, GROUP_CASES),
    (wechat.find_wechat, WECHAT_CASES),
    (phone.find_phone, PHONE_CASES),
    (url.find_url, URL_CASES),
    (telegram.find_telegram_at, TELEGRAM_AT_CASES),
    (telegram.find_telegram_keyword, TELEGRAM_KEYWORD_CASES),
    (email.find_email, EMAIL_CASES),
]


@pytest.mark.parametrize(
    "finder,raw,expected",
    [(f, raw, exp) for f, cases in FAMILIES for raw, exp in cases],
    ids=[f"{f.__name__}-{i}" for f, cases in FAMILIES for i in range(len(cases))],
)
def test_finder(finder, raw, expected):
    assert _found(finder, raw) == expected


@pytest.mark.parametrize("finder,cases", FAMILIES, ids=[f.__name__ for f, _ in FAMILIES])
def test_each_family_has_positive_and_negative_cases(finder, cases):
    assert len(cases) >= 6
    assert any(exp for _, exp in cases) and any(not exp for _, exp in cases)


# --- longest-leftmost resolver ----------------------------------------------------------------

RESOLVE_CASES = [
    ([], []),
    ([(0, 5, "qq", "a")], [(0, 5, "qq", "a")]),
    ([(3, 9, "qq", "a"), (0, 5, "url", "b")], [(0, 5, "url", "b")]),           # leftmost wins
    ([(0, 5, "qq", "a"), (0, 9, "email", "b")], [(0, 9, "email", "b")]),       # longest wins
    ([(0, 5, "email", "a"), (0, 5, "qq", "b")], [(0, 5, "email", "a")]),       # tie: found first
    ([(0, 5, "qq", "a"), (5, 9, "phone", "b")], [(0, 5, "qq", "a"), (5, 9, "phone", "b")]),
]


@pytest.mark.parametrize("cands,expected", RESOLVE_CASES)
def test_longest_leftmost(cands, expected):
    assert longest_leftmost(list(cands)) == expected


def test_email_beats_qq_and_telegram_keyword_beats_at():
    t = normalize("q2282884590@163.com").text
    assert [c[2] for c in find_handles(t)] == ["email"]
    t = normalize("飞机:@yckj777https://t.me/abc").text
    assert [(c[2], t[c[0]:c[1]]) for c in find_handles(t)] == [
        ("telegram", "飞机:@yckj777"), ("telegram", "https://t.me/abc")]
