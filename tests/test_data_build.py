"""data/: the rules that turn the raw corpora into training rows (fast; small tmp files, no ../shared).

mapping.py (source tells removed, each source's label mapped by the guide and the hand-review rules),
augment.py (attachments at the documented rates, on the documented labels), hand_labels.py
(overrides, conflicts, bad labels) and build.py's helpers (duplicate keys, near copies, held-out rows).
"""
from __future__ import annotations

import gzip
import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from qunguard.data import augment as aug
from qunguard.data import build, dodge, hand_labels
from qunguard.data.mapping import ADVERTISING, FLOODING, ON_TOPIC, SPAM, clean_text, map_row, text_flood
from qunguard.data.sources import RawRow


def _map(source: str, raw_label: str, text: str) -> tuple[str, str] | None:
    row = RawRow(text, source, raw_label)
    return map_row(row, clean_text(row))


# --- mapping.clean_text: what gives a row's source away goes -------------------------------------
@pytest.mark.parametrize("source,text,cleaned", [
    # fbs_sms: the anonymiser's placeholders and the authors' word segmentation
    ("fbs_sms", "您好 NAME ， 欢迎 光临 本店 ， 电话 PHONE", "您好，欢迎光临本店，电话"),
    ("fbs_sms", "new iphone 15 到货", "new iphone 15到货"),  # a space between two Latin words stays
    # sms80w: digits masked to x upstream come back as 0, so "xxx" neither leaks the label nor floods
    ("sms80w", "尊敬的客户xxx号，回复X退订，box", "尊敬的客户123号，回复1退订，box"),
    # tg_spam_zh: runic letters the collector appended
    ("tg_spam_zh", "加我\u16a0\u16a1好友", "加我好友"),
    # tg_channel_ads: markdown links, bold/italic marks and blank-line runs
    ("tg_channel_ads", "**限时** [点这里](https://t.me/abc)\n\n\n__下一行__", "限时 点这里 https://t.me/abc\n下一行"),
    # every source: a byte-order mark and control characters; nothing else is touched
    ("lccc_toy", "\ufeff你好\x07吗 xxx NAME ", "你好吗 xxx NAME"),
    ("qq_scu_group_2017", "第一行\n第二行\t!", "第一行\n第二行\t!"),
])
def test_clean_text_removes_source_tells(source, text, cleaned):
    assert clean_text(RawRow(text, source, "x")) == cleaned


def test_sms_masks_can_no_longer_read_as_a_flood():
    row = RawRow("验证码xxxxxx，请勿泄露", "sms80w", "0")
    assert "x" not in clean_text(row) and not text_flood(clean_text(row))


# --- mapping.map_row: one table of cases per source -----------------------------------------------
TG_SPAM = [
    # hand review: a grey service sold openly is advertising ...
    ("1", "超级签 稳定签名 苹果签名 联系 @abcdef", (ADVERTISING, "grey_service_or_honest_offer")),
    ("1", "seo排名 霸屏 引流", (ADVERTISING, "grey_service_or_honest_offer")),
    ("1", "出售云服务器 vps 低价", (ADVERTISING, "grey_service_or_honest_offer")),
    # ... unless a strong black-market cue says the reader is drawn into fraud
    ("1", "超级签 车队 跑分", (SPAM, "strong_black_market_cue")),
    ("1", "车队收卡 日入过万 私聊", (SPAM, "strong_black_market_cue")),
    ("1", "注意啦看我名字有好东西", (SPAM, "scam_cue")),
    ("1", "啊啊啊啊啊啊啊啊啊啊", (FLOODING, "text_flood")),
    ("1", "哈哈", None),  # short banter swept in: no ground truth
    ("0", "今天的行情怎么样", (ON_TOPIC, "source_normal")),
    ("0", "哈哈哈哈哈哈哈哈哈哈哈哈", (FLOODING, "text_flood")),
]
CHINESEHARM = [
    # hand review: a paid task (pay per piece, paid the same day) is spam ...
    ("黑产广告", "抖音点赞员 一单一结 日结 有兴趣私我", (SPAM, "paid_task_cue")),
    ("黑产广告", "代发评论 一条5元", (SPAM, "paid_task_cue")),
    # ... a service sold is advertising
    ("黑产广告", "专业补单 刷粉 涨粉业务", (ADVERTISING, "service_sale_cue")),
    ("黑产广告", "出各类料子 需要的找我", (SPAM, "black_market_cue")),
    ("博彩", "澳门新葡京", (SPAM, "source_博彩")),
    ("欺诈", "您的账户异常", (SPAM, "source_欺诈")),
    ("低俗色情", "同城约 加我v", (SPAM, "porn_solicitation_cue")),
    ("低俗色情", "你这个人真色", (ON_TOPIC, "vulgar_talk_not_a_label")),
    ("谩骂引战", "你是傻子吧", (ON_TOPIC, "abuse_not_a_label")),
    ("其他", "随便说点什么", None),
]
GAME_AD_CHAT = [
    # hand review: a game sale with a price (or a reply cue) is advertising; without either it is chat
    ("0", "出极品装备 500元", (ADVERTISING, "sale_or_boosting_with_price_or_contact")),
    ("0", "出极品装备 500元 有意私聊", (ADVERTISING, "sale_or_boosting_with_price_or_contact")),
    ("0", "出极品装备", (ON_TOPIC, "source_normal")),
    ("0", "收元宝 1比60 私聊", (ADVERTISING, "dealer_buys_currency")),
    ("0", "qq 12345678 代练上分", (ADVERTISING, "contact_and_ad_cue")),
    ("0", "今天副本打得真爽", (ON_TOPIC, "source_normal")),
    # hand review: a member buying one item is chat, even where the corpus says "ad"
    ("1", "收一把好剑 有的来", (ON_TOPIC, "member_buying")),
    ("1", "求购一把好剑", (ON_TOPIC, "member_buying")),
    ("1", "出售元宝 1比50 要的私聊", (ADVERTISING, "source_ad")),
    ("1", "退款成功再收", (SPAM, "game_scam_or_bare_contact")),
]
GAME_CHAT_SPAM = [
    ("normal", "今天打得不错", (ON_TOPIC, "source_normal")),
    ("normal", "加qq 12345678 出售装备", None),  # an ad the author missed, or a member quoting one
    ("spam", "卖号 q群 123456", (ADVERTISING, "recruit_or_contact_cue")),  # one's own account sold openly
    ("spam", "收号 q群 123456", (SPAM, "scam_cue")),  # buying the readers' accounts
    ("spam", "战队收人 欢迎加入", (ON_TOPIC, "clan_recruit_no_contact")),
    ("spam", "你好垃圾", None),
]
SMS = [
    # hand review: an SMS loan trap is spam; an SMS ad is advertising
    ("1", "无抵押贷款 当天放款 详询", (SPAM, "sms_trap_cue")),
    ("1", "信用贷 放款快", (SPAM, "sms_trap_cue")),
    ("1", "本店新品上市 全场八折", (ADVERTISING, "source_spam_sms")),
    ("0", "明天一起吃饭吧", (ON_TOPIC, "source_normal")),
    ("0", "哈哈哈哈哈哈哈哈哈哈哈", (FLOODING, "text_flood")),
]
OTHERS = [
    ("mudou_spam", "1", "不上征信 急用钱找我们", (SPAM, "sms_trap_cue")),
    ("mudou_spam", "1", "本店开业大吉 全场八折", (ADVERTISING, "source_spam_sms")),
    ("fbs_sms", "AD_Retail", "全场五折", (ADVERTISING, "source_AD_Retail")),
    ("fbs_sms", "FR_Phishing", "点击链接领奖", (SPAM, "source_FR_Phishing")),
    ("fbs_sms", "IL_Gambling", "百家乐", (SPAM, "source_IL_Gambling")),
    ("fbs_sms", "NORMAL", "你好", None),
    ("bili_flood_danmaku", "script_bot_spam", "关注up主", (SPAM, "source_bot_spam")),
    ("bili_flood_danmaku", "burst", "前方高能", (ON_TOPIC, "burst_text_alone_is_normal")),
    ("bili_flood_danmaku", "burst", "哈哈哈哈哈哈哈哈哈哈哈哈哈哈", (FLOODING, "text_flood")),
    ("lccc_toy", "x", "你吃了吗", (ON_TOPIC, "source_normal")),
    ("bili_danmaku_random", "pool_1", "前排", (ON_TOPIC, "source_normal")),
    ("tieba_cyuyan_spam", "ham", "c语言指针问题", (ON_TOPIC, "source_ham")),
    ("tieba_cyuyan_spam", "fraud_spam", "代写c语言作业", (ADVERTISING, "names_a_service")),
    ("tieba_cyuyan_spam", "fraud_spam", "加我看资料", (SPAM, "bare_lure")),
    ("tieba_cyuyan_spam", "spam", "出售外挂", (SPAM, "scam_cue")),
    ("tieba_cyuyan_spam", "spam", "出售教程", (ADVERTISING, "source_ad")),
    ("campus_qq_ads", "x", "紧急通知 本群即将解散", (SPAM, "fake_notice")),
    ("campus_qq_ads", "x", "兼职日结", (SPAM, "easy_money")),
    ("campus_qq_ads", "x", "考研资料出售", (ADVERTISING, "promotion")),
    ("tg_channel_ads", "x", "✨✨✨", None),  # decoration only: the ad was an image
    ("tg_channel_ads", "x", "博彩平台注册送", (SPAM, "scam_cue")),
    ("tg_channel_ads", "x", "优质机场节点", (ADVERTISING, "promotion")),
    ("qq_scu_group_2017", "train", "有人去图书馆吗", (ON_TOPIC, "group_chat")),
    ("qq_campus_adfilter", "whole_ad", "课程特价报名", (ADVERTISING, "source_ad")),
    ("qq_campus_adfilter", "chat_0", "明天上课吗", (ON_TOPIC, "source_normal")),
    ("qq_campus_adfilter", "sms", "明天上课吗", None),  # the SMS half is not group chat
    ("no_such_source", "1", "明天上课吗", None),
]
MAP_CASES = ([("tg_spam_zh", *c) for c in TG_SPAM] + [("chineseharm_bench", *c) for c in CHINESEHARM]
             + [("game_ad_chat", *c) for c in GAME_AD_CHAT] + [("game_chat_spam", *c) for c in GAME_CHAT_SPAM]
             + [("sms80w", *c) for c in SMS] + OTHERS)


@pytest.mark.parametrize("source,raw_label,text,expected", MAP_CASES,
                         ids=[f"{s}-{r}-{t[:12]}" for s, r, t, _ in MAP_CASES])
def test_map_row(source, raw_label, text, expected):
    assert _map(source, raw_label, text) == expected


# --- augment: attachments at the documented rates, on the documented labels ------------------------
LINKS = ["https://www.bilibili.com/video/BV1xx411c7mD", "https://zhuanlan.zhihu.com/p/123456"]
CHAT_TEXTS = {
    ON_TOPIC: ["明天去图书馆吗", "这题怎么做", "哈哈笑死", "老师说下周考试", "晚上一起吃饭"],
    SPAM: ["日结兼职加我", "看我头像有福利", "刷单返利一单一结"],
    ADVERTISING: ["出售元宝 1比50", "考研资料低价出", "代练上分 私聊"],
    FLOODING: ["哈哈哈哈哈哈哈哈哈哈", "啊啊啊啊啊啊啊啊啊啊啊"],
}
PER_LABEL = 6000


def _synthetic_rows() -> list[dict]:
    rows = []
    for label, texts in CHAT_TEXTS.items():
        rows += [{"text": f"{texts[i % len(texts)]}{i}", "label": label, "source": "lccc_toy", "rule": "x"}
                 for i in range(PER_LABEL)]
    # not chat (SMS, titles): never augmented
    rows += [{"text": f"本店开业{i}", "label": ADVERTISING, "source": "sms80w", "rule": "x"} for i in range(2000)]
    rows += [{"text": f"新闻标题{i}", "label": ON_TOPIC, "source": "toutiao_titles", "rule": "x"} for i in range(2000)]
    return rows


@pytest.fixture(scope="module")
def augmented() -> tuple[list[dict], list[dict]]:
    rows = _synthetic_rows()
    return rows, aug.augment(rows, LINKS, seed=7)


def test_augment_rates_per_label_are_as_documented(augmented):
    _, extra = augmented
    counts = Counter((r["label"], r["rule"].removeprefix("augment_")) for r in extra)
    for label in CHAT_TEXTS:
        # reactions and mentions: the same rate for every label, so they say nothing about it
        for kind in ("reaction", "mention"):
            assert counts[(label, kind)] / PER_LABEL == pytest.approx(aug.RATES[kind], abs=0.015), (label, kind)
        # links and second lines: what chat adds, on on_topic rows only
        for kind in ("link", "lines"):
            if label == ON_TOPIC:
                assert counts[(label, kind)] / PER_LABEL == pytest.approx(aug.RATES[kind], abs=0.01), kind
            else:
                assert counts[(label, kind)] == 0, (label, kind)


def test_augment_touches_chat_sources_only_and_marks_its_copies(augmented):
    _, extra = augmented
    assert {r["source"] for r in extra} == {"lccc_toy"}
    assert all(r["augmented"] is True and r["rule"].startswith("augment_") for r in extra)


def test_each_copy_carries_its_one_attachment(augmented):
    rows, extra = augmented
    originals = {r["text"] for r in rows}
    on_topic = {r["text"] for r in rows if r["label"] == ON_TOPIC and r["source"] in aug.CHAT_SOURCES}
    for r in extra:
        kind, text = r["rule"].removeprefix("augment_"), r["text"]
        assert text not in originals
        if kind == "mention":
            assert text.startswith("@") and text.split(" ", 1)[1] in originals
        elif kind == "link":
            assert any(url in text for url in LINKS)
        elif kind == "lines":
            first, second = text.split("\n")
            assert first in originals and second in on_topic
        else:
            assert any(p in text for p in aug.PLACEHOLDERS) or any(e in text for e in aug.EMOJI)


def test_augment_is_seeded(augmented):
    rows, extra = augmented
    assert aug.augment(rows, LINKS, seed=7) == extra
    assert aug.augment(rows, LINKS, seed=8) != extra


def test_a_rows_copies_do_not_depend_on_the_other_rows(augmented):
    # each row draws from its own generator: relabelling or dropping other rows (a new flood rule, a
    # cap) must leave this row's copies as they were, or two builds differ in rows nobody changed
    rows, _ = augmented
    kept = rows[::3]
    one_at_a_time = [c for r in kept for c in aug.augment([r], LINKS, seed=7)]
    together = aug.augment(kept, LINKS, seed=7)
    assert len(together) > 100

    def second_line_blanked(copies):  # the second line is drawn from the other rows: which, may differ
        return [{**c, "text": c["text"].split("\n")[0]} for c in copies]
    assert second_line_blanked(together) == second_line_blanked(one_at_a_time)


def test_without_links_no_link_copies(augmented):
    rows, _ = augmented
    assert not any(r["rule"] == "augment_link" for r in aug.augment(rows, [], seed=7))


def test_after_the_builds_filter_an_attachment_never_makes_chat_a_text_flood(monkeypatch):
    # chat on the edge of a flood: two placeholders or two emoji; a third (a reaction) would make it one
    edge = ["[图片][图片]", "[表情][图片]", "😂😂", "[动画表情][表情]"]
    assert not any(text_flood(t) for t in edge)
    rows = [{"text": t, "label": ON_TOPIC, "source": "qq_scu_group_2017", "rule": "x"} for t in edge * 50]
    rows += [{"text": "哈哈哈哈哈哈哈哈哈哈", "label": FLOODING, "source": "lccc_toy", "rule": "x"}] * 50
    monkeypatch.setattr(aug, "RATES", dict.fromkeys(aug.RATES, 1.0))  # every attachment on every row
    extra = aug.augment(rows, LINKS, seed=3)
    assert any(text_flood(r["text"]) for r in extra if r["label"] == ON_TOPIC), "the case the filter is for"
    kept = build.keep_label_shape(extra)
    assert kept and all(not text_flood(r["text"]) for r in kept if r["label"] == ON_TOPIC)
    assert all(text_flood(r["text"]) for r in kept if r["label"] == FLOODING)
    assert {r["label"] for r in kept} == {ON_TOPIC, FLOODING}


# --- hand_labels ---------------------------------------------------------------------------------
def _write_gz(path: Path, rows: list[dict | str]) -> None:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def test_read_label_file_reads_jsonl_gz_and_skips_blank_lines(tmp_path):
    _write_gz(tmp_path / "x.jsonl.gz", [{"text": "明天上课吗", "label": "on_topic"}, "", "  ",
                                        {"text": "日结兼职", "label": "spam"}])
    rows = hand_labels.read_label_file("x.jsonl.gz", tmp_path)
    assert [(r["text"], r["label"]) for r in rows] == [("明天上课吗", "on_topic"), ("日结兼职", "spam")]


def test_a_missing_label_file_is_no_rows(tmp_path):
    assert hand_labels.read_label_file("absent.jsonl.gz", tmp_path) == []


@pytest.mark.parametrize("bad", [{"text": "a", "label": "ham"}, {"text": "a"}, {"text": "a", "label": "Spam"}])
def test_a_bad_label_is_an_error_naming_the_line(tmp_path, bad):
    _write_gz(tmp_path / "x.jsonl.gz", [{"text": "ok", "label": "on_topic"}, bad])
    with pytest.raises(ValueError, match=r"x\.jsonl\.gz:2: label"):
        hand_labels.read_label_file("x.jsonl.gz", tmp_path)


def test_training_overrides_drop_a_conflicting_key(tmp_path):
    first, second = hand_labels.OVERRIDE_FILES[:2]
    _write_gz(tmp_path / first, [
        {"source": "tg_spam_zh", "text": "出售vps", "label": "advertising"},
        {"source": "tg_spam_zh", "text": "看我头像", "label": "spam"},
        {"source": "game_ad_chat", "text": "收一把剑", "label": "on_topic"},
    ])
    _write_gz(tmp_path / second, [
        {"source": "tg_spam_zh", "text": "出售vps", "label": "spam"},  # disagrees: no ground truth
        {"source": "tg_spam_zh", "text": "看我头像", "label": "spam"},  # agrees: kept
        {"source": "game_ad_chat", "text": "出售vps", "label": "advertising"},  # same text, other source
    ])
    _write_gz(tmp_path / hand_labels.QQ_SCU_TRAIN_FILE, [
        {"line": 12, "text": "加我看资料", "label": "spam"},
        {"line": 13, "text": "好", "label": "on_topic"},
        {"line": 13, "text": "好", "label": "spam"},
    ])
    assert hand_labels.training_overrides(tmp_path) == {
        ("tg_spam_zh", "看我头像"): "spam",
        ("game_ad_chat", "收一把剑"): "on_topic",
        ("game_ad_chat", "出售vps"): "advertising",
        (hand_labels.QQ_SCU, "12"): "spam",
    }


def test_a_sources_hand_rows_come_from_reviews_and_noise_checks_not_from_the_doubted_round(tmp_path):
    _write_gz(tmp_path / hand_labels.OVERRIDE_FILES[0], [
        {"source": "tg_spam_zh", "text": "出售vps", "label": "advertising"},
        {"source": "game_ad_chat", "text": "收一把剑", "label": "on_topic"},  # another source
    ])
    _write_gz(tmp_path / hand_labels.NOT_USED_FILES[0], [{"source": "tg_spam_zh", "text": "卖号私聊", "label": "advertising"}])
    _write_gz(tmp_path / hand_labels.NOISE_CHECKS[2], [
        {"source": "tg_spam_zh", "text": "晚安", "label": "on_topic"},
        {"source": "tg_spam_zh", "text": "出售vps", "label": "spam"},  # disagrees with the review: neither kept
    ])
    _write_gz(tmp_path / hand_labels.DISAGREEMENTS_FILE, [{"source": "tg_spam_zh", "text": "日入过千", "label": "spam"}])
    assert sorted(hand_labels.source_rows("tg_spam_zh", tmp_path)) == [("卖号私聊", "advertising"), ("晚安", "on_topic")]


def test_training_overrides_with_no_files_are_empty(tmp_path):
    assert hand_labels.training_overrides(tmp_path) == {}


# --- build helpers -------------------------------------------------------------------------------
@pytest.mark.parametrize("a,b", [
    ("Hello, World 123", "ｈｅｌｌｏ　world ４５６"),  # case, width, punctuation, spacing, digits
    ("好 的!", "好的"),
    ("明天3点开会。", "明天 15 点开会！！"),
])
def test_dedup_key_ignores_what_does_not_make_a_message_differ(a, b):
    assert build.dedup_key(a) == build.dedup_key(b)


@pytest.mark.parametrize("a,b", [
    ("😂", "👍"),  # emoji count: emoji-only messages are not all one duplicate
    ("。。。", "！！"),  # punctuation only keys on itself
    ("好的", "好滴"),
])
def test_dedup_key_keeps_what_does(a, b):
    assert build.dedup_key(a) != build.dedup_key(b)
    assert build.dedup_key(a)


NOTICE = "今天下午三点在图书馆二楼讨论课程设计的分工，大家记得带上电脑和之前整理好的资料"


def test_near_train_drops_a_near_copy_and_keeps_short_generic_texts():
    train = [{"text": NOTICE}, {"text": "好的"}, {"text": "收到"}, {"text": "加我微信 abc12345 明天见面聊"}]
    others = [
        {"text": NOTICE + "哦"},  # a near copy
        {"text": "好的"},  # every group says it: not a copy of a training row
        {"text": "收到！"},
        {"text": "明天的篮球比赛改到体育馆举行，请大家互相转告一下"},  # new
        {"text": "加我微信 xyz99999 明天见面聊"},  # the same message with another handle: masked, a copy
        {"text": NOTICE.replace("，", " ") + "!!"},  # an exact copy but for punctuation
    ]
    assert build.near_train(train, others) == {0, 4, 5}


def test_near_train_of_nothing_is_nothing():
    assert build.near_train([], [{"text": NOTICE}]) == set()
    assert build.near_train([{"text": NOTICE}], []) == set()


@pytest.mark.parametrize("row,held", [
    ({"source": build.OOD_SOURCE, "raw_label": "chat_0"}, True),
    ({"source": "tieba_cyuyan_spam", "raw_label": "ham"}, True),
    ({"source": "campus_qq_ads", "raw_label": "x"}, True),
    *(({"source": "bili_danmaku_random", "raw_label": pool}, True) for pool in sorted(build.HELDOUT_DANMAKU_POOLS)),
    ({"source": "bili_danmaku_random", "raw_label": "pool_123"}, False),  # a pool trained on
    ({"source": build.QQ_SCU, "raw_label": "heldout"}, True),  # the QQ log's later stretch
    ({"source": build.QQ_SCU, "raw_label": "train"}, False),
    ({"source": "lccc_toy", "raw_label": "heldout"}, False),  # "heldout" means something only for the QQ log
    ({"source": "tg_spam_zh", "raw_label": "1"}, False),
])
def test_is_eval_only(row, held):
    assert build.is_eval_only({"text": "x", "label": ON_TOPIC, **row}) is held


def test_the_eval_only_sources_are_the_documented_ones():
    assert set(build.EVAL_ONLY_SOURCES) == {"qq_campus_adfilter", "tieba_cyuyan_spam", "campus_qq_ads"}
    assert len(build.HELDOUT_DANMAKU_POOLS) == 4 and all(p.startswith("pool_") for p in build.HELDOUT_DANMAKU_POOLS)


def test_write_jsonl_gz_is_reproducible(tmp_path):
    rows = [{"text": "明天上课吗", "label": ON_TOPIC}, {"text": "😂", "label": ON_TOPIC}]
    h1 = build.write_jsonl_gz(tmp_path / "a" / "x.jsonl.gz", rows)
    h2 = build.write_jsonl_gz(tmp_path / "b" / "x.jsonl.gz", rows)
    assert h1 == h2 and (tmp_path / "a" / "x.jsonl.gz").read_bytes() == (tmp_path / "b" / "x.jsonl.gz").read_bytes()
    with gzip.open(tmp_path / "a" / "x.jsonl.gz", "rt", encoding="utf-8") as fh:
        assert [json.loads(line) for line in fh] == rows


def test_masked_key_ignores_handles_and_digits():
    assert build.masked_key("加我微信 abc12345 明天见面聊") == build.masked_key("加我微信 zz_998877 明天见面聊")


# --- label_checks: the figures data/README.md gives about our labels ---------------------------
def test_noise_estimate_counts_wrong_rows_per_training_label_and_blind_ones_apart():
    from qunguard.data.label_checks import noise_estimate

    rows = [{"data_label": "spam", "label": "advertising", "blind": True},
            {"data_label": "spam", "label": "spam", "blind": False},
            {"data_label": "on_topic", "label": "on_topic", "blind": True}]
    est = noise_estimate(rows)
    assert est["spam"] == {"all": (1, 2), "blind": (1, 1)}
    assert est["on_topic"] == {"all": (0, 1), "blind": (0, 1)}
    assert est["flooding"] == {"all": (0, 0), "blind": (0, 0)}


def test_mapping_agreement_compares_the_recorded_and_the_current_mapping():
    from qunguard.data.label_checks import mapping_agreement

    rows = [{"source": "lccc_toy", "raw_label": "utterance", "text": "今天天气不错", "label": "on_topic", "mapped": "spam"},
            {"source": "lccc_toy", "raw_label": "utterance", "text": "好的", "label": "on_topic", "mapped": None}]
    agree = mapping_agreement(rows)[("lccc_toy", "utterance", None)]
    assert agree == {"before": (0, 1), "after": (2, 2)}


# --- dodge: a dodged contact on ad and spam rows at the same rate, so a dodge names neither ------------
def _contact_rows() -> list[dict]:
    rows = []
    for label in (SPAM, ADVERTISING):
        rows += [{"text": f"出售元宝{i}个，加微信 shop{i:05d}", "label": label, "source": "game_ad_chat", "rule": "x"}
                 for i in range(3000)]
        rows += [{"text": f"本店新品到货，电话 139{i:08d}", "label": label, "source": "sms80w", "rule": "x"}
                 for i in range(3000)]
    rows += [{"text": f"我的微信 me{i:05d} 加我一起开黑", "label": ON_TOPIC, "source": "lccc_toy", "rule": "x"}
             for i in range(3000)]
    rows += [{"text": f"没有联系方式的广告{i}", "label": ADVERTISING, "source": "sms80w", "rule": "x"} for i in range(3000)]
    return rows


def test_dodged_copies_come_at_one_rate_for_ads_and_spam_and_never_for_chat():
    rows = _contact_rows()
    extra = dodge.dodge_contacts(rows, seed=7)
    counts = Counter(r["label"] for r in extra)
    assert counts[ON_TOPIC] == 0
    for label in (SPAM, ADVERTISING):
        assert counts[label] / 6000 == pytest.approx(dodge.RATE, abs=0.02), label
    assert all(r["augmented"] is True and r["rule"] == "augment_dodge" for r in extra)
    assert not any("没有联系方式" in r["text"] for r in extra)  # nothing to dodge: no copy
    assert dodge.dodge_contacts(rows, seed=7) == extra and dodge.dodge_contacts(rows, seed=8) != extra


def test_a_dodged_copy_hides_its_contact_from_a_plain_search_but_keeps_the_offer():
    rows = _contact_rows()
    originals = {r["text"]: r for r in rows}
    extra = dodge.dodge_contacts(rows, seed=7)
    plain = re.compile(r"shop[0-9]{5}|139[0-9]{8}")
    hidden = sum(plain.search(r["text"]) is None for r in extra)
    assert hidden / len(extra) > 0.95  # spaced out, split, full-width or in Chinese numerals
    for r in extra[:300]:
        offer = "出售元宝" if "元宝" in r["text"] else "本店新品到货"
        assert offer in r["text"] or offer.replace("购买", "沟买") in r["text"]
        assert r["text"] not in originals


def test_a_dodge_keeps_the_kind_of_contact():
    rng = random.Random(3)
    for _ in range(200):
        text = dodge.dodge(rng, "出号，QQ 123456789")
        assert text is not None and "123456789" not in text
        word = text.split("，", 1)[1]
        assert not any(w in word for w in ("薇", "威", "绿泡泡", "☎", "電話"))  # a QQ number stays a QQ
    assert dodge.dodge(rng, "电话PHONEPHONE") is None  # an anonymiser's placeholder is no contact
