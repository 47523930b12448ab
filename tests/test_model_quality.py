"""The shipped model on things a moderator would check first.

Table rows are real-style messages written by the labelling guide's rules,
one obfuscation family each; the gold-set checks use the hand-labelled
held-out messages in data/gold (never trained on).
"""
import re

import numpy as np
import pytest

from qunguard.model.evaluate import evaluate
from tests.conftest import ROOT, read_gold, read_jsonl_rows

CASES = [
    ("加我微信 Was4872 领取优惠券，限时包邮", "advertising", "plain-ad"),
    ("本店新品上架，全场八折，需要的加薇信 abc_8899", "advertising", "wei-variant"),
    ("出售游戏金币 1比20000 需要的老板扣扣 2744 7053", "advertising", "split-qq"),
    ("ｊｉａ　ｖｘ：ｑｑ１２３４５６ 代购日本药妆", "advertising", "full-width"),
    ("澳门娱乐城 首充送彩金 上下分秒到 kw。v2mcfsip。top", "spam", "gambling-dotted-domain"),
    ("帮我砍一刀吧，谢谢大家了", "spam", "kan-yi-dao"),
    ("兼职刷单日结，日入过千，手机就能做，看我头像", "spam", "brushing-scam"),
    ("紧急通知：本群即将解散，所有人务必进新群 Q群 245385369", "spam", "fake-notice"),
    ("哈哈哈哈哈哈哈哈哈哈哈哈", "flooding", "laugh-run"),
    ("6666666666666666", "flooding", "digit-run"),
    ("[表情][表情][表情][表情]", "flooding", "placeholders"),
    ("顶顶顶顶顶顶顶顶", "flooding", "ding-run"),
    ("有人知道这个报错怎么解决吗，我装了三遍还是不行", "on_topic", "question"),
    ("好的，谢谢", "on_topic", "ack"),
    ("哈哈有道理，那周末一起去吧", "on_topic", "laugh-in-reply"),
    ("请问哪里可以买到正版的显卡？", "on_topic", "asking-where-to-buy"),
    ("[图片]", "on_topic", "lone-picture"),
    ("今天运营群里讨论得挺热烈的", "on_topic", "traditional-free"),
]


# Known gaps of the shipped model, kept visible: strict xfail turns red once the model gets them right.
# (砍一刀 begging, absent from the corpora, is caught by the guide rules now: model/guide_rules.py)
KNOWN_GAPS: dict[str, str] = {
    # none in 2026.11.27-s15. The full-width 代购 ad sits on the spam/advertising line (p 0.40 / 0.42; s14: 0.43 / 0.41):
    # it passes, narrowly
}


def _case(text, label, case_id):
    marks = [pytest.mark.xfail(reason=KNOWN_GAPS[case_id], strict=True)] if case_id in KNOWN_GAPS else []
    return pytest.param(text, label, id=case_id, marks=marks)


@pytest.mark.parametrize("text, label", [_case(*c) for c in CASES])
def test_obvious_cases(shipped, text, label):
    clf, _ = shipped
    verdict = clf.classify(text)
    assert verdict.label == label, (verdict.scores, [r.detail for r in verdict.reasons])


def test_reasons_name_the_contact(shipped):
    clf, _ = shipped
    verdict = clf.classify("加V Was4872 领取优惠")
    details = [r.detail for r in verdict.reasons if r.name == "contact_handle"]
    assert details and "wechat" in details[0]


def test_gold_set_floor(shipped):
    """Regression floor on the hand-labelled gold set (the README reports the exact figures)."""
    clf, _ = shipped
    gold = read_gold()
    m = evaluate(clf.predict_proba([g["text"] for g in gold]), [g["label"] for g in gold])
    assert m["macro_f1"] >= 0.75, m
    assert m["per_class"]["advertising"]["f1"] >= 0.65, m["per_class"]


# what leaks a source instead of a label (data/README.md): none may flip a chat verdict
SOURCE_TELLS = {
    "fbs-word-spaces": lambda t: " ".join(t),
    "tg-runic-suffix": lambda t: t + "ᚰ",
    "bom-prefix": lambda t: "\ufeff" + t,
    "sms-digit-mask": lambda t: re.sub(r"\d", "x", t),
}


@pytest.mark.parametrize("tell", SOURCE_TELLS, ids=list(SOURCE_TELLS))
def test_source_style_does_not_decide_the_label(shipped, tell):
    clf, _ = shipped
    gold = [g["text"] for g in read_gold()]
    before = clf.predict_proba(gold).argmax(axis=1)
    after = clf.predict_proba([SOURCE_TELLS[tell](t) for t in gold]).argmax(axis=1)
    assert np.mean(before == after) >= 0.90


def test_chat_on_topic_is_rarely_called_advertising(shipped):
    """The failure the issue warns of: SMS style = advertising, so plain chat gets flagged."""
    clf, _ = shipped
    chat = [g["text"] for g in read_gold() if g["label"] == "on_topic"]
    pred = clf.predict_proba(chat).argmax(axis=1)
    assert np.mean(pred == 2) <= 0.08


# --- what members post every day is no cue for a label (issue: real groups) ---------------
def read_qq_group_stretch() -> list[dict]:
    """Hand labels of the real QQ group's later stretch: never trained on (data/README.md)."""
    return read_jsonl_rows(ROOT / "data" / "eval" / "scu_heldout.jsonl.gz")


EVERYDAY = ["[表情]", "[图片]", "[动画表情]", "[语音]", "👍", "👍👍", "😂", "收到", "好的", "+1", "……", "。。。",
            "https://www.zhihu.com/question/20221130", "@群友0042 好的", "[QQ红包]请使用新版手机QQ查收红包。",
            # numbers that name a meeting, a parcel, a student or a player (normalize step 5d): they were
            # advertising at 0.86, spam at 0.61, 0.48, 0.64 and 0.69 before
            "#腾讯会议：876-543-210", "顺丰单号SF1234567890123 帮我查下到哪了", "学号2017141234567 姓名张三",
            "我的steam好友码 123456789 加我一起玩", "原神uid 123456789 来我世界",
            # an app's words around a shared link (normalize step 2): spam 0.48 and advertising 0.94 before
            "http://xhslink.com/a/AbCd1234 复制本条信息，打开【小红书】App查看精彩内容！",
            "张三 邀请您参加腾讯会议 会议主题：组会 点击链接入会，或添加至会议列表： https://meeting.tencent.com/dm/AbCd12"]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_messages_are_chat(shipped, text):
    clf, _ = shipped
    verdict = clf.classify(text, explain=False)
    assert verdict.label == "on_topic", verdict.scores


# A card a member shares is read as the client shows it: a WeChat contact card's XML as its nickname (its avatar
# addresses were links, its attributes words: spam 0.50-0.73, bench/bench_everyday_forms.py), a QQ card as [名片]. A lure's name on a card still reads.
TEACHER_CARD = ('<?xml version="1.0"?>\n<msg bigheadimgurl="http://wx.qlogo.cn/mmhead/ver_1/abc/0" '
                'smallheadimgurl="http://wx.qlogo.cn/mmhead/ver_1/abc/132" username="wxid_k2j3h4g5f6" nickname="李老师" '
                'fullpy="lilaoshi" alias="lls2024" imagestatus="3" scene="17" sign="" sex="2" certflag="0" />\n')


@pytest.mark.parametrize("card, label", [(TEACHER_CARD, "on_topic"), ("[CQ:contact,type=qq,id=2847561234]", "on_topic"),
                                         ("[CQ:contact,type=group,id=738291045]", "on_topic"),
                                         (TEACHER_CARD.replace("李老师", "兼职日结客服"), "spam")])
def test_a_shared_contact_card_is_judged_by_what_it_shows(shipped, card, label):
    clf, _ = shipped
    verdict = clf.classify(card, explain=True)
    assert verdict.label == label, verdict.scores
    assert not any(r.name in ("contact_handle", "link") for r in verdict.reasons)


# "wx" in a link is its address: folded to 微信 it made an unknown non-ASCII host, and a university notice spam (0.52)
@pytest.mark.parametrize("wx_link, plain_link", [
    ("选课通知 https://wx.scu.edu.cn/notice/2024/123", "选课通知 https://www.scu.edu.cn/notice/2024/123"),
    ("网页版微信 https://wx.qq.com", "网页版微信 https://web.qq.com"),
    ("https://github.com/wx-chat/wx", "https://github.com/foo-chat/foo"),
    # a private address is a member's own machine: it was an "ip" link, spam 0.39-0.47 (model/links.py)
    ("接口在 http://192.168.0.105:8080/login 内网能开", "接口在 https://github.com/a/login 内网能开"),
])
def test_a_link_with_wx_or_a_private_address_reads_like_any_link(shipped, wx_link, plain_link):
    clf, _ = shipped
    wx, plain = clf.classify(wx_link, explain=False), clf.classify(plain_link, explain=False)
    assert wx.label == plain.label == "on_topic"
    assert abs(wx.scores["spam"] - plain.scores["spam"]) < 0.1, (wx.scores, plain.scores)


ATTACHMENTS = {
    "sticker": lambda t: t + "[表情]",
    "picture": lambda t: "[图片]" + t,
    "emoji": lambda t: t + "😂😂",
    "mention": lambda t: "@群友0042 " + t,
    "link": lambda t: t + " https://www.zhihu.com/question/20221130",
    "line-break": lambda t: t + "\n好的",
}


@pytest.mark.parametrize("attach", ATTACHMENTS, ids=list(ATTACHMENTS))
def test_attachments_do_not_turn_chat_into_a_label(shipped, attach):
    """Real group chat never trained on keeps its verdict when a member attaches something."""
    from qunguard.data.mapping import text_flood

    clf, _ = shipped
    # a lone [图片] plus two emoji is three reactions without words: flooding by the guide, rightly
    chat = [t for r in read_qq_group_stretch() if r["label"] == "on_topic"
            and not text_flood(ATTACHMENTS[attach](t := r["text"]))]
    before = clf.predict_proba(chat).argmax(axis=1)
    after = clf.predict_proba([ATTACHMENTS[attach](t) for t in chat]).argmax(axis=1)
    kept_chat = before == 0
    assert np.mean(after[kept_chat] == 0) >= 0.95


@pytest.mark.parametrize("attach", ["sticker", "emoji", "mention"])
def test_attachments_do_not_launder_an_ad(shipped, attach):
    clf, _ = shipped
    ads = [g["text"] for g in read_gold() if g["label"] in ("advertising", "spam")]
    before = clf.predict_proba(ads).argmax(axis=1)
    after = clf.predict_proba([ATTACHMENTS[attach](t) for t in ads]).argmax(axis=1)
    flagged = before != 0
    # the shipped model keeps 88 % (sticker, emoji: 95 %+); the rest sit near p = 0.5 (README "Measured")
    assert np.mean(after[flagged] != 0) >= 0.85


# --- bad input gets a verdict, never an exception (issue: real groups) ----------------------
BAD_INPUT = {
    "empty": "",
    "whitespace": " \t\n　",
    "placeholders-only": "[图片][表情][语音]",
    "ten-thousand-chars": ("我们明天去图书馆复习吧" * 1000)[:10_000],
    "mixed-scripts": "hello 你好 مرحبا שלום привет こんにちは",
    "rtl-marks": "\u202e加我微信 abc12345\u202c \u200f好的\u200f",
    "lone-surrogate": "\ud83d 好的 \udc00",
    "only-invisible": "\u200b\u200d\ufeff",
}


@pytest.mark.parametrize("text", BAD_INPUT.values(), ids=list(BAD_INPUT))
def test_bad_input_gets_a_verdict(shipped, text):
    clf, _ = shipped
    verdict = clf.classify(text)
    assert verdict.label in ("on_topic", "spam", "advertising", "flooding")
    assert abs(sum(verdict.scores.values()) - 1.0) < 1e-3


def test_a_blank_message_is_chat_and_says_why(shipped):
    clf, _ = shipped
    verdicts = clf.classify_batch(["好的", "  ", "加微信 abc12345 领取优惠券"])
    assert verdicts[1].label == "on_topic" and [r.name for r in verdicts[1].reasons] == ["empty"]
    assert verdicts[0].label == "on_topic" and verdicts[2].label in ("advertising", "spam")


def test_wrong_type_and_over_long_text_are_clear_errors(shipped):
    from qunguard.model.errors import InvalidMessageError

    clf, _ = shipped
    with pytest.raises(InvalidMessageError, match="must be a string"):
        clf.classify(42)
    with pytest.raises(InvalidMessageError, match="limit is 10000"):
        clf.classify("啊" * 10_001)
