"""Replies that quote a message: the verdict judges the member's own words, not the message they quote.

Parsing of WeChat's quote written into the text, then real HTTP against the app with a real SQLite file: a
reply quoting an ad the group posted is judged without the ad; the same quote typed by someone when the group
never posted it is judged as written; `reply_to` beside the text, external or not; with several workers the
group's texts live in Redis."""
import json

import pytest

from qunguard.service.flood_redis import RedisFloodTracker
from qunguard.service.quotes import split_inline_quote
from tests.conftest import auth, redis_tracker

BOT = auth("bot")
DASHES = "- - - - - - - - - - - - - - -"  # wechaty and chatgpt-on-wechat
AD = "出二手自行车，九成新，价格私聊 加v abc12345，包邮到宿舍楼下"
REPLY = "群里别发广告了 @管理员"


def quoted(name: str, quote: str, reply: str, line: str = DASHES) -> str:
    return f"「{name}：{quote}」\n{line}\n{reply}"


# -- reading the quote WeChat bots write into the text ---------------------------------------------
@pytest.mark.parametrize("line", [DASHES, "- - - - - - - - - - - - - - - -", "———————", "-----", "─ ─ ─ ─ ─"])
def test_a_wechat_quote_in_the_text_is_split_from_the_reply(line):
    q = split_inline_quote(quoted("张三", "明天几点集合？\n在哪个门", "8点，东门", line))
    assert q is not None and (q.name, q.quoted, q.reply) == ("张三", "明天几点集合？\n在哪个门", "8点，东门")


def test_an_ascii_colon_and_a_nameless_quote_are_quotes_too():
    assert split_inline_quote("「李四:[图片]」\n- - - - -\n好看").quoted == "[图片]"
    assert split_inline_quote("「：在吗」\n- - - - -\n在").name == ""


@pytest.mark.parametrize("text", [
    "他说「明天：放假」，真的吗",  # corner brackets in a sentence
    "「张三：明天几点集合」\n8点",  # no dashed line
    "「张三：明天几点集合」\n- -\n8点",  # too short to be the client's line
    "通知\n- - - - - - -\n明天放假",  # a dashed line without a quote
    "前面有字「张三：在吗」\n- - - - - -\n在",  # the quote must open the message
])
def test_text_that_only_looks_like_a_quote_is_no_quote(text):
    assert split_inline_quote(text) is None


# -- verdicts ------------------------------------------------------------------------------------------
def classify(client, text, *, group="g1", user="u1", ts=1_763_900_000.0, **more):
    res = client.post("/v1/classify", json={"group_id": group, "user_id": user, "text": text, "ts": ts} | more,
                      headers=BOT)
    assert res.status_code == 200, res.text
    return res.json()


def named(verdict, name):
    return [r["detail"] for r in verdict["reasons"] if r["name"] == name]


def alone(loaded_model, text):
    """The model's scores for a text judged by itself, rounded as verdicts are."""
    return {k: round(v, 4) for k, v in loaded_model.classifier.classify(text).scores.items()}


def test_a_reply_quoting_what_the_group_posted_is_judged_without_it(client, loaded_model):
    classify(client, AD, user="seller")
    v = classify(client, quoted("卖车的", AD, REPLY), user="member", ts=1_763_900_060.0)
    assert v["scores"] == alone(loaded_model, REPLY)
    assert named(v, "contact_handle") == []  # the seller's WeChat id is in the quote, not in the reply
    [why] = named(v, "quote")
    assert why.startswith("left out: 「出二手自行车") and why.endswith("(another member posted it before, judged then)")


def test_a_quote_the_group_never_posted_is_judged_as_written(client, loaded_model):
    text = quoted("张三", AD, "好的")  # an ad dressed up as a quote: anyone can type one
    v = classify(client, text)
    assert v["scores"] == alone(loaded_model, text)
    assert named(v, "contact_handle") == ["wechat: 加v abc12345"]
    assert named(v, "quote")[0].endswith("(no other member posted it in the last 6 h)")


def test_a_quote_posted_in_another_group_or_too_long_ago_is_judged_as_written(client, loaded_model):
    classify(client, AD, group="other", user="seller")
    text = quoted("卖车的", AD, REPLY)
    assert classify(client, text, user="m1", ts=1_763_900_060.0)["scores"] == alone(loaded_model, text)
    classify(client, AD, user="seller")
    later = classify(client, text, user="m2", ts=1_763_900_000.0 + 7 * 3600)
    assert later["scores"] == alone(loaded_model, text)


def test_a_member_quoting_their_own_pitch_posts_it_again(client, loaded_model):
    classify(client, AD, user="seller")
    text = quoted("卖车的", AD, "补充一下，价格可以再谈")
    assert classify(client, text, user="seller", ts=1_763_900_060.0)["scores"] == alone(loaded_model, text)
    batch = [{"group_id": "g2", "user_id": "seller", "text": t, "ts": 1_763_900_000.0} for t in (AD, text)]
    same_batch = client.post("/v1/classify/batch", json={"messages": batch}, headers=BOT).json()["verdicts"][1]
    assert same_batch["scores"] == alone(loaded_model, text)


def test_a_wechat_quote_card_passed_as_xml_is_read_as_a_quote(client, loaded_model):
    classify(client, AD, user="seller")
    card = (f"<msg><appmsg appid=\"\" sdkver=\"0\"><title>{REPLY}</title><type>57</type><refermsg><type>1</type>"
            f"<displayname>卖车的</displayname><content>{AD}</content></refermsg></appmsg></msg>")
    v = classify(client, card, user="member", ts=1_763_900_060.0)
    assert v["scores"] == alone(loaded_model, REPLY) and named(v, "quote")[0].startswith("left out")
    pitch = "需要的私聊我，加v xyz98765，全网最低价，包邮"
    flagged = classify(client, card.replace(REPLY, pitch), user="member", ts=1_763_900_070.0, message_id="x1")
    assert flagged["action"] != "allow"
    [item] = [it for it in client.get("/v1/review", params={"group_id": "g1"}, headers=auth("moderator")).json()["data"]
              if it["message_id"] == "x1"]
    assert item["text"] == quoted("卖车的", AD, pitch)  # the queue shows the card as WeChat does, not its XML


def test_reply_to_beside_the_text_is_left_out_and_an_external_one_is_judged_with_it(client, loaded_model):
    inside = classify(client, REPLY, reply_to={"text": AD, "message_id": "m9", "user_id": "seller"})
    assert inside["scores"] == alone(loaded_model, REPLY)
    assert named(inside, "quote")[0].endswith("(a message of this group, judged when it was posted)")
    outside = classify(client, "看看这个", reply_to={"text": AD, "external": True})
    assert outside["scores"] == alone(loaded_model, "看看这个\n" + AD)
    assert named(outside, "contact_handle") == ["wechat: 加v abc12345"]
    assert "from outside the group" in named(outside, "quote")[0]


def test_a_flagged_reply_keeps_its_whole_text_in_the_queue(client):
    pitch = "需要的私聊我，加v xyz98765，全网最低价，包邮"
    classify(client, AD, user="seller")
    v = classify(client, quoted("卖车的", AD, pitch), user="member", ts=1_763_900_060.0, message_id="q1")
    assert v["action"] != "allow"
    [item] = [it for it in client.get("/v1/review", params={"group_id": "g1"}, headers=auth("moderator")).json()["data"]
              if it["message_id"] == "q1"]
    assert item["text"] == quoted("卖车的", AD, pitch)  # the moderator sees what the member saw
    assert any(r["name"] == "quote" for r in item["reasons"])
    res = client.post(f"/v1/review/{item['id']}", json={"decision": "dismiss", "moderator": "mod1"}, headers=auth("moderator"))
    assert res.status_code == 200, res.text
    [record] = [json.loads(line) for line in client.get("/v1/export", headers=auth("moderator")).text.splitlines()]
    assert (record["text"], record["label"]) == (pitch, "on_topic")  # a retrain learns the reply, not the quoted ad


def test_a_quote_earlier_in_the_same_batch_or_without_words_is_left_out(client, loaded_model):
    batch = [{"group_id": "g1", "user_id": "seller", "text": AD, "ts": 1_763_900_000.0},
             {"group_id": "g1", "user_id": "member", "text": quoted("卖车的", AD, REPLY), "ts": 1_763_900_001.0},
             {"group_id": "g1", "user_id": "member", "text": quoted("李四", "[表情][表情][表情]", "好看"), "ts": 1_763_900_002.0}]
    res = client.post("/v1/classify/batch", json={"messages": batch}, headers=BOT)
    assert res.status_code == 200, res.text
    _, reply, sticker = res.json()["verdicts"]
    assert reply["scores"] == alone(loaded_model, REPLY)
    assert sticker["scores"] == alone(loaded_model, "好看") and sticker["label"] == "on_topic"  # not a flood of stickers
    assert named(sticker, "quote") == ["left out: 「[表情][表情][表情]」 (no words to judge)"]


def test_with_several_workers_a_quote_of_what_another_worker_saw_is_left_out(make_client, loaded_model):
    with redis_tracker() as first, redis_tracker(first.prefix) as second:
        a, b = make_client(first), make_client(second)
        classify(a, AD, user="seller")
        v = classify(b, quoted("卖车的", AD, REPLY), user="member", ts=1_763_900_060.0)
        assert v["scores"] == alone(loaded_model, REPLY)


def test_without_the_group_state_a_quote_is_judged_as_written(make_client, loaded_model):
    down = RedisFloodTracker("redis://127.0.0.1:1/0", first_backoff_s=60)  # nothing listens there
    try:
        client = make_client(down)
        text = quoted("卖车的", AD, REPLY)
        v = classify(client, text)
        assert v["scores"] == alone(loaded_model, text)
        assert named(v, "context_unavailable")
    finally:
        down.close()
