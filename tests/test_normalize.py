"""Tests for model.normalize.

Real lines are quoted from /work/shared/data/raw (source named in the case id or a comment);
short synthetic lines are marked "synthetic". Every case asserts exact values.
"""
from __future__ import annotations

import dataclasses

import pytest

from qunguard.model.normalize import TOKENS, Handle, Normalized, normalize

IMG, STK, EMO, IDENT = TOKENS["img"], TOKENS["sticker"], TOKENS["emoji"], TOKENS["ident"]


# --------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------

def test_tokens_are_distinct_single_private_use_chars():
    assert set(TOKENS) == {"img", "sticker", "emoji", "ident", "qq", "phone", "wechat", "url", "group",
                           "telegram", "email"}
    assert len(set(TOKENS.values())) == len(TOKENS)
    for tok in TOKENS.values():
        assert len(tok) == 1 and 0xE000 <= ord(tok) <= 0xF8FF


def test_result_types_are_frozen_and_equal_to_plain_construction():
    n = normalize("加V Was4872")
    assert isinstance(n, Normalized)
    assert n == Normalized("加v was4872", TOKENS["wechat"],
                           (Handle("wechat", "加v was4872", "was4872"),), 0, 0)
    assert isinstance(n.handles, tuple) and isinstance(n.handles[0], Handle)
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.text = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.handles[0].value = "x"  # type: ignore[misc]
    assert hash(n) == hash(Normalized(n.text, n.masked, n.handles, n.n_emoji, n.n_placeholders))


def test_empty_and_blank():
    assert normalize("") == Normalized("", "", (), 0, 0)
    assert normalize(" \u200b\ufeff ") == Normalized("", "", (), 0, 0)


# --------------------------------------------------------------------------------------------
# text: one case per obfuscation family
# --------------------------------------------------------------------------------------------

TEXT_CASES = [
    # full-width letters and digits (tg_spam_zh train.csv)
    ("fullwidth", "琐 ＴＲＡ２４５日批666666", "琐 tra245日批666666"),
    ("fullwidth_punct_space", "妹妹先视频后上~门→ＡＨ３９ＣＯＭ　光", "妹妹先视频后上~门→ah39com 光"),
    # mathematical alphanumerics (tg_spam_zh)
    ("math_alnum", "𝕏𝘏𝘾593卖盘.", "xhc593卖盘."),
    ("math_alnum_spaced", "𝖝 𝖍 𝖈５９３卖片.", "x h c593卖片."),
    # circled / negative circled / parenthesised digits and letters
    ("circled_digit", "③w点188porn.com", "3w点188porn.com"),  # tg_spam_zh
    ("circled_nfkc_missed", "❶❷➂⓫ 🅐🅑 ⓐⓑ", "12311 ab ab"),  # synthetic
    ("parenthesised_cjk", "㈠㈡ ⑴", "(一)(二) (1)"),  # synthetic
    ("small_capitals", "ᴀʙᴄ ᴅᴇꜰ", "abc def"),  # synthetic
    # Greek Ε + Cyrillic К Х look like Latin (tg_spam_zh)
    ("greek_cyrillic_lookalike", "ΕКХ596看片", "ekx596看片"),
    ("cyrillic_lookalike_lower", "кw.соm", "kw.com"),  # synthetic: к, с, о are Cyrillic
    ("cyrillic_capital_soft_sign", "xxsЬb挺能耐", "xxsbb挺能耐"),  # game_ad_chat
    # zero-width and format characters
    ("zero_width_space", "加\u200b微\u200c信\u200d号\u2060", "加微信号"),  # synthetic
    ("bidi_and_soft_hyphen", "\u202e企\u00ad鹅\u2066", "企鹅"),  # synthetic
    ("variation_selector_alone", "好\ufe0e的\ufe0f", "好的"),  # synthetic
    # U+FEFF that 510 tg_spam_zh rows start with
    ("bom", "\ufeff若 FAK256ᚰ看电视", "若 fak256看电视"),
    # Runic letters appended to tg_spam_zh rows
    ("runic_suffix", "老板觉得梦幻没激情了ᚠ", "老板觉得梦幻没激情了"),
    ("runic_suffix_repeated", "天湾竞技ᚠᚠᚠ", "天湾竞技"),
    # control characters (tg_spam_zh has ~20 rows with them)
    ("control_chars", "\x07ab\x1bc\x7f", "abc"),
    # traditional -> simplified
    ("traditional_brief", "運營廣告", "运营广告"),
    ("traditional_tg", "胖嗎站起來看看", "胖吗站起来看看"),  # tg_spam_zh
    ("traditional_in_ad", "小鹿廣告代發點擊這裏聯系頻道上粉", "小鹿广告代发点击这里联系频道上粉"),  # tg_spam_zh
    ("simplified_words_kept", "乾隆 哪吒 蒜薹", "乾隆哪吒蒜薹"),  # t2s 1:1 chars that would break them
    # split characters
    ("split_qun", "加君羊567949726高科技", "加群567949726高科技"),  # game_ad_chat
    ("split_qun_pipe", "君|羊 750501099", "群 750501099"),  # bili_flood_danmaku dirty_danmaku.txt
    ("split_xin_then_wei", "滴亻介出yuan賲,加威亻言", "滴价出yuan賲,加微信"),  # game_ad_chat
    ("split_radicals", "出钅收钅,多喝热氵", "出金收金,多喝热水"),  # game_ad_chat
    ("split_brief", "亻尔好 氵去律", "你好法律"),  # synthetic
    ("split_rape", "好想看楼上被弓虽女干。", "好想看楼上被强奸。"),  # game_chat_spam
    ("split_guard_word", "优秀女干部", "优秀女干部"),  # 女干部 (female cadre) is a word
    # contact-word variants
    ("vx_to_weixin", "加VX13751998067", "加微信13751998067"),  # tg_spam_zh
    ("v_xin_to_weixin", "全裸自慰你指挥激情加V信EKT010", "全裸自慰你指挥激情加微信ekt010"),  # tg_spam_zh
    ("wei_xin_variant", "激情妹纸表现懂得加薇信kkkk5989", "激情妹纸表现懂得加微信kkkk5989"),  # tg_spam_zh
    ("wei_xin_heart", "加薇心fvvc12先货", "加微信fvvc12先货"),  # game_ad_chat
    ("weixin_prestige_kept", "他很有威信", "他很有威信"),  # synthetic: 威信 = prestige
    ("kou_kou_to_qq", "加扣扣1265397695不穿衣服", "加qq1265397695不穿衣服"),  # tg_spam_zh
    ("qie_e_colon_to_qq", "佳企鹅：1-6-6-8-2-9-6-8-1 luo聊", "佳qq:1-6-6-8-2-9-6-8-1 luo聊"),  # tg_spam_zh
    ("qie_dash_e_to_qq", "买篇加企-鹅2790 2188", "买篇加qq2790 2188"),  # tg_spam_zh
    ("qie_e_word_kept", "这是企鹅的游戏", "这是企鹅的游戏"),  # tg_spam_zh label 0
    ("qun_skirt_number", "有的加裙273222046", "有的加群273222046"),  # game_ad_chat
    # a wx or vx inside a link is its address, no contact word
    ("wx_host_kept", "通知 https://wx.scu.edu.cn/notice/123", "通知 https://wx.scu.edu.cn/notice/123"),
    ("wx_numbered_host_kept", "https://wx2.sinaimg.cn/large/a.jpg", "https://wx2.sinaimg.cn/large/a.jpg"),
    ("wx_inner_label_kept", "tz.wx-pay3.com/app", "tz.wx-pay3.com/app"),  # chineseharm 博彩
    ("wx_path_kept", "https://github.com/wx-chat/wx?vx=1", "https://github.com/wx-chat/wx?vx=1"),
    ("vx_dot_id_folded", "加vx.abc123", "加微信.abc123"),  # an id after a dot is no host
    ("vx_after_slash_folded", "QQ/vx同号123456", "qq/微信同号123456"),  # no link before the slash
    # a number an identifier word introduces is no contact: one token (folding.IDENT_RE)
    ("meeting_number", "#腾讯会议：876-543-210", f"#腾讯会议:{IDENT}"),
    ("meeting_password", "会议号 876 543 210 密码 1234", f"会议号 {IDENT} 密码 {IDENT}"),
    ("tracking_number", "顺丰单号是 SF 1234 5678 9012 帮我查下", f"顺丰单号是 {IDENT} 帮我查下"),
    ("game_uid", "原神UID 123456789 来我世界", f"原神uid {IDENT} 来我世界"),
    ("pickup_code", "取件码 3-2-4102", f"取件码 {IDENT}"),
    ("file_code", "https://pan.baidu.com/s/1AbC 提取码: 8k2m", f"https://pan.baidu.com/s/1abc 提取码: {IDENT}"),
    ("live_room_kept", "B站直播间 房间号 31780462", "b站直播间房间号 31780462"),  # how a live stream is promoted
    ("password_alone_kept", "账号密码 123456", "账号密码 123456"),  # a lure asks for passwords: digits stay
    ("uid_inside_a_word_kept", "fluid 123", "fluid 123"),
    ("skirt_price_kept", "这条裙199", "这条裙199"),  # synthetic: a dress, not a group
    # homophones are the pinyin feature's job: left alone, not broken
    ("homophones_untouched", "沟买 瘦后 内步", "沟买瘦后内步"),
    ("spaces_between_hanzi_dropped", "加 微 信 聊 聊", "加微信聊聊"),  # LCCC/FBS segmentation, spaced-out dodges
    ("spaces_between_latin_kept", "hello world 你 好", "hello world 你好"),
    # lowercase, outer whitespace
    ("lowercase_strip", "  QQ Group OK  ", "qq group ok"),
    # kaomoji: NFKC splits ￣ into space + combining macron; the mark is dropped
    ("kaomoji", "下个赛季我想回舞女榜(￣∇￣)", "下个赛季我想回舞女榜( ∇ )"),  # game_chat_spam
]


@pytest.mark.parametrize("raw,expected", [c[1:] for c in TEXT_CASES], ids=[c[0] for c in TEXT_CASES])
def test_text(raw, expected):
    assert normalize(raw).text == expected


# --------------------------------------------------------------------------------------------
# placeholders and emoji -> tokens, counted
# --------------------------------------------------------------------------------------------

TOKEN_CASES = [
    # (id, raw, text, n_emoji, n_placeholders)
    ("qq_faces", "回完就删的还不是你这个小贱畜/比心/比心/比心/比心今晚",  # chineseharm 谩骂引战
     f"回完就删的还不是你这个小贱畜{STK * 4}今晚", 0, 4),
    ("qq_face_then_text", "/笑哭你好", f"{STK}你好", 0, 1),  # name followed by ordinary text
    ("unknown_slash_kept", "a/b 今天/明天 /小时", "a/b 今天/明天 /小时", 0, 0),
    ("bracket_sticker", "涩涩呢[表情][表情][表情]", f"涩涩呢{STK * 3}", 0, 3),  # chineseharm
    ("animated_sticker", "[动画表情]", STK, 0, 1),
    ("em_code", "注册宋38菜斤找好平台浏览器[em]e400744[/em]：小财迷.cc",  # chineseharm 博彩
     f"注册宋38菜斤找好平台浏览器{STK}:小财迷.cc", 0, 1),
    ("wechat_faces", "[捂脸][OK][玫瑰R]", STK * 3, 0, 3),
    ("sms_signature_kept", "[招商银行]您的账户", "[招商银行]您的账户", 0, 0),  # not a face
    ("image", "[图片][视频]", IMG * 2, 0, 2),
    ("image_double_click", "引导不可以修复吗双击查看原图", f"引导不可以修复吗{IMG}", 0, 1),  # qq_campus_adfilter
    ("image_object_char", "免费送给你们啦\ufffc双击查看原图学姐", f"免费送给你们啦{IMG}学姐", 0, 1),  # qq_campus_adfilter
    ("fullwidth_brackets", "［图片］", IMG, 0, 1),
    ("contact_cards", "[名片] 李老师 [群名片][公众号名片]", f"{IMG}李老师{IMG * 2}", 0, 3),  # a card's name is words
    # an app's words around a shared link are an attachment, like [链接]; 抖音's 口令 is not (rebate posts use it)
    ("meeting_invitation", "张三 邀请您参加腾讯会议\n会议主题：组会\n点击链接入会，或添加至会议列表：",
     f"张三{IMG}会议主题:组会{IMG}", 0, 2),
    ("note_share", "http://xhslink.com/a/Ab1 复制本条信息，打开【小红书】App查看精彩内容！", f"http://xhslink.com/a/ab1 {IMG}", 0, 1),
    ("netdisk_share", "复制这段内容后打开百度网盘手机App，操作更方便哦", IMG, 0, 1),
    ("aliyun_share", "点击链接保存，或者复制本段内容，打开「阿里云盘」APP ，无需下载极速在线查看，视频原画倍速播放。", IMG, 0, 1),
    ("douyin_video_share", "复制打开抖音，看看【小王的作品】", IMG, 0, 1),
    ("douyin_kouling_kept", "复制打开抖音，看看【收纳架 券后16.9】", "复制打开抖音,看看【收纳架券后16.9】", 0, 0),
    # the share score before and the codes after its link are the app's (an email-shaped k@O.KJ among them)
    ("douyin_share_codes", "7.25 复制打开抖音，看看【阿福的作品】边牧 https://v.douyin.com/iRk7Xw2p/ Bxy:/ 08/14 k@O.KJ :1pm 太聪明了",
     f"{IMG}边牧 https://v.douyin.com/irk7xw2p/ 太聪明了", 0, 1),
    ("douyin_picture_post", "4.17 ZMW:/ 复制打开抖音，看看【无理.的图文作品】壁纸", f"{IMG}壁纸", 0, 1),
    ("douyin_link_contact_kept", "复制打开抖音，看看【小王的作品】 https://v.douyin.com/abcd12/ 加a@b.cc",
     f"{IMG} https://v.douyin.com/abcd12/ 加a@b.cc", 0, 1),
    ("xhs_code", "😆 Hg7tKx2Lm9 😆", IMG, 0, 1),
    ("wechat_sign_up_list", "#接龙\n周日徒步\n\n1. 朵朵妈", f"{IMG}周日徒步\n\n1. 朵朵妈", 0, 1),
    ("red_packet_game_kept", "红包接龙群 #接龙来玩", "红包接龙群 #接龙来玩", 0, 0),  # a gambling game's name, mid-text
    ("parcel_after_carrier", "韵达 4312 0875 6639 12 到了", f"韵达 {IDENT} 到了", 0, 0),
    ("carrier_price_kept", "顺丰 25 块", "顺丰 25 块", 0, 0),
    ("hospital_record_numbers", "住院号A0095732，病案号 0038 2715", f"住院号{IDENT},病案号 {IDENT}", 0, 0),
    ("order_tail_number", "美团订单尾号 4458 到了", f"美团订单尾号 {IDENT} 到了", 0, 0),
    ("bank_card_tail_kept", "您尾号1234的储蓄卡", "您尾号1234的储蓄卡", 0, 0),  # a bank's notice, and its scams' form
    ("tax_number", "税号91440104MA9W6P2K3R，核对抬头", f"税号{IDENT},核对抬头", 0, 0),
    ("identity_number_ending_in_x", "学籍号G43102620100518231X已交", f"学籍号{IDENT}已交", 0, 0),
    ("a_range_of_numbers", "参赛号A12058到A12073是我们队的", f"参赛号{IDENT}是我们队的", 0, 0),
    ("a_range_from", "单号从1187 2394 6650 3到1187 2394 6691 4", f"单号从{IDENT}", 0, 0),
    ("arrived_is_no_range", "单号 12345 到了", f"单号 {IDENT} 到了", 0, 0),
    ("report_number", "报告编号 JC-2024-11873，全部合格", f"报告编号 {IDENT},全部合格", 0, 0),
    ("prize_number_kept", "中奖编号DY20241015837", "中奖编号dy20241015837", 0, 0),  # a prize scam's
    ("zoom_passcode", "Zoom ID 934 2815 6670，passcode: 8hT3q", f"zoom id {IDENT},passcode: {IDENT}", 0, 0),
    # QQ's lines for what a text export cannot show: one attachment each, like [图片] (qq_scu_group_2017)
    ("qq_red_packet", "[QQ红包]我发了一个“口令红包”，请使用新版手机QQ查收红包。", IMG, 0, 1),
    ("qq_red_packet_plain", "[QQ红包]请使用新版手机QQ查收红包。", IMG, 0, 1),
    ("qq_check_in", "[群签到]请使用手机QQ进行查看。", IMG, 0, 1),
    ("qq_action_with_its_name", "[动作消息]万万使不得", IMG, 0, 1),  # a 厘米秀 animation's name is no talk
    ("qq_action_then_words", "[动作消息]厘米FLY 哈哈", f"{IMG}哈哈", 0, 1),
    ("qq_red_packet_own_words", "[QQ红包]恭喜发财", f"{IMG}恭喜发财", 0, 1),
    ("red_packet_words_stay_words", "口令红包发了", "口令红包发了", 0, 0),
    ("emoji_plus_sign", "莆田仙游附近妹妹➕我出来喝茶🍵非诚勿扰/比心/比心/比心",  # chineseharm 低俗色情
     f"莆田仙游附近妹妹+我出来喝茶{EMO}非诚勿扰{STK * 3}", 1, 3),
    ("text_default_symbols", "FTA689☎☎在线", f"fta689{EMO * 2}在线", 2, 0),  # tg_spam_zh
    ("heart_without_vs16", "❤网占打开：110k.cc", f"{EMO}网占打开:110k.cc", 1, 0),  # tg_spam_zh
    ("skin_tone_counts_once", "👍🏽👍", EMO * 2, 2, 0),
    ("zwj_family_counts_once", "👨\u200d👩\u200d👧\u200d👦", EMO, 1, 0),
    ("flag_and_keycap", "🇨🇳1️⃣#️⃣", f"{EMO}1{EMO}", 2, 0),  # a keycap digit is its digit; #️⃣ stays an emoji
    ("keycap_digits_are_digits", "招9⃣️本以上玩家", "招9本以上玩家", 0, 0),  # game_chat_spam: digit, U+20E3, VS16
    ("copyright_is_not_emoji", "©2024 ™", "©2024 tm", 0, 0),
    ("squared_letter_vs16", "🅰️ 🅰", f"{EMO} a", 1, 0),  # emoji only with VS16
]


@pytest.mark.parametrize("raw,text,n_emoji,n_ph", [c[1:] for c in TOKEN_CASES],
                         ids=[c[0] for c in TOKEN_CASES])
def test_tokens_and_counts(raw, text, n_emoji, n_ph):
    n = normalize(raw)
    assert (n.text, n.n_emoji, n.n_placeholders) == (text, n_emoji, n_ph)


def test_private_use_input_cannot_forge_handle_tokens():
    # icon-font / old carrier emoji code points and our handle tokens in the input are dropped;
    # img/sticker/emoji tokens pass through (and are counted) so normalize(n.text) == n
    n = normalize(f"hello\ue010\uf8ff{EMO}{IMG}world")
    assert (n.text, n.n_emoji, n.n_placeholders, n.handles) == (f"hello{EMO}{IMG}world", 1, 1, ())


# --------------------------------------------------------------------------------------------
# handles: (kind, span in text, value)
# --------------------------------------------------------------------------------------------

HANDLE_CASES = [
    # --- wechat
    ("wechat_jia_v_space", "加V Was4872", [("wechat", "加v was4872", "was4872")]),  # brief
    ("wechat_v_xin", "全裸自慰你指挥激情加V信EKT010", [("wechat", "加微信ekt010", "ekt010")]),  # tg_spam_zh
    ("wechat_wei_xin_variant", "激情妹纸表现懂得加薇信kkkk5989", [("wechat", "加微信kkkk5989", "kkkk5989")]),
    ("wechat_vx_phone", "加VX13751998067", [("wechat", "加微信13751998067", "13751998067")]),  # tg_spam_zh
    ("wechat_wei_alone", "需要元宝的加微长期入驻诚信可靠绝对信誉微kz18355361302",  # game_ad_chat
     [("wechat", "微kz18355361302", "kz18355361302")]),
    ("wechat_jia_wei_variant", "买片加薇EK𝐗596", [("wechat", "加薇ekx596", "ekx596")]),  # tg_spam_zh
    ("wechat_jia_wei_prestige_char", "一百元6万点券送v7宝珠时装武器需要的加威信aab7780先货",  # game_ad_chat
     [("wechat", "加微信aab7780", "aab7780")]),
    ("wechat_colon_letters_only", "微信号：xiaolongnv", [("wechat", "微信号:xiaolongnv", "xiaolongnv")]),
    ("wechat_plus_emoji_v", "➕v abc123", [("wechat", "+v abc123", "abc123")]),  # synthetic
    # --- qq
    ("qq_kou_kou_split_digits", "扣扣 2744 7053", [("qq", "qq 2744 7053", "27447053")]),  # brief
    ("qq_qie_e", "篇加企鹅35141 73330ᚰ篇加企鹅35141 73330ᚰ",  # tg_spam_zh
     [("qq", "加qq35141 73330", "3514173330"), ("qq", "加qq35141 73330", "3514173330")]),
    ("qq_dashed_digits", "佳企鹅：1-6-6-8-2-9-6-8-1 luo聊", [("qq", "qq:1-6-6-8-2-9-6-8-1", "166829681")]),
    ("qq_chinese_digit_in_context", "家看筘─5四2 7049", [("qq", "筘─5四2 7049", "5427049")]),  # tg_spam_zh
    ("qq_chinese_digits_brief", "qq 九─七三二一五", [("qq", "qq 九─七三二一五", "973215")]),  # synthetic
    ("qq_plus_kou_before", "+口 ─5四2 7049", [("qq", "+口 ─5四2 7049", "5427049")]),  # tg_spam_zh
    ("qq_trailing_qie_e", "12554971+企鹅", [("qq", "12554971+企鹅", "12554971")]),  # tg_spam_zh
    ("qq_trailing_kou", "\ufeff性感撕挖 1627 4251 口.", [("qq", "1627 4251 口", "16274251")]),  # tg_spam_zh
    ("qq_trailing_homophone_wins_over_junk", "漙2952700242蔻666666",  # tg_spam_zh
     [("qq", "2952700242蔻", "2952700242")]),
    ("qq_q_colon", "加q:771177599先货后付", [("qq", "加q:771177599", "771177599")]),  # game_ad_chat
    ("qq_kou_alone", "十扣:204744234", [("qq", "扣:204744234", "204744234")]),  # game_ad_chat
    ("qq_jia_wo", "你加我1417449228", [("qq", "加我1417449228", "1417449228")]),  # game_ad_chat
    ("qq_fullwidth_bracket", "联系丝瓜:【QQ11611 】丝瓜下载搜ya.cn",  # chineseharm 博彩
     [("qq", "qq11611", "11611"), ("url", "ya.cn", "ya.cn")]),
    # --- group
    ("group_jun_yang", "加君羊567949726高科技", [("group", "加群567949726", "567949726")]),  # game_ad_chat
    ("group_skirt", "有的加裙273222046", [("group", "加群273222046", "273222046")]),  # game_ad_chat
    ("group_qq_qun_hao", "点剑侠国际服火爆开区中,企鹅群号:738996480提示",  # game_ad_chat
     [("group", "群号:738996480", "738996480")]),
    ("group_qq_qun", "qq群415903507加群可试车", [("group", "qq群415903507", "415903507")]),  # game_ad_chat
    ("group_jin_qun_dashes", "需要的朋友进群181-157-875", [("group", "进群181-157-875", "181157875")]),
    # --- phone
    ("phone_spaces", "电话 138 1234 5678", [("phone", "138 1234 5678", "13812345678")]),  # synthetic
    ("phone_single_digits", "1 3 8 1 2 3 4 5 6 7 8", [("phone", "1 3 8 1 2 3 4 5 6 7 8", "13812345678")]),
    ("phone_5_6_split", "18683 583314擦妹伽微", [("phone", "18683 583314", "18683583314")]),  # tg_spam_zh
    ("phone_dashes", "153-6322-7777", [("phone", "153-6322-7777", "15363227777")]),  # tg_spam_zh
    ("phone_then_number", "13812345678 2楼", [("phone", "13812345678", "13812345678")]),
    # --- url
    ("url_obfuscated_dots", "kw。v2mcfsip。top", [("url", "kw。v2mcfsip。top", "kw.v2mcfsip.top")]),  # brief
    ("url_space_dot", "liuying .lol", [("url", "liuying .lol", "liuying.lol")]),  # brief
    ("url_space_ideographic_dot", "xx 。top", [("url", "xx 。top", "xx.top")]),  # guide
    ("url_dian", "网站：d9625点com", [("url", "d9625点com", "d9625.com")]),  # tg_spam_zh
    ("url_dian_www", "www点594www点com不用谢", [("url", "www点594www点com", "www.594www.com")]),  # tg_spam_zh
    ("url_paren_dot", "abc(dot)com", [("url", "abc(dot)com", "abc.com")]),  # synthetic
    ("url_bare", "开云：377kyty.net不黑不卡不跑路", [("url", "377kyty.net", "377kyty.net")]),  # tg_spam_zh
    ("url_www_fullwidth_port", "www.5dtsne.top：1247", [("url", "www.5dtsne.top:1247", "www.5dtsne.top")]),
    ("url_cjk_label", "：小财迷.cc", [("url", "小财迷.cc", "小财迷.cc")]),  # chineseharm 博彩
    ("url_scheme_path", "(https://820285.com/a?b=1)", [("url", "https://820285.com/a?b=1", "820285.com")]),
    ("url_circled_www", "③w点188porn.com", [("url", "3w点188porn.com", "3w.188porn.com")]),  # tg_spam_zh
    # the host ends at its TLD: text glued after a link stays text (chineseharm, tg_spam_zh)
    ("url_scheme_then_cjk", "http://abc.top安卓下载", [("url", "http://abc.top", "abc.top")]),
    ("url_scheme_ip_port", "http://1.2.3.4:8080/x看", [("url", "http://1.2.3.4:8080/x", "1.2.3.4")]),
    ("url_scheme_cjk_tld", "http://中文.中国/a", [("url", "http://中文.中国/a", "中文.中国")]),
    # --- wechat ids spelled out a character at a time, and keywords dodged with an emoji or a variant
    ("wechat_spelled_id", "+薇：m i a n m o 6 6 8", [("wechat", "+薇:m i a n m o 6 6 8", "mianmo668")]),
    ("wechat_vx_spaced_spelled", "+ V x ： b a o b a o _ d g", [("wechat", "v x : b a o b a o _ d g", "baobao_dg")]),
    ("wechat_emoji_in_keyword", "订购→薇❤信：c h e l i z i 5 2", [("wechat", "薇\ue002信:c h e l i z i 5 2", "chelizi52")]),
    ("wechat_letters_after_jia_wei", "沟买加威❤：lajiang_home", [("wechat", "加威\ue002:lajiang_home", "lajiang_home")]),
    ("wechat_v_plus_spelled", "V➕ g a m e 2 0 2 4", [("wechat", "v+ g a m e 2 0 2 4", "game2024")]),
    # an id spelled out with no keyword before it is a dodge in itself
    ("spelled_id_no_keyword", "找我：c h a y e ~ 8 8 号", [("wechat", "c h a y e ~ 8 8", "chaye88")]),
    ("spelled_id_slashes", "绿色泡泡 l a n / s h u", [("wechat", "l a n / s h u", "lanshu")]),
    ("spelled_count_is_no_id", "1 2 3 4 5 6 7 8", []),
    # alone, a spelled-out run is a word or a title (danmaku: lyrics, SCP numbers), not an id offered with an ad
    ("spelled_word_alone_is_no_id", "M I S E R Y", []),
    ("spelled_title_alone_is_no_id", "S C P 0 9 6！", []),
    ("spelled_id_beside_a_picture_is_one", "[图片] y u g a n 6 6 8", [("wechat", "y u g a n 6 6 8", "yugan668")]),
    ("spelled_laugh_is_no_id", "h a h a h a h a", []),
    ("spelled_key_mash_is_no_id", "q w e r t y u i", []),
    ("wechat_pinyin_keyword", "加 wei xin：cha-ye-668", [("wechat", "wei xin:cha-ye-668", "cha-ye-668")]),
    ("qq_spaced_dots", "扣扣：3 1 5 · 2 0 8 · 6 6 4 1", [("qq", "qq:3 1 5 · 2 0 8 · 6 6 4 1", "3152086641")]),
    ("phone_spaced_slashes", "电话 1 3 9 / 2 2 1 0 / 5 5 8 7", [("phone", "1 3 9 / 2 2 1 0 / 5 5 8 7", "13922105587")]),
    ("phone_in_keycaps", "📞 1️⃣3️⃣8️⃣ 7️⃣2️⃣0️⃣4️⃣ 6️⃣1️⃣9️⃣5️⃣", [("phone", "138 7204 6195", "13872046195")]),
    # --- telegram
    ("tme_invite", "yangmaokkkkkkhttps://t.me/+n-N07qFxpqEyODYy",  # tg_spam_zh
     [("telegram", "https://t.me/+n-n07qfxpqeyodyy", "+n-n07qfxpqeyodyy")]),
    ("tme_bare", "t.me/vb168168", [("telegram", "t.me/vb168168", "vb168168")]),
    ("tme_then_domain", "频道：https://t.me/+q4FZGZcL2QQyODg1网站：d9625点com",  # tg_spam_zh
     [("telegram", "https://t.me/+q4fzgzcl2qqyodg1", "+q4fzgzcl2qqyodg1"), ("url", "d9625点com", "d9625.com")]),
    ("tme_glued_urls", "https://t.me/+sv3phshcqftimjnlhttps://x.com",
     [("telegram", "https://t.me/+sv3phshcqftimjnl", "+sv3phshcqftimjnl"), ("url", "https://x.com", "x.com")]),
    ("telegram_at", "联系：@wqa25883联系", [("telegram", "@wqa25883", "wqa25883")]),  # tg_spam_zh
    ("telegram_feiji", "飞机搜：AGZL688", [("telegram", "飞机搜:agzl688", "agzl688")]),  # tg_spam_zh
    ("telegram_feiji_glued_url", "飞机:@yckj777https://t.me/abc",  # tg_spam_zh
     [("telegram", "飞机:@yckj777", "yckj777"), ("telegram", "https://t.me/abc", "abc")]),
    # --- email
    ("email_over_qq_and_domain", "q2282884590@163.com",  # tg_spam_zh
     [("email", "q2282884590@163.com", "q2282884590@163.com")]),
    # --- several kinds in one message (game_chat_spam normal)
    ("qq_trailing_and_wechat", "252625708qq微信cxg252625707",
     [("qq", "252625708qq", "252625708"), ("wechat", "微信cxg252625707", "cxg252625707")]),
]


@pytest.mark.parametrize("raw,expected", [c[1:] for c in HANDLE_CASES], ids=[c[0] for c in HANDLE_CASES])
def test_handles(raw, expected):
    n = normalize(raw)
    assert [(h.kind, h.text, h.value) for h in n.handles] == expected
    for h in n.handles:
        assert h.text in n.text


# --------------------------------------------------------------------------------------------
# negatives: numbers and words that must not become handles
# --------------------------------------------------------------------------------------------

NEGATIVE_CASES = [
    ("spelled_letters_without_contact_shape", "我 v a s t 了"),  # a lone "v" then letters: no 加, colon or "+"
    ("weiwu_spelled", "威武 a b c d e f"),  # 威 counts only as 加威
    ("price", "今天本店活动优惠价998"),  # domain.md
    ("price_yuan", "998元包邮"),
    ("year", "2024年3月"),
    ("carrier_number", "打电话10086"),  # 5 digits, no context
    ("time", "晚上20:30开会"),
    ("score", "3比1赢了"),
    ("score_dashes", "白色 3-2 5-3 2-4 4-5左下0-0"),  # tg_spam_zh
    # "v我50" is the 疯狂星期四 meme ("transfer me 50 via WeChat"): a request for money, not a
    # contact; left to the text features, no handle
    ("v_wo_50", "v我50"),
    ("v_ge_50", "怕是让你v个50都难哟"),  # chineseharm
    ("bare_number_before_qun", "978148574白马，来群里"),  # tg_spam_zh label 0
    ("jia_is_plus", "8000万加15000"),  # tg_spam_zh label 0
    ("decimal_pi", "3.14159265358"),  # tg_spam_zh label 0
    ("number_list", "140 140 135 56 8"),  # tg_spam_zh label 0
    ("vip_level", "v11，2700多钻石，有谁要的"),  # game_chat_spam normal
    ("vip_word", "vip666666"),
    ("game_code", "#vvL2C8Q"),  # game_chat_spam normal
    ("bilibili_id", "bv1xx411c7md"),
    ("order_number", "订单号：19513967161 衣服比实体店的衣服薄"),  # online_shopping
    ("plane", "因为飞机 delay 临时找的住宿"),  # online_shopping
    ("time_dian", "晚上10点cc直播"),
    ("cjk_before_dot", "我在腾讯买的五位字母.com"),  # not a 10-character domain
    ("weiwu", "威武123456"),
    ("chinese_numerals_alone", "一二三四五六七八九十"),
    ("kou_mouth", "人口12345678"),
    ("faq", "faq 123456"),
]


@pytest.mark.parametrize("raw", [c[1] for c in NEGATIVE_CASES], ids=[c[0] for c in NEGATIVE_CASES])
def test_no_handle(raw):
    assert normalize(raw).handles == ()


# --------------------------------------------------------------------------------------------
# masked
# --------------------------------------------------------------------------------------------

MASKED_CASES = [
    ("handle_and_digits", "加V Was4872 今天998元", f"{TOKENS['wechat']} 今天000元"),
    ("two_kinds", "频道：https://t.me/+q4FZGZcL2QQyODg1网站：d9625点com",
     f"频道:{TOKENS['telegram']}网站:{TOKENS['url']}"),
    ("group_then_digits", "跨1大表哥现在有团需要的加裙625549089十10",  # game_ad_chat
     f"跨0大表哥现在有团需要的{TOKENS['group']}十00"),
    ("phone", "电话 138 1234 5678", f"电话 {TOKENS['phone']}"),
    ("email", "q2282884590@163.com", TOKENS["email"]),
    ("qq", "扣扣 2744 7053", TOKENS["qq"]),
    ("no_handle_digits_zeroed", "2024年998元10086", "0000年000元00000"),
    ("emoji_tokens_kept", "😀[图片]12", f"{EMO}{IMG}00"),
    ("no_digits_unchanged", "好的,谢谢", "好的,谢谢"),
]


@pytest.mark.parametrize("raw,masked", [c[1:] for c in MASKED_CASES], ids=[c[0] for c in MASKED_CASES])
def test_masked(raw, masked):
    assert normalize(raw).masked == masked


# --------------------------------------------------------------------------------------------
# properties over real corpus lines
# --------------------------------------------------------------------------------------------

REAL_LINES = [c[1] for c in TEXT_CASES + TOKEN_CASES] + [c[1] for c in HANDLE_CASES] + [
    c[1] for c in NEGATIVE_CASES
] + [
    "▕(￣ε(#￣)☆╰╮(ಥ_ಥ)【嗨你麻痹我要睡觉】",  # game_chat_spam
    "İstanbul ΑΣ ГП",
    "靓仔大阔爱（づ￣3￣）づ╭❤～",  # game_chat_spam
]


@pytest.mark.parametrize("raw", REAL_LINES)
def test_idempotent(raw):
    # normalize(text) of a result reproduces the result: safe to apply twice in a pipeline
    n = normalize(raw)
    assert normalize(n.text) == n


@pytest.mark.parametrize("raw", REAL_LINES)
def test_masked_has_no_ascii_digit_but_zero(raw):
    n = normalize(raw)
    assert not any(c in "123456789" for c in n.masked)
    assert n.masked == n.masked.lower()


def test_long_input_stays_linear():
    # pathological inputs must not backtrack: well under a second for 20k characters
    import time
    for raw in ("1" * 20000 + "口", "12 " * 7000 + "qq", "a" * 20000 + "@", "我" * 20000 + ".com",
                "q1" * 10000, "[" * 20000, "😀" * 10000):
        t = time.perf_counter()
        normalize(raw)
        assert time.perf_counter() - t < 1.0


# -- step 0: a QQ bot's raw_message (OneBot CQ codes) --------------------------------------------
IMG_URL = "https://gchat.qpic.cn/gchatpic_new/1234567890/987654321-2234567890-5F3E1C2A9B/0?term=2"


@pytest.mark.parametrize("raw, same_as", [
    ("[CQ:at,qq=123456789] 明天几点上课？", "@群友 明天几点上课？"),  # a mention's account number is no QQ contact
    ("[CQ:at,qq=123456789,name=张三] 在吗", "@张三 在吗"),
    ("[CQ:at,qq=all] 明天停课", "@全体成员 明天停课"),
    ("[CQ:reply,id=-2147483647][CQ:at,qq=2854196310] 收到", "@群友 收到"),  # the reply marker says nothing
    (f"[CQ:image,file=5F3E1C2A9B.image,subType=0,url={IMG_URL}] 看看这个", "[图片] 看看这个"),  # no link
    (f"[CQ:image,file=5F3E1C2A9B.image,subType=1,url={IMG_URL}]", "[动画表情]"),
    ("[CQ:image,file=a.image,type=flash]", "[闪照]"),
    ("[CQ:face,id=178][CQ:face,id=178][CQ:face,id=178]", "[表情][表情][表情]"),
    ("[CQ:record,file=a.amr]", "[语音]"),
    ("我也是&#91;捂脸&#93;", "我也是[捂脸]"),  # the brackets a member typed, as OneBot escapes them
    ("A&amp;B [CQ:face,id=14]", "A&B [表情]"),
    ("[CQ:unknown_kind,foo=bar]你好", "你好"),
    # a recommended friend or group: a card, not a link; its number is the platform's, not the member's words
    ("[CQ:contact,type=qq,id=2847561234]", "[名片]"),
    ("加这个[CQ:contact,type=group,id=738291045]", "加这个[群名片]"),
])
def test_cq_codes_read_as_the_client_shows_them(raw, same_as):
    assert normalize(raw) == normalize(same_as)


def test_a_card_keeps_its_words_and_link():
    share = normalize("[CQ:share,url=https://item.taobao.com/item.htm?id=123,title=全场五折&#44;加v abc12345]")
    assert {h.kind for h in share.handles} == {"wechat", "url"} and "全场五折" in share.text
    card = normalize('[CQ:json,data={"app":"com.tencent.miniapp"&#44;"prompt":"&#91;QQ小程序&#93;兼职日结"&#44;'
                     '"meta":{"detail_1":{"qqdocurl":"https:\\/\\/t.cn\\/abc"}}}]')
    assert "兼职日结" in card.text and [h.text for h in card.handles] == ["https://t.cn/abc"]


@pytest.mark.parametrize("raw, kept", [("[CQ 不是代码]", "[cq 不是代码]"), ("A&amp;B", "a&amp;b"), ("价格 &#163;5", "&#163;5"),
                                      ("CQ:at,qq=123456789", "qq=123456789")])
def test_text_without_cq_codes_or_escaped_brackets_is_left_as_written(raw, kept):
    assert kept in normalize(raw).text


@pytest.mark.parametrize("raw, same_as", [
    ('<at id="123456789"/> 明天几点上课？', "@群友 明天几点上课？"),  # Koishi / Satori elements
    ('<at id="123456789" name="张三"/> 在吗', "@张三 在吗"),
    ('<at type="all"/> 明天停课', "@全体成员 明天停课"),
    ('<quote id="42"/>好的', "好的"),
    ("<@!1234567890> 明天几点上课？", "@群友 明天几点上课？"),  # the QQ open platform's bot API
    ("<@12345678> 在吗 <emoji:4><emoji:4><emoji:4>", "@群友 在吗 [表情][表情][表情]"),
    ("<#123456> 这个频道有人吗", " 这个频道有人吗"),
    ('<img src="https://multimedia.nt.qq.com.cn/download?appid=1407&amp;fileid=abc"/>看看', "[图片]看看"),
    ('<face id="178"/><face id="178"/><face id="178"/>', "[表情][表情][表情]"),
    ("1 &lt; 2 <face id=\"14\"/>", "1 < 2 [表情]"),
    # an address QQ does not keep pictures at was typed, not put there by the client: kept for the model
    ("[CQ:image,file=a.image,url=http://spam.top/a]加v abc12345", "[图片] http://spam.top/a 加v abc12345"),
    ('<img src="http://bit.ly/abc"/>好', "[图片] http://bit.ly/abc 好"),
    # a QQ address that is no picture store (a docs.qq.com form is a lure's favourite) is kept too
    ("[CQ:image,file=a.image,url=https://docs.qq.com/form/abc]", "[图片] https://docs.qq.com/form/abc"),
])
def test_satori_elements_read_as_the_client_shows_them(raw, same_as):
    assert normalize(raw) == normalize(same_as)


@pytest.mark.parametrize("raw", ["a<b 且 5>3", "我爱你<3", "<b>粗体</b>", "1 &lt; 2"])
def test_angle_brackets_that_are_no_element_stay_as_written(raw):
    assert normalize(raw).text == normalize(raw.replace("<", "＜").replace(">", "＞")).text  # NFKC folds both alike


# -- WeChat's XML: a card, a quoted reply, a picture --------------------------------------------------
WECHAT_LINK = ('<?xml version="1.0"?>\n<msg>\n\t<appmsg appid="" sdkver="0">\n\t\t<title>周末活动通知</title>\n'
               '\t\t<des>本周六下午两点图书馆集合 &amp; 签到</des>\n\t\t<type>5</type>\n'
               '\t\t<url>https://mp.weixin.qq.com/s/abcDEF</url>\n\t</appmsg>\n\t<fromusername>wxid_abc</fromusername>\n</msg>')
WECHAT_MINI = ('<msg><appmsg appid="wx32540bd863b27570" sdkver="0"><title><![CDATA[帮我砍一刀就能免费拿！]]></title>'
               '<des /><type>33</type><url>https://mobile.yangkeduo.com/app.html</url>'
               '<sourcedisplayname>拼多多</sourcedisplayname></appmsg></msg>')
WECHAT_QUOTE = ('<msg><appmsg appid="" sdkver="0"><title>群里别发广告了</title><type>57</type><refermsg><type>1</type>'
                '<displayname>卖车的</displayname><content>出二手自行车，加v abc12345</content></refermsg></appmsg></msg>')

WECHAT_CONTACT_CARD = ('<?xml version="1.0"?>\n<msg bigheadimgurl="http://wx.qlogo.cn/mmhead/ver_1/abc/0" '
                       'smallheadimgurl="http://wx.qlogo.cn/mmhead/ver_1/abc/132" username="wxid_k2j3h4g5f6" '
                       'nickname="李老师" fullpy="lilaoshi" alias="lls2024" imagestatus="3" scene="17" province="四川" '
                       'city="成都" sign="" sex="2" certflag="0" certinfo="" brandHomeUrl="" />\n')


@pytest.mark.parametrize("raw, same_as", [
    (WECHAT_LINK, "[链接] 周末活动通知 本周六下午两点图书馆集合 & 签到 https://mp.weixin.qq.com/s/abcDEF"),
    (WECHAT_MINI, "[小程序] 拼多多 帮我砍一刀就能免费拿！ https://mobile.yangkeduo.com/app.html"),
    (WECHAT_QUOTE, "「卖车的：出二手自行车，加v abc12345」\n- - - - - - - - - - - - - - -\n群里别发广告了"),
    ('<?xml version="1.0"?><msg><img aeskey="abc" cdnthumburl="305702" length="12345" /></msg>', "[图片]"),
    ('<msg><emoji fromusername="wxid_a" tousername="123@chatroom" type="2" md5="abc" len="1234" /></msg>', "[表情]"),
    ("<msg>不认识的内容</msg>", "<msg>不认识的内容</msg>"),  # no part a client shows: as written
    (WECHAT_CONTACT_CARD, "[名片] 李老师"),  # its avatar addresses are no links, its attributes no words
    ('<msg username="gh_3a8c5f0e1b2d" nickname="考研资料 &amp; 真题" certflag="8"/>', "[公众号名片] 考研资料 & 真题"),
])
def test_wechat_xml_read_as_the_client_shows_it(raw, same_as):
    assert normalize(raw) == normalize(same_as)
