"""Steps 3-5: folding after NFKC. One translate table maps look-alike letters to Latin and
traditional to simplified; split characters (君羊 -> 群) and contact-word variants
(薇信/VX -> 微信, 扣扣123 -> qq123, 裙12345 -> 群12345) are rewritten by regex."""
from __future__ import annotations

import re
import unicodedata

from .charsets import CN_DIGITS, CharSet, alt
from .result import TOKENS
from .tables import prebuilt

# Cyrillic and Greek letters that render like Latin ones. Both cases, mapped before lowercasing,
# so that a capital maps by its own shape (Н -> h, В -> b, Η -> h, Ρ -> p).
_LOOKALIKES = {
    # Cyrillic lower
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "һ": "h",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y", "ѵ": "v", "ь": "b", "г": "r", "п": "n",
    # Cyrillic upper
    "А": "a", "В": "b", "Е": "e", "Ё": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p",
    "С": "c", "Т": "t", "У": "y", "Х": "x", "І": "i", "Ї": "i", "Ј": "j", "Ѕ": "s", "Һ": "h",
    "Ԛ": "q", "Ԝ": "w", "Ӏ": "l", "Ү": "y", "Ѵ": "v",
    # Greek lower
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "μ": "u",
    # Greek upper
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n",
    "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
}

_NUM_WORDS = {
    "ZERO": "0", "ONE": "1", "TWO": "2", "THREE": "3", "FOUR": "4", "FIVE": "5", "SIX": "6",
    "SEVEN": "7", "EIGHT": "8", "NINE": "9", "TEN": "10", "ELEVEN": "11", "TWELVE": "12",
    "THIRTEEN": "13", "FOURTEEN": "14", "FIFTEEN": "15", "SIXTEEN": "16", "SEVENTEEN": "17",
    "EIGHTEEN": "18", "NINETEEN": "19", "TWENTY": "20",
}
_ENCLOSED_NUM = re.compile(r"\b(?:CIRCLED|SQUARED)\b.*\b(?:DIGIT|NUMBER) ([A-Z]+)$")
_ENCLOSED_LAT = re.compile(r"\b(?:CIRCLED|SQUARED) LATIN (?:CAPITAL|SMALL) LETTER ([A-Z])$")
_SMALL_CAP = re.compile(r"^LATIN LETTER SMALL CAPITAL ([A-Z])$")

# OpenCC single-character mappings that are wrong for text that is already simplified
# (乾隆/乾坤, 哪吒, 蒜薹 are standard simplified words).
_T2S_EXCLUDE = set("乾吒薹")


def build_translate_pairs() -> dict[str, str]:
    """Character -> what it folds to: look-alikes, enclosed and small-capital letters and digits, and
    traditional -> simplified (OpenCC, one character at a time)."""
    import opencc  # ~10 ms, and only this build needs it

    table: dict[int, str] = {}
    # enclosed digits/letters and small capitals that NFKC leaves alone (❶ ➀ ⓫ 🅐 🅰 ᴀ ʙ ...)
    for cp in list(range(0x0250, 0x0300)) + list(range(0x1D00, 0x1D80)) + list(range(0x2460, 0x2800)) \
            + list(range(0xA720, 0xA800)) + list(range(0x1F100, 0x1F1E6)):
        ch = chr(cp)
        if unicodedata.normalize("NFKC", ch) != ch:
            continue
        name = unicodedata.name(ch, "")
        m = _ENCLOSED_NUM.search(name)
        if m and m.group(1) in _NUM_WORDS:
            table[cp] = _NUM_WORDS[m.group(1)]
            continue
        m = _ENCLOSED_LAT.search(name) or _SMALL_CAP.match(name)
        if m:
            table[cp] = m.group(1).lower()
    for k, v in _LOOKALIKES.items():
        table[ord(k)] = v
    # a capital whose small form is mapped maps the same way (Ь -> b like ь): lowercasing
    # runs after this table, so otherwise a second normalize() would change the text again
    for cp in list(range(0x0370, 0x0530)) + list(range(0x1E00, 0x2000)) + list(range(0xA640, 0xA6A0)):
        low = chr(cp).lower()
        if cp not in table and len(low) == 1 and ord(low) in table:
            table[cp] = table[ord(low)]
    # traditional -> simplified: convert every CJK ideograph once, keep 1:1 changes
    chars = [chr(c) for c in range(0x3400, 0x4DC0)] + [chr(c) for c in range(0x4E00, 0xA000)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # never seen; fall back to no t2s rather than misalign
        converted = chars
    for src, dst in zip(chars, converted, strict=True):
        if dst != src and len(dst) == 1 and src not in _T2S_EXCLUDE:
            table[ord(src)] = dst
    # follow chains (薴 -> 苧 -> 苎) so that applying the table twice changes nothing
    for cp, dst in table.items():
        seen = 0
        while len(dst) == 1 and ord(dst) in table and table[ord(dst)] != dst and seen < 4:
            dst = table[ord(dst)]
            seen += 1
        table[cp] = dst
    return {chr(cp): dst for cp, dst in table.items()}




TABLE = {ord(ch): dst for ch, dst in prebuilt("translate", build_translate_pairs).items()}
# pre-check: translate only when a character of the table occurs (most messages: none)
NEEDS_TABLE = CharSet(TABLE)

CJK_SPACE_RE = re.compile(r"(?<=[\u3400-\u9fff\ue000-\ue002])\s+(?=[\u3400-\u9fff\ue000-\ue002])")

# Split / radical spellings that keyword dodgers use and a pinyin feature cannot catch, with the
# corpus line each was seen in.
_ALIASES = {
    "君羊": "群",   # 加君羊567949726 (game_ad_chat)
    "君|羊": "群",  # 君|羊 750501099 (bili_flood_danmaku)
    "衤君": "裙",   # 咨询衤君 (game_ad_chat) -> 裙 (-> 群 when a number follows)
    "亻言": "信",   # 加威亻言 (game_ad_chat)
    "亻尔": "你",   # 弓虽女干亻尔 (game_chat_spam)
    "氵去": "法",
    "亻介": "价",   # 滴亻介出yuan賲 (game_ad_chat)
    "亻寸": "付",   # 貨____至刂____亻寸 (game_ad_chat)
    "至刂": "到",
    "钅艮": "银",   # 钅艮商滴滴 (game_ad_chat)
    "扌斤": "折",   # x.x扌斤 (sms80w)
    "扌甲": "押",   # 无 抵 扌甲 貸款 (mudou_spam)
    "讠正": "证",   # 办【讠正】 (sms80w)
    "讠舌": "话",   # 情义衤申讠舌 (game_chat_spam)
    "衤申": "神",
    "亻叚": "假",   # 难道是亻叚的吗 (online_shopping)
    "贝者": "赌",   # 银河 贝者 场 (fbs_sms)
    "弓虽": "强",   # 好想看楼上被弓虽女干 (game_chat_spam)
    "女干": "奸",
    "女干部": "女干部",  # guard: 女干部 (female cadre) is a word; longest match wins
    "身寸": "射",   # 身寸的不舒服 (bili_flood_danmaku)
    "钅": "金",     # 出钅收钅 (game_ad_chat): 出金/收金
    "氵": "水",     # 多喝热氵 (game_ad_chat)
    "亻": "人",     # 菟费成亻 (tg_spam_zh)
}
ALIAS_RE = re.compile(alt(_ALIASES))

# Contact words. Applied after t2s and before lowercasing, so Latin is matched case-insensitively.
CONTACT_RE = re.compile(
    # 薇信 威信 徽信 卫信 围信 胃信 V信 v心 (not "有威信/树立威信": 威信 = prestige)
    r"(?P<wx>(?<![有立树没])[薇威徽卫围胃](?:信|心)|(?<![a-zA-Z])[vV](?:信|心)"
    r"|(?<![a-zA-Z])(?:[vV][xX]|[wW][xX])(?![a-zA-Z]))"
    # 扣扣 叩叩 抠抠 企鹅 乞鹅 口口 -> qq when a number or a colon follows
    r"|(?P<qq>(?:扣[-_ .·]?扣|叩叩|抠抠|企[-_ .·]?鹅|乞鹅|口口)(?=[\s:;,_\-.·─号]{0,3}(?:[0-9]|:|[" + CN_DIGITS + r"]{2})))"
    # 裙 + (5+ digit) number -> 群 (a 5-digit minimum keeps "这条裙199" a dress)
    r"|(?P<grp>裙(?=[\s:;号]{0,3}[0-9](?:[\s\-._]?[0-9]){4}))"
)
# cheap searches decide whether the step-5b substitutions run at all
ALIAS_HINT = re.compile("[" + "".join(sorted({k[0] for k in _ALIASES})) + "]")
CONTACT_HINT = re.compile("[薇威徽卫围胃vVwW扣叩抠企乞口][信心xX扣叩抠鹅口_.· -]")
CONTACT_HINT_GRP = re.compile("裙[\\s:：;号0-9]")


def alias_sub(m: re.Match) -> str:
    return _ALIASES[m.group()]


# A wx or vx inside a link is part of its address, no contact word: a host's first label (wx.qq.com,
# wx2.sinaimg.cn, wx.scu.edu.cn, vx.link/…), an inner one (tz.wx-pay.com), or a piece of a path or query after a
# scheme, www. or a host and "/" (github.com/wx-chat/wx). Folded, "微信.scu.edu.cn" was an unknown, non-ASCII host:
# a university notice read as spam. "vx.abc123", "加wx-abc" and "QQ/vx同号" are still contact words.
_HOST_AFTER = re.compile(r"[0-9a-z-]*(?:(?:\.[a-z0-9-]+)+\.[a-z]{2,}(?![a-z0-9_-])|\.[a-z]{2,}/)", re.IGNORECASE)
_HOST_END = re.compile(r"[0-9a-z-]*\.[a-z]{2,}(?![a-z0-9_-])", re.IGNORECASE)
_LINK_BEFORE = re.compile(r"[a-z][a-z0-9+.-]*://|www\.|[a-z0-9-]\.[a-z]{2,}/", re.IGNORECASE)
_LABEL_DOT = re.compile(r"[a-z0-9-]\.$", re.IGNORECASE)


def _in_link(m: re.Match) -> bool:
    """Is this wx/vx part of a link's address (the patterns above)?"""
    s, start, end = m.string, m.start(), m.end()
    if _HOST_AFTER.match(s, end):
        return True
    word = start  # the run of ASCII non-space characters the match sits in
    while word > 0 and s[word - 1] > " " and s[word - 1].isascii():
        word -= 1
    if word == start:
        return False
    if _LINK_BEFORE.search(s, word, start):
        return True
    return _LABEL_DOT.search(s, word, start) is not None and _HOST_END.match(s, end) is not None


def contact_sub(m: re.Match) -> str:
    g = m.lastgroup
    if g == "wx":
        return m.group() if m.group()[0] in "vVwW" and _in_link(m) else "微信"
    if g == "qq":
        return "qq"
    return "群"


# A number that an identifier word introduces names a meeting, a parcel, a student or a player, not a way to reach
# anyone: #腾讯会议：876-543-210, 顺丰单号SF1234567890123, 学号2017141234567, 原神uid 123456789, 取件码 3-2-4102. Work,
# study and game groups post them every day, and read as digits they looked like a QQ or phone number: the meeting
# number alone was advertising at 0.86, a tracking number spam at 0.61, a game uid spam at 0.69 (the same lines
# without the number: chat at 0.94-0.99). The number becomes one token the model has no weight for; the words stay.
# Not here: 验证码, 邀请码 and a password that follows no meeting's number, which lures ask for or hand out;
# 微信号/QQ号, which are contacts; 房间号, which is how a live stream is promoted (虎牙/B站 房间号 31780462: five ads
# of our probe suites read as chat with it masked).
IDENT_RE = re.compile(
    r"(?:腾讯会议|会议号|会议 ?id|会议室号|zoom ?id|meeting id|单号|取件码|取餐码|学号|工号|考号|准考证号|座位号|宿舍号|"
    r"uid|好友码|好友代码|组队码|"
    # a hospital's, a school's, a race's, an office's numbers for a person or a record
    r"住院号|病案号|病历号|床号|学籍号|参赛号|预约号|(?:订单|外卖|手机)尾号|"
    # an office's records (not a bare 编号: "中奖编号" is a prize scam's)
    r"编号(?<=(?:报告|合同|检测|工单|资产|设备|档案)编号)|"  # the look-behind after the word keeps the first-character scan
    # a parcel's number after its carrier (韵达 4312 0875 6639 12): ten digits or more, no price; not 邮政, which is
    # also a bank (速转三千到…邮政：<account>: six transfer scams of the training rows)
    r"(?:顺丰|中通|圆通|韵达|申通|极兔|德邦|京东)(?:快递|速运|物流)?(?=[\s:]{0,3}[a-z]{0,4} ?[0-9](?:[ -]?[0-9]){9}))"
    r"(?:是|为|从)?[\s:#-]{0,3}"
    # an identity number may end in x (学籍号 G4310…231X); a range of them is one ("参赛号A12058到A12073")
    r"(?P<num>[a-z]{0,4}[ -]?[0-9](?:[0-9 -]{0,22}[0-9])?x?(?:\s?(?:到|至|~)\s?[a-z]{0,4}[ -]?[0-9](?:[0-9 -]{0,22}[0-9])?)?)(?![0-9a-z])"
)
# the last character of each identifier word but those ending in "id" (uid, zoom id), for a cheap look before IDENT_RE's
_IDENT_ENDS = re.compile("[议号码丰通达兔邦东]")
# a meeting's password after its number (会议号 876 543 210 密码 1234) is the meeting's too, and so is a shared
# file's extraction code (百度网盘 …?pwd=8k2m 提取码: 8k2m, four letters and digits)
_IDENT = TOKENS["ident"]
_MEETING_PASSWORD = re.compile("(" + _IDENT + "[\\s,;]{0,3}(?:(?:入会|会议)?密码|passcode)[\\s:]{0,3})[a-z0-9]{3,8}(?![a-z0-9])")
_FILE_CODE = re.compile(r"(提取码[\s:]{0,3})[a-z0-9]{4}(?![a-z0-9])")
# a company's tax number (税号 91440104MA9W6P2K3R: eighteen letters and digits) on an invoice it asks about
_TAX_ID = re.compile(r"((?:税号|纳税人识别号|信用代码)(?:是|为)?[\s:]{0,3})[0-9a-z]{15,20}(?![0-9a-z])")


def ident_sub(m: re.Match) -> str:
    if m.string.startswith("uid", m.start()) and m.start() and "a" <= m.string[m.start() - 1] <= "z":
        return m.group()  # fluid, guid: no uid (a look-behind in IDENT_RE would slow its scan by a third)
    return m.string[m.start(): m.start("num")] + _IDENT


def mask_identifiers(s: str) -> str:
    """Step 5d: each number an identifier word introduces (IDENT_RE), a meeting's password and a file's extraction
    code, as one token."""
    if "id" not in s and _IDENT_ENDS.search(s) is None:
        return s
    s = IDENT_RE.sub(ident_sub, s)
    if "密码" in s or "passcode" in s:
        s = _MEETING_PASSWORD.sub("\\1" + _IDENT, s)
    if "提取码" in s:
        s = _FILE_CODE.sub("\\1" + _IDENT, s)
    if "税号" in s or "识别号" in s or "信用代码" in s:
        s = _TAX_ID.sub("\\1" + _IDENT, s)
    return s

