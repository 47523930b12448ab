"""Step 2: placeholders ([图片], 双击查看原图, [表情], [em]e123[/em], /玫瑰, [捂脸]) and emoji
sequences become one private-use token each, and are counted."""
from __future__ import annotations

import re

from .charsets import alt, char_class
from .result import TEXT_TOKENS, TOKENS
from .tables import prebuilt

# QQ text-form faces ("/玫瑰"): multi-character names only, so "/强" or "a/b" never match.
_QQ_FACES = (
    "微笑 撇嘴 发呆 得意 流泪 害羞 闭嘴 大哭 尴尬 发怒 调皮 呲牙 惊讶 难过 冷汗 抓狂 偷笑 可爱 "
    "白眼 傲慢 饥饿 惊恐 流汗 憨笑 悠闲 奋斗 咒骂 疑问 擦汗 抠鼻 鼓掌 糗大了 坏笑 左哼哼 右哼哼 "
    "哈欠 鄙视 委屈 快哭了 阴险 亲亲 可怜 菜刀 西瓜 啤酒 咖啡 猪头 玫瑰 凋谢 示爱 爱心 心碎 蛋糕 "
    "炸弹 便便 月亮 太阳 拥抱 握手 胜利 抱拳 勾引 拳头 爱你 飞吻 跳跳 发抖 转圈 磕头 挥手 激动 "
    "笑哭 汪汪 比心 捂脸 期待 崇拜 狂笑 斜眼笑 喷血 惊喜 点赞 吃瓜 加油 睁眼 小纠结 喝彩 沧桑 "
    "泪奔 无奈 嫌弃 喵喵 菜汪 拜托 托腮 doge"
).split()

# WeChat/QQ/Weibo bracketed faces ("[捂脸]", "[玫瑰R]" on 小红书): names seen in the corpora.
_BRACKET_FACES = (
    "微笑 撇嘴 色 发呆 得意 流泪 害羞 闭嘴 睡 大哭 尴尬 发怒 调皮 呲牙 惊讶 难过 囧 抓狂 吐 偷笑 "
    "愉快 白眼 傲慢 困 惊恐 憨笑 悠闲 咒骂 疑问 嘘 晕 衰 骷髅 敲打 再见 擦汗 抠鼻 鼓掌 坏笑 "
    "鄙视 委屈 快哭了 阴险 亲亲 可怜 笑脸 生病 脸红 破涕为笑 恐惧 失望 无语 嘿哈 捂脸 奸笑 机智 "
    "皱眉 耶 吃瓜 加油 汗 天啊 社会社会 旺柴 打脸 翻白眼 裂开 苦涩 叹气 让我看看 爱心 心碎 拥抱 "
    "强 弱 握手 胜利 抱拳 勾引 拳头 合十 啤酒 咖啡 蛋糕 玫瑰 红玫瑰 凋谢 菜刀 炸弹 便便 月亮 太阳 "
    "庆祝 礼物 红包 發 福 烟花 爆竹 猪头 跳跳 发抖 转圈 赞 飞吻 哈哈 笑哭 比心 嘻嘻 爱你 二哈 "
    "doge Doge OK ok Emm emm 666"
).split()

# attachments a client shows as a bracketed word: WeChat's and QQ's exports ([语音], [文件], [位置], [链接],
# [转账]; a shared contact card [名片], [群名片], [公众号名片], whose name follows as words), and the English
# clients' ([Photo], [Voice], [File]): posted every day, like [图片]
_IMG_BRACKETS = ("图片", "视频", "闪照", "圖片", "視頻", "语音", "語音", "文件", "位置", "链接", "鏈接", "转账", "轉賬",
                 "小程序", "聊天记录", "名片", "群名片", "公众号名片", "Photo", "photo", "Image", "image", "Video", "video",
                 "Voice", "voice", "Voice Message", "File", "file", "Link", "link", "Location", "location")
# QQ's own lines for what a text export cannot show (a red packet, a check-in, a poll, a nudge): an
# attachment like [图片], posted every day; "口令红包" in one must not read as a 口令 lure
_QQ_CLIENT_LINE = (
    "[\\[［](?:QQ红包|群签到|发起投票)[\\]］](?:我发了一个“[^”\n]{1,8}”，)?(?:请使用(?:新版)?手机QQ[^。\n]{0,6}。?)?"
    # a 厘米秀 action: its name (翻白眼, 万万使不得, 厘米FLY) is the animation's, not the member's words
    "|[\\[［]动作消息[\\]］][\u4e00-\u9fffA-Za-z0-9]{0,10}"
)
# what an app writes around a link a member shares from it (a Tencent Meeting invitation, a 小红书 note, a Baidu
# Netdisk file): the app's words, not the member's, as much an attachment as [链接]. Read as words they were a
# pitch's ("点击链接", "打开…App查看精彩内容"): a meeting invitation was advertising at 0.94, a note spam at 0.48.
# Not 抖音's "复制打开抖音": rebate posts are written in it (a 口令, guide_rules.rebate_post)
_SHARE_LINE = (
    # meeting invitations: 腾讯会议, 钉钉, 飞书
    "邀请您参加腾讯会议|复制该信息[,，]?打开手机腾讯会议即可参与|在钉钉发起了视频会议|邀请你加入飞书视频会议"
    "|点击链接(?:直接)?(?:入会[,，]?或添加至会议列表|加入会议)[:：]?"
    # notes and videos: 小红书 (its code between two 😆), 快手, and 抖音's video share (a rebate 口令 has no 的作品)
    "|复制本条信息[,，]?打开【小红书】[Aa][Pp][Pp]查看精彩内容[!！]?|发布了一篇小红书笔记[,，]?快来看吧[!！]?"
    "|😆\\s?[A-Za-z0-9]{6,16}\\s?😆|该作品在快手被播放过[0-9.万]+次[,，]?点击链接[,，]?打开【快手】直接观看[!！]?"
    # (the app writes a share score first, "7.25 ", sometimes with a code: "4.30 ZMW:/ "; a picture post is 的图文作品)
    "|(?:[0-9]{1,2}\\.[0-9]{1,2}\\s?(?:[A-Za-z]{3}:/\\s?)?)?复制打开抖音[,，]看看【[^】\\n]{1,40}的(?:图文)?作品】"
    # a WeChat 接龙 (sign-up list) opens with the app's "#接龙" line: its hash read as an ad's hashtag (not 红包接龙,
    # a gambling game's name, which never opens a message this way)
    "|^\\s*#接龙(?=\\s)"
    # cloud drives: 百度网盘, 夸克, 阿里云盘
    "|复制这段内容后打开百度网盘手机[Aa][Pp][Pp][,，]?操作更方便哦|--来自百度网盘超级会员[Vv]?[0-9]{0,2}的分享"
    "|我用夸克网盘分享了|点击链接即可保存[。.]?\\s?打开「夸克[Aa][Pp][Pp]」[,，]?无需下载在线播放视频[,，]?畅享原画5倍速[,，]?支持电视投屏[。.]?"
    "|点击链接保存[,，]?或者复制本段内容[,，]?打开「阿里云盘」[Aa][Pp][Pp]\\s?[,，]?无需下载极速在线查看[,，]?视频原画倍速播放[。.]?"
)
_STICKER_BRACKETS = ("表情", "动画表情", "動畫表情", "Sticker", "sticker", "Animated Sticker", "Emoji", "emoji")


def build_emoji_pattern() -> list[str]:
    """[the regex of one emoji sequence, every character such a sequence can start with], from the emoji package."""
    import emoji  # ~50 ms, and only this build needs it

    data = emoji.EMOJI_DATA
    fq = emoji.STATUS["fully_qualified"]
    comp = emoji.STATUS["component"]
    full, text_default = set(), set()
    for seq in data:
        for ch in seq:
            if ch in "\u200d\ufe0f\u20e3" or "0" <= ch <= "9" or ch in "#*":
                continue
            if 0x1F1E6 <= ord(ch) <= 0x1F1FF or 0xE0020 <= ord(ch) <= 0xE007F:
                continue  # regional indicators / tags: handled as flags
            if 0x1F3FB <= ord(ch) <= 0x1F3FF:
                continue  # skin tones: modifiers below
            st = data.get(ch, {}).get("status")
            if st in (fq, comp):
                full.add(ord(ch))           # emoji presentation by default
            else:
                text_default.add(ord(ch))   # ©, ™, ▶, ❤ ...: emoji only with VS16
    # Text-default symbols that Chinese chats use as emoji even without VS16.
    keep_bare = set(map(ord, "❤♥☎☺☹✌☝✔✈☀☁❄☠♨❣✉☘☂✏✂♠♣♦☑⚠"))
    bare = full | (keep_bare & text_default)
    needs_vs = text_default - bare
    bare.discard(0x2795)   # ➕ is read as "+" (group "plus" below)
    starts = set(map(chr, bare | needs_vs))
    starts.update(map(chr, range(0x1F1E6, 0x1F200)))   # flags
    starts.update(map(chr, range(0x1F3FB, 0x1F400)))   # lone skin tones
    starts.update("#*")                                # keycaps (a digit's is its digit: pipeline step 1b)
    elem = (
        f"(?:[{char_class(bare)}]\ufe0f?|[{char_class(needs_vs)}]\ufe0f)"
        "[\U0001F3FB-\U0001F3FF]?\ufe0f?"
    )
    flag = "[\U0001F1E6-\U0001F1FF]{1,2}"
    keycap = "[#*]\ufe0f?\u20e3"
    skin = "[\U0001F3FB-\U0001F3FF]"  # lone skin-tone swatch
    return [f"{flag}|{keycap}|{elem}(?:\u200d{elem})*|{skin}", "".join(sorted(starts))]


_EMOJI_RE, _EMOJI_STARTS = prebuilt("emoji", build_emoji_pattern)

# One regex, one pass: each match is replaced by a token and counted.
_P2_RE = re.compile(
    "(?P<img>\ufffc?双击查看原图|\ufffc|[\\[［](?:" + alt(_IMG_BRACKETS) + ")[\\]］]|" + _QQ_CLIENT_LINE + ")"
    "|(?P<stk>[\\[［](?:" + alt(_STICKER_BRACKETS) + ")[\\]］]"
    r"|\[em\]e\d{1,7}\[/em\]"
    "|[/／](?:" + alt(_QQ_FACES) + ")"
    "|[\\[［](?:" + alt(_BRACKET_FACES) + ")R?[\\]］])"
    "|(?P<plus>\u2795\ufe0f?)"
    "|(?P<emo>" + _EMOJI_RE + ")"
)
_IMG, _STK, _EMO = TOKENS["img"], TOKENS["sticker"], TOKENS["emoji"]
# Where a placeholder or emoji may start (a superset, cheap to search): bracket, slash, U+FFFC,
# 双 (双击查看原图), BMP symbol blocks holding emoji, and all astral symbols.
_P2_HINT = re.compile(
    "[\ue000-\ue002\\[［/／\ufffc双\u00a9\u00ae\u203c\u2049\u2122-\u2bff\u3030\u303d\u3297\u3299"
    "\U0001F000-\U0001FAFF]"
)
_P2_HINT_KEYCAP = re.compile(_P2_HINT.pattern[:-1] + "#*]")  # only when U+20E3 is present
# exact set of characters a match can start with (the hint above is a cheap superset)
_P2_STARTS = frozenset(_EMOJI_STARTS) | frozenset("/／[［\ufffc双\u2795") | TEXT_TOKENS
LEFTOVER_RE = re.compile("[\u200d\ufe0f]+")  # ZWJ/VS16 outside an emoji sequence are obfuscation


_SHARE_RE = re.compile(_SHARE_LINE)
# the codes 抖音 writes after its link, in any order ("https://v.douyin.com/iRk7/ D@U.LW MjP:/ :1pm 08/09"): read as
# words they were an email address (k@o.kj) and numbers, and a shared cooking video went to review as spam at 0.61
_DOUYIN_CODES = re.compile(
    r"(?<=v\.douyin\.com/)([A-Za-z0-9_-]{4,20}/?)"
    r"(?:\s+(?:[A-Za-z]@[A-Za-z]\.[A-Za-z]{2}|[A-Za-z]{3}:/|:[0-9]{1,2}[ap]m|[0-9]{2}/[0-9]{2})(?![A-Za-z0-9@.:/]))+"
)
# a word every share line holds: searched for first, since share lines are rare and their words open on common
# characters (我, 在, 点: in the main loop's hint they cost 2 µs a message; this search, 0.5)
_SHARE_APPS = re.compile("会议|小红书|快手|抖音|网盘|云盘|夸克|😆|#接龙")


def tokenize_placeholders(s: str) -> tuple[str, int, int]:
    """Step 2: replace placeholders and emoji sequences by tokens; return (text, n_emoji, n_ph)."""
    if _SHARE_APPS.search(s):
        s = _SHARE_RE.sub(_IMG, s)  # counted as placeholders by the loop below, as a token already in the text is
        if "douyin.com/" in s:
            s = _DOUYIN_CODES.sub(r"\1", s)
    n_emoji = n_ph = 0
    parts = []
    pos = 0
    hint = _P2_HINT_KEYCAP.search if "\u20e3" in s else _P2_HINT.search
    match = _P2_RE.match
    h = hint(s)
    while h is not None:
        i = h.start()
        c = s[i]
        if c not in _P2_STARTS:                  # a symbol in an emoji block that is no emoji
            h = hint(s, i + 1)
            continue
        if c in "/／[［":
            # a face name or placeholder follows a slash/bracket: CJK, or [em], [ok], [doge], [666]
            nxt = s[i + 1:i + 2]
            if not nxt or (nxt < "\u4e00" and nxt not in "eEoOdD6QpPiIvVfFlLsSaA"):
                h = hint(s, i + 1)
                continue
        m = match(s, i)
        if m is None:
            # a token already in the input (normalize(n.text) again): count it, keep it
            if c == _EMO:
                n_emoji += 1
            elif c == _IMG or c == _STK:
                n_ph += 1
            h = hint(s, i + 1)
            continue
        g = m.lastgroup
        parts.append(s[pos:m.start()])
        if g == "emo":
            parts.append(_EMO)
            n_emoji += 1
        elif g == "plus":
            parts.append("+")
        else:
            parts.append(_IMG if g == "img" else _STK)
            n_ph += 1
        pos = m.end()
        h = hint(s, pos)
    if pos:
        parts.append(s[pos:])
        s = "".join(parts)
    return s, n_emoji, n_ph

