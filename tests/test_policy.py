"""service/policy.decide: the order of the checks, the two-signal rule for deletes, quiet hours."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from qunguard.model.normalize import normalize
from qunguard.service.flood import FloodSignal
from qunguard.service.groups import CompiledGroup, GroupSettings
from qunguard.service.policy import corroboration, decide

SURE_AD = {"on_topic": 0.01, "spam": 0.02, "advertising": 0.97, "flooding": 0.0}
SURE_FLOOD = {"on_topic": 0.01, "spam": 0.0, "advertising": 0.0, "flooding": 0.99}
CALM = {"on_topic": 0.97, "spam": 0.01, "advertising": 0.01, "flooding": 0.01}
NOON = datetime(2026, 11, 27, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()


def group(**settings) -> CompiledGroup:
    return CompiledGroup(GroupSettings(**settings), known=True)


def verdict(text: str, label: str, scores: dict, g: CompiledGroup | None = None, signals=(), ts=NOON, user="u1"):
    norm = normalize(text)
    return decide(label, scores, g or group(), user, norm.text, list(signals), ts, norm.handles)


def test_model_alone_never_deletes_it_reviews():
    d = verdict("全场五折，今天最后一天", "advertising", SURE_AD)
    assert d.action == "review"
    assert [r["name"] for r in d.reasons] == ["model_only"]


def test_a_contact_handle_backs_a_delete():
    assert verdict("全场五折，加微信 abc12345", "advertising", SURE_AD).action == "delete"


@pytest.mark.parametrize("link, deletes", [
    ("https://s.click.taobao.com/t?e=abc", True),   # a shopping click
    ("http://t.cn/A6xyz", True),                    # a shortener hides the destination
    ("https://github.com/org/repo", False),         # an ordinary link is no second signal
])
def test_only_telling_links_back_a_delete(link, deletes):
    assert (verdict(f"全场五折 {link}", "advertising", SURE_AD).action == "delete") is deletes


def test_a_repeat_backs_a_delete():
    d = verdict("全场五折", "advertising", SURE_AD, signals=[FloodSignal("repeat", "3 in 60 s", 3)])
    assert d.action == "delete"


def test_a_text_flood_alone_is_reviewed_and_a_repeat_makes_it_the_groups_flood_action():
    assert verdict("[表情][表情][表情]", "flooding", SURE_FLOOD).action == "review"
    strict = group(flood={"action": "delete"})
    assert verdict("[表情][表情][表情]", "flooding", SURE_FLOOD, strict, signals=[FloodSignal("repeat", "3 in 60 s", 3)]).action == "delete"


def forwarded(text: str, label: str, scores: dict, origin, g: CompiledGroup | None = None):
    norm = normalize(text)
    return decide(label, scores, g or group(), "u1", norm.text, [], NOON, norm.handles, None, origin)


@pytest.mark.parametrize("origin, action", [
    ("channel", "delete"),      # grey-market ads reach Telegram groups as channel posts forwarded by fresh accounts
    ("user", "review"),         # members forward their friends' messages every day
    ("hidden_user", "review"),
    ("chat", "review"),
    (None, "review"),
])
def test_a_channels_post_forwarded_backs_a_delete(origin, action):
    assert forwarded("全场五折，今天最后一天", "advertising", SURE_AD, origin).action == action


def test_a_forward_backs_no_flood_and_makes_no_chat_flagged():
    assert forwarded("[表情][表情][表情]", "flooding", SURE_FLOOD, "channel").action == "review"
    assert forwarded("明天的课改到下午了", "on_topic", CALM, "channel").action == "allow"


def test_a_group_can_review_or_delete_every_forward():
    d = forwarded("明天的课改到下午了", "on_topic", CALM, "user", group(forwards="review"))
    assert (d.action, d.reasons[-1]["name"]) == ("review", "forward_policy")
    d = forwarded("明天的课改到下午了", "on_topic", CALM, "user", group(forwards="delete"))
    assert (d.label, d.action, d.reasons[-1]["name"]) == ("on_topic", "delete", "forward_policy")
    assert forwarded("明天的课改到下午了", "on_topic", CALM, None, group(forwards="delete")).action == "allow"
    # the group's allow words still win, as over a block word
    assert forwarded("团购 明天到", "on_topic", CALM, "channel", group(forwards="delete", allow_words=["团购"])).action == "allow"


def test_a_strict_group_lets_the_model_delete_alone():
    assert verdict("全场五折", "advertising", SURE_AD, group(delete_needs_two_signals=False)).action == "delete"


def test_precedence_allow_user_then_allow_word_then_block_word():
    g = group(allow_users=["admin"], allow_words=["团购"], block_words=["五折"])
    assert verdict("全场五折 加微信 abc12345", "advertising", SURE_AD, g, user="admin").reasons[0]["name"] == "allow_user"
    assert verdict("团购 全场五折", "advertising", SURE_AD, g).reasons[0]["name"] == "allow_word"
    d = verdict("今天五折哦", "on_topic", CALM, g)
    assert (d.action, d.reasons[0]["name"]) == ("delete", "block_word")


def test_uncertain_on_topic_goes_to_review():
    scores = {"on_topic": 0.45, "spam": 0.05, "advertising": 0.42, "flooding": 0.08}
    g = group(thresholds={"advertising": {"review": 0.4, "delete": 0.9}})
    d = verdict("周末有空吗", "on_topic", scores, g)
    assert d.action == "review" and d.reasons[-1]["name"] == "uncertain"


def test_behaviour_flood_on_chat_is_flooding_by_the_groups_action():
    d = verdict("好的", "on_topic", CALM, signals=[FloodSignal("burst", "8 in 10 s", 8)])
    assert (d.label, d.action) == ("flooding", "review")


@pytest.mark.parametrize("hour, quiet", [(23, True), (3, True), (7, False), (12, False)])
def test_overnight_quiet_hours(hour, quiet):
    g = group(quiet_hours={"start": "22:00", "end": "07:00", "timezone": "Asia/Shanghai"})
    ts = datetime(2026, 11, 27, hour, 30, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    d = verdict("大家晚上好", "on_topic", CALM, g, ts=ts)
    assert (d.action == "review") is quiet


def test_corroboration_names_the_signal():
    assert corroboration("spam", normalize("加q 123456789").handles) == "contact_handle qq"
    assert corroboration("spam", normalize("看 https://www.zhihu.com/question/1").handles) is None


def test_a_raid_of_chat_is_an_echo_and_a_raid_of_an_ad_is_deleted():
    raid = [FloodSignal("raid", "6 users in 60 s", 6)]
    assert verdict("下周周六或周日 约一波", "on_topic", CALM, signals=raid).action == "allow"
    assert verdict("全场五折", "advertising", SURE_AD, signals=raid).action == "delete"
