"""Forwarded messages (service/forwards.py): over real HTTP, and read from a Telegram export."""
import json
from zoneinfo import ZoneInfo

import pytest

from qunguard.service.chat_logs import ChatLog, telegram_json
from qunguard.service.chat_logs import jsonl as jsonl_log
from tests.conftest import auth

AD = "新款羽绒服清仓大甩卖，原价899现价199，全国包邮，数量有限先到先得"  # no contact, no link: the model alone
CHAT = "明天的课改到下午两点了，大家别走错教室"
# a channel's post as the Bot API gives it, every field passed on by the bot
CHANNEL = {"type": "channel", "date": 1763900000, "message_id": 42, "author_signature": "小编",
           "chat": {"id": -1001234567890, "type": "channel", "title": "好物推荐"}}


def post(client, text, **fields):
    body = {"group_id": "g1", "user_id": "u1", "text": text, **fields}
    res = client.post("/v1/classify", json=body, headers=auth("bot"))
    assert res.status_code == 200, res.text
    return res.json()


def names(verdict):
    return [r["name"] for r in verdict["reasons"]]


def test_a_channels_post_forwarded_is_named_and_backs_the_delete_of_an_ad(client):
    alone = post(client, AD)
    assert (alone["label"], alone["action"]) == ("advertising", "review")  # the model alone
    v = post(client, AD, forward_origin=CHANNEL)
    assert v["action"] == "delete"
    assert {"name": "forwarded", "detail": "forwarded from a channel's post"} in v["reasons"]


def test_a_members_forward_is_named_and_backs_nothing(client):
    v = post(client, AD, forward_origin={"type": "user", "sender_user": {"id": 7, "is_bot": False, "first_name": "A"}})
    assert v["action"] == "review" and "forwarded" in names(v)
    chat = post(client, CHAT, forward_origin=CHANNEL)
    assert chat["action"] == "allow" and "forwarded" in names(chat)  # news from a channel is chat


def test_the_groups_own_linked_channel_is_no_forward(client):
    v = post(client, AD, forward_origin=CHANNEL, is_automatic_forward=True)
    assert v["action"] == "review" and "forwarded" not in names(v)


def test_a_group_that_allows_no_forwards(client):
    res = client.put("/v1/groups/g1", json={"forwards": "delete"}, headers=auth("admin"))
    assert res.status_code == 200, res.text
    v = post(client, CHAT, forward_origin={"type": "hidden_user", "sender_user_name": "某人"})
    assert v["action"] == "delete" and "forward_policy" in names(v)
    assert post(client, CHAT)["action"] == "allow"


@pytest.mark.parametrize("origin", [{"type": "bot"}, {"chat": {"id": 1}}, "channel", {"type": 3}],
                         ids=["unknown_type", "no_type", "a_string", "a_number"])
def test_a_bad_forward_origin_gets_a_422_naming_it(client, origin):
    res = client.post("/v1/classify", json={"group_id": "g1", "user_id": "u1", "text": CHAT, "forward_origin": origin},
                      headers=auth("bot"))
    assert res.status_code == 422
    assert "forward_origin" in res.json()["error"]["field"]


def test_a_telegram_export_keeps_where_each_forward_came_from(tmp_path):
    def message(i, **extra):
        return {"id": i, "type": "message", "date_unixtime": str(1_700_000_000 + i), "from": "A", "from_id": "user1",
                "text": "看看这个", **extra}
    export = {"name": "群", "type": "private_supergroup", "id": 9, "messages": [
        message(1), message(2, forwarded_from="好物推荐", forwarded_from_id="channel1234567890"),
        message(3, forwarded_from="小王", forwarded_from_id="user55"), message(4, forwarded_from="隐藏的人"),
        message(5, forwarded_from=None, forwarded_from_id="chat77")]}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    got = [m.forwarded for m in telegram_json.read(path, ZoneInfo("Asia/Shanghai"), ChatLog("telegram", ""))]
    assert got == [None, "channel", "user", "hidden_user", "chat"]


def test_json_lines_take_the_apis_forward_origin(tmp_path):
    path = tmp_path / "log.jsonl"
    lines = [{"user_id": "u1", "text": "hi", "ts": 1}, {"user_id": "u1", "text": "hi", "ts": 2, "forward_origin": {"type": "channel"}},
             {"user_id": "u1", "text": "hi", "ts": 3, "forward_origin": {"type": "bot"}}]
    path.write_text("\n".join(json.dumps(r) for r in lines), encoding="utf-8")
    log = ChatLog("jsonl", "")
    assert [m.forwarded for m in jsonl_log.read(path, ZoneInfo("UTC"), log)] == [None, "channel"]
    assert sum(log.skipped.values()) == 1  # the unknown origin is a bad line, counted
