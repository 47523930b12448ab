"""Decisions teach the group at once (service/campaigns.py): known campaigns and allowed texts.

Real app, real SQLite file, real HTTP: a flagged message is decided through the review API,
and the next near-copy, posted by another member, is judged by that decision."""
import pytest

from qunguard.model.normalize import normalize
from qunguard.service.campaigns import CampaignMemory, probe_text
from qunguard.service.engine import Message, Moderator
from qunguard.service.flood import InMemoryFloodTracker, repeat_key
from qunguard.service.groups import CompiledGroup, GroupSettings
from qunguard.service.policy import decide
from qunguard.service.store import ReviewItem, Store
from tests.conftest import auth

AD = "出金 1比20000 需要的老板加v abc1234 滴滴 😀😀"
# the same pitch by another member: another contact, another rate, other emoji, other spacing
AD_COPY = "出金1比30000，需要的老板加V xyz98765滴滴[表情]"
# a close variant, not the same key: a word more and punctuation
AD_NEAR = "出金 1比20000 需要的老板加v abc1234 滴滴 速来"
NEWS = "今天下午三点在图书馆二楼开组会，大家记得带电脑"


def classify(client, text, *, group="g1", user="u1"):
    res = client.post("/v1/classify", json={"group_id": group, "user_id": user, "text": text}, headers=auth("bot"))
    assert res.status_code == 200, res.text
    return res.json()


def named(verdict, name):
    return [r for r in verdict["reasons"] if r["name"] == name]


def decide_item(client, item_id, decision, label=None):
    body = {"decision": decision, "moderator": "mod1"} | ({"label": label} if label else {})
    res = client.post(f"/v1/review/{item_id}", json=body, headers=auth("moderator"))
    assert res.status_code == 200, res.text
    return res.json()


def flagged_item(client, text, *, group="g1", user="A"):
    """Post `text` as a member and return the id of the review item it made (it must be flagged)."""
    v = classify(client, text, group=group, user=user)
    assert v["action"] != "allow", f"the model must flag {text!r} for this test: {v}"
    items = client.get("/v1/review", params={"group_id": group}, headers=auth("moderator")).json()["data"]
    return next(it["id"] for it in items if it["text"] == text)


def stored_item(client, text, *, group="g1", label="advertising") -> int:
    """A review item the way the engine stores one, for texts no model flags (收到)."""
    store = client.app.state.moderator.store
    return store.add_review_items([ReviewItem(None, group, "A", text, label, "review", {label: 0.6}, [], "test", 0.0)])[0]


# -- the owner's bar -----------------------------------------------------------------------
def test_a_near_copy_of_a_confirmed_ad_by_another_member_is_a_known_campaign(make_client):
    client = make_client()
    item_id = flagged_item(client, AD, user="A")
    assert not named(classify(client, AD_COPY, user="C0"), "known_campaign")  # nothing decided yet
    decide_item(client, item_id, "confirm")
    label = client.get(f"/v1/review/{item_id}", headers=auth("moderator")).json()["final_label"]
    for user, text in (("B", AD_COPY), ("C", AD_NEAR)):
        v = classify(client, text, user=user)
        [reason] = named(v, "known_campaign")
        assert reason["item_id"] == item_id and f"review item {item_id}" in reason["detail"]
        assert v["label"] == label and v["action"] in ("review", "delete")
    assert not named(classify(client, NEWS, user="D"), "known_campaign")


def test_a_relabelled_item_teaches_its_new_label(make_client):
    client = make_client()
    item_id = flagged_item(client, AD)
    decide_item(client, item_id, "relabel", "spam")
    v = classify(client, AD_COPY, user="B")
    assert v["label"] == "spam" and named(v, "known_campaign")[0]["item_id"] == item_id


def test_a_known_campaign_the_model_would_let_through_is_still_caught(make_client):
    client = make_client()
    text = "周末有没有人一起去爬山，早上8点学校东门集合出发"
    assert classify(client, text, user="A")["action"] == "allow"
    item_id = stored_item(client, text, label="advertising")  # a moderator saw it as an ad campaign
    decide_item(client, item_id, "confirm")
    v = classify(client, "周末有没有人一起去爬山，早上9点学校东门集合出发！", user="B")
    assert v["label"] == "advertising" and v["action"] == "review"  # the model disagrees: a moderator looks
    assert named(v, "known_campaign")[0]["item_id"] == item_id


# -- false positives -------------------------------------------------------------------------
def test_a_dismissed_item_keeps_its_near_copies_from_being_flagged_by_the_model_alone(make_client):
    client = make_client()
    item_id = flagged_item(client, AD)
    decide_item(client, item_id, "dismiss")
    v = classify(client, AD_COPY, user="B")
    assert v["action"] == "allow" and v["label"] == "on_topic"
    [reason] = named(v, "allowed_by_moderator")
    assert reason["item_id"] == item_id
    # but never against a block word, nor a flood seen by behaviour
    client.put("/v1/groups/g1", json={"block_words": ["出金"]}, headers=auth("moderator"))
    assert classify(client, AD_COPY, user="C")["action"] == "delete"
    client.put("/v1/groups/g1", json={}, headers=auth("moderator"))
    verdicts = [classify(client, AD_COPY, user="D") for _ in range(3)]
    assert named(verdicts[-1], "repeat") and verdicts[-1]["action"] != "allow"
    assert not named(verdicts[-1], "allowed_by_moderator")


def test_deciding_again_or_undoing_replaces_what_the_item_taught(make_client):
    client = make_client()
    item_id = flagged_item(client, AD)
    decide_item(client, item_id, "confirm")
    assert named(classify(client, AD_COPY, user="B"), "known_campaign")
    decide_item(client, item_id, "relabel", "on_topic")  # a second look: it was fine
    v = classify(client, AD_COPY, user="C")
    assert not named(v, "known_campaign") and named(v, "allowed_by_moderator")
    for _ in range(2):  # back to confirmed, then back to pending
        res = client.post(f"/v1/review/{item_id}/undo", json={"moderator": "mod1"}, headers=auth("moderator"))
        assert res.status_code == 200, res.text
    v = classify(client, AD_COPY, user="E")
    assert not named(v, "known_campaign") and not named(v, "allowed_by_moderator")
    assert len(client.app.state.moderator.campaigns) == 0


def test_near_copies_decided_both_ways_leave_the_model_alone(make_client):
    client = make_client()
    confirmed = flagged_item(client, AD)
    decide_item(client, confirmed, "confirm")
    dismissed = stored_item(client, "出金 1比50000 需要的老板加v qqq111 滴滴")  # the same key
    decide_item(client, dismissed, "dismiss")
    v = classify(client, AD_COPY, user="B")
    assert not named(v, "known_campaign") and not named(v, "allowed_by_moderator")
    res = client.post(f"/v1/review/{dismissed}/undo", json={"moderator": "mod1"}, headers=auth("moderator"))
    assert res.status_code == 200  # the slip undone: the campaign catches again
    assert named(classify(client, AD_COPY, user="C"), "known_campaign")[0]["item_id"] == confirmed


# -- what never becomes a campaign ------------------------------------------------------------
@pytest.mark.parametrize("text", ["收到", "[表情]", "[表情][表情][表情]", "👍👍👍", "哈哈哈哈哈哈哈哈哈哈", "好的谢谢老师", "收到收到收到收到"])
def test_everyday_short_texts_are_never_caught(make_client, text):
    client = make_client()
    item_id = stored_item(client, text)
    decide_item(client, item_id, "confirm")  # a moderator's slip: confirmed as an ad
    v = classify(client, text, user="B")
    assert not named(v, "known_campaign"), v


def test_digits_alone_are_no_content():
    """Digit runs key as one 0: a number, or %10%10%10, must not stand for every other number."""
    from qunguard.service.store.memory import Decided

    memory = CampaignMemory()
    for i, text in enumerate(["729075808", "%10%10%10%10", "1234 5678 9012"], 1):
        memory._apply(Decided(i, i, "g", text, "on_topic", True))
        memory._apply(Decided(10 + i, 10 + i, "g", text, "advertising", True))
    for text in ("353756966", "%77%77%77%77", "99"):
        norm = normalize(text)
        assert memory.match("g", norm, repeat_key(norm)) is None, text


def test_a_short_text_with_a_handle_is_caught_by_its_exact_key_only(make_client):
    client = make_client()
    item_id = stored_item(client, "加v abc1234")
    decide_item(client, item_id, "confirm")
    assert named(classify(client, "加V abc1234！", user="B"), "known_campaign")
    for user, other in (("C", "加v zzz888"), ("D", "加v abc5678")):  # another contact
        assert not named(classify(client, other, user=user), "known_campaign")


# -- groups -----------------------------------------------------------------------------------
def test_another_group_is_not_taught_unless_campaigns_are_shared(make_client):
    client = make_client()
    item_id = flagged_item(client, AD, group="g1")
    decide_item(client, item_id, "confirm")
    assert not named(classify(client, AD_COPY, group="g2", user="B"), "known_campaign")

    shared = make_client(share_campaigns=True)  # the same file, the admin's setting on
    [reason] = named(classify(shared, AD_COPY, group="g2", user="B"), "known_campaign")
    assert reason["item_id"] == item_id and "in group g1" in reason["detail"]


def test_what_a_group_allowed_stays_in_that_group_even_when_sharing(make_client):
    client = make_client(share_campaigns=True)
    item_id = flagged_item(client, AD, group="g1")
    decide_item(client, item_id, "dismiss")
    assert not named(classify(client, AD_COPY, group="g2", user="B"), "allowed_by_moderator")


# -- restarts, workers, the bound ---------------------------------------------------------------
def test_the_memory_survives_a_restart(make_client):
    client = make_client()
    confirmed = flagged_item(client, AD)
    decide_item(client, confirmed, "confirm")
    dismissed = stored_item(client, NEWS, label="spam")
    decide_item(client, dismissed, "dismiss")
    client.__exit__(None, None, None)  # the process ends: the store is closed

    again = make_client()  # a new app and moderator on the same file
    assert named(classify(again, AD_COPY, user="B"), "known_campaign")[0]["item_id"] == confirmed
    v = classify(again, NEWS + "！", user="B")
    assert not named(v, "known_campaign")
    assert again.app.state.moderator.campaigns.group_size("g1") == 2


def test_another_worker_follows_the_decisions(make_client, loaded_model):
    client = make_client()
    other = Moderator(loaded_model, Store(client.app.state.settings.db_path), InMemoryFloodTracker())
    other.share_with_workers()  # a second worker on the same store
    client.app.state.moderator.share_with_workers()
    item_id = flagged_item(client, AD)

    def other_verdict(user):
        return other.classify([Message("g1", user, AD_COPY)])[0]

    assert not named(other_verdict("B"), "known_campaign")
    decide_item(client, item_id, "confirm")  # through the first worker's API
    assert named(other_verdict("C"), "known_campaign")[0]["item_id"] == item_id
    res = client.post(f"/v1/review/{item_id}/undo", json={"moderator": "mod1"}, headers=auth("moderator"))
    assert res.status_code == 200
    assert not named(other_verdict("D"), "known_campaign")


def test_the_memory_is_bounded_per_group_least_recently_decided_first(make_client):
    client = make_client(campaign_memory_per_group=3)
    texts = ["出售考研英语真题全套资料需要的同学私聊", "代写课程论文包过价格便宜欢迎咨询",
             "游戏金币大量出售比例一比两万老板滴滴", "专业刷信誉刷销量淘宝店铺快速升钻",
             "低价出售各类会员账号视频音乐都有"]
    ids = [stored_item(client, t) for t in texts]
    for i in ids:
        decide_item(client, i, "confirm")
    moderator = client.app.state.moderator
    assert moderator.campaigns.group_size("g1") == 3
    caught = [bool(named(classify(client, t + "!!", user=f"u{n}"), "known_campaign")) for n, t in enumerate(texts)]
    assert caught == [False, False, True, True, True]
    # a restart keeps the same three: the latest decided
    again = make_client(campaign_memory_per_group=3)
    assert again.app.state.moderator.campaigns.group_size("g1") == 3
    assert [bool(named(classify(again, t + "？", user=f"v{n}"), "known_campaign")) for n, t in enumerate(texts)] == caught


# -- the parts ----------------------------------------------------------------------------------
def test_near_copy_needs_jaccard_of_at_least_0_8():
    memory = CampaignMemory()
    base = "本群出售各种游戏账号装备金币需要的老板私聊我价格美丽"
    p = probe_text(base)
    assert p is not None and p.grams is not None
    for text, expect in ((base + "快来", True), ("本群出售各种游戏账号", False), ("今天的作业是第三章的练习题大家记得交", False)):
        q = probe_text(text)
        assert q is not None and q.grams is not None
        j = len(p.grams & q.grams) / len(p.grams | q.grams)
        assert (j >= 0.8) == expect, (text, j)
    assert memory.empty


def test_every_near_copy_is_found_as_a_full_scan_finds_it():
    """The prefix filter must miss nothing: compare with the Jaccard of every remembered text."""
    import random

    from qunguard.service.campaigns import _near
    from qunguard.service.store.memory import Decided

    rng = random.Random(7)
    words = list("出金元宝比例需要的老板滴滴长期合作安全第一全区最高代练代充收号出号价格美丽欢迎咨询私聊")
    base = ["".join(rng.choice(words) for _ in range(rng.randint(10, 40))) for _ in range(40)]

    def mutate(text: str) -> str:
        chars = list(text)
        for _ in range(rng.randint(0, 4)):
            op, at = rng.random(), rng.randrange(len(chars))
            if op < 0.4:
                chars[at] = rng.choice(words)
            elif op < 0.7:
                chars.insert(at, rng.choice(words))
            elif len(chars) > 10:
                del chars[at]
        return "".join(chars)

    memory = CampaignMemory(per_group=10_000)
    remembered = [mutate(b) for b in base for _ in range(5)]
    for i, text in enumerate(remembered, 1):
        memory._apply(Decided(i, i, "g", text, "advertising", True))
    probes = {i: probe_text(t) for i, t in enumerate(remembered, 1)}
    found = near = 0
    for text in (mutate(b) for b in base for _ in range(10)):
        q = probe_text(text)
        assert q is not None
        m = memory.match("g", normalize(text), repeat_key(normalize(text)))
        best = max(((_near(q.grams, p.grams), i) for i, p in probes.items() if q.grams and p and p.grams), default=(0, 0))
        same_key = any(p and p.key == q.key for p in probes.values())
        assert (m is not None) == (best[0] > 0 or same_key), text
        found += m is not None
        near += best[0] > 0
    assert found > 100 and near > 100  # the test met many near-copies, not just a few


def test_policy_a_known_campaign_deletes_only_with_a_second_signal():
    from qunguard.service.campaigns import Entry, Match

    g = CompiledGroup(GroupSettings(), known=True)
    p = probe_text(AD)
    assert p is not None
    match = Match(Entry(1, 7, "g1", "advertising", p), 1.0)
    low = {"on_topic": 0.9, "spam": 0.05, "advertising": 0.04, "flooding": 0.01}
    high = {"on_topic": 0.3, "spam": 0.05, "advertising": 0.64, "flooding": 0.01}
    assert decide("on_topic", low, g, "u", "", [], 0.0, (), match).action == "review"
    assert decide("advertising", high, g, "u", "", [], 0.0, (), match).action == "delete"
    loose = CompiledGroup(GroupSettings(delete_needs_two_signals=False), known=True)
    assert decide("on_topic", low, loose, "u", "", [], 0.0, (), match).action == "delete"
    allow = CompiledGroup(GroupSettings(allow_users=["admin"]), known=True)
    assert decide("advertising", high, allow, "admin", "", [], 0.0, (), match).action == "allow"
