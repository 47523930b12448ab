"""Verdicts over real HTTP: shape, group policy, behaviour floods, storage in the SQLite file."""
import sqlite3

import pytest

from tests.conftest import auth

T0 = 1_763_900_000.0  # a fixed Unix time, so windows are under the test's control


def classify(client, text, *, group="g1", user="u1", ts=None, message_id=None):
    body = {"group_id": group, "user_id": user, "text": text}
    if ts is not None:
        body["ts"] = ts
    if message_id is not None:
        body["message_id"] = message_id
    res = client.post("/v1/classify", json=body, headers=auth("bot"))
    assert res.status_code == 200, res.text
    return res.json()


def reasons(verdict, name):
    return [r["detail"] for r in verdict["reasons"] if r["name"] == name]


def stored(client):
    db = client.app.state.settings.db_path
    with sqlite3.connect(db) as con:  # a second, independent connection to the same file
        return con.execute("SELECT message_id, group_id, user_id, text, label, action FROM review_items ORDER BY id").fetchall()


def test_verdict_shape(client):
    v = classify(client, "今天大家都在吗", message_id="m1")
    assert set(v) == {"message_id", "label", "scores", "action", "reasons", "topic_score", "topic_confidence",
                      "mute_s", "model_version"}
    assert v["action"] != "delete" and v["mute_s"] is None  # a mute comes only with a delete
    assert v["message_id"] == "m1"
    assert set(v["scores"]) == {"on_topic", "spam", "advertising", "flooding"}
    assert abs(sum(v["scores"].values()) - 1) < 1e-3
    assert v["action"] in {"allow", "review", "delete"}
    assert v["topic_score"] is None and v["topic_confidence"] is None  # the group has no topic profile


def test_batch_keeps_order(client):
    texts = ["早上好", "加我微信 Was4872 领取优惠券，限时包邮", "哈哈哈哈哈哈哈哈哈哈哈"]
    msgs = [{"group_id": "g1", "user_id": f"u{i}", "text": t, "message_id": str(i)} for i, t in enumerate(texts)]
    res = client.post("/v1/classify/batch", json={"messages": msgs}, headers=auth("bot"))
    assert res.status_code == 200
    body = res.json()
    assert body["count"] == 3 and [v["message_id"] for v in body["verdicts"]] == ["0", "1", "2"]


def test_links_to_ordinary_sites_are_allowed_and_a_shortener_still_weighs(client):
    """A bare link to an ordinary site is what members share: the model leaves it out, so nothing is left to flag."""
    for i, text in enumerate(["https://www.ietf.org/rfc/rfc9110.html", "作业要求在这 https://www.cs.example.edu.cn/hw3.pdf"]):
        v = classify(client, text, message_id=f"link{i}")
        assert v["label"] == "on_topic" and v["action"] == "allow", v
        assert reasons(v, "link") and not reasons(v, "contact_handle")  # listed, but as no contact
    v = classify(client, "点击领取补贴 http://t.cn/A6xYz9 登记银行卡号即可领", message_id="short")
    assert v["label"] == "spam" and v["action"] != "allow", v
    assert any("t.cn" in d for d in reasons(v, "contact_handle"))


def test_contact_handle_is_a_reason(client):
    v = classify(client, "需要的加V Was4872")
    assert any("was4872" in d for d in reasons(v, "contact_handle"))


def test_thresholds_decide_the_action_and_flagged_messages_are_stored(client):
    client.put("/v1/groups/g1", json={"thresholds": {"advertising": {"review": 0.01, "delete": 0.02}, "spam": {"review": 0.01, "delete": 0.02}}}, headers=auth("moderator"))
    v = classify(client, "本店新品上架全场八折，需要的加微信 abc_8899", message_id="ad1")
    assert v["label"] in ("advertising", "spam") and v["action"] == "delete"
    rows = stored(client)
    assert rows and rows[-1][:3] == ("ad1", "g1", "u1") and rows[-1][5] == "delete"


def test_allowed_message_is_not_stored(client):
    classify(client, "好的，谢谢", message_id="ok1")
    assert all(r[0] != "ok1" for r in stored(client))


def test_block_word_matches_obfuscated_forms(client):
    client.put("/v1/groups/g1", json={"block_words": ["加微信"]}, headers=auth("moderator"))
    v = classify(client, "大家好 加 薇信 聊聊")
    assert v["action"] == "delete" and reasons(v, "block_word") == ["加微信"]


def test_allow_word_and_allow_user(client):
    client.put("/v1/groups/g1", json={"allow_words": ["群公告"], "allow_users": ["admin1"],
                                       "thresholds": {"advertising": {"review": 0.01, "delete": 0.02}}}, headers=auth("moderator"))
    assert classify(client, "群公告：本周活动报名加微信 abc_8899")["action"] == "allow"
    assert classify(client, "加微信 abc_8899 领优惠", user="admin1")["action"] == "allow"


def test_quiet_hours_flag_messages(client):
    client.put("/v1/groups/g1", json={"quiet_hours": {"start": "00:00", "end": "23:59", "timezone": "UTC", "action": "review"}}, headers=auth("moderator"))
    v = classify(client, "在吗", ts=T0)
    assert v["action"] == "review" and reasons(v, "quiet_hours")


def test_a_qq_bots_raw_message_is_read_as_the_client_shows_it(client):
    # OneBot's CQ codes: a mention's account number is no QQ contact, a picture's address no link
    v = classify(client, "[CQ:reply,id=-2147483647][CQ:at,qq=2854196310] 明天几点上课？"
                         "[CQ:image,file=5F3E.image,url=https://gchat.qpic.cn/gchatpic_new/1/2-3-5F3E/0?term=2]")
    assert v["action"] == "allow" and not reasons(v, "contact_handle") and not reasons(v, "link")


def test_burst_by_one_user(client):
    verdicts = [classify(client, f"第{i}条消息 内容{i * 7}", user="fast", ts=T0 + i) for i in range(6)]
    assert all(not reasons(v, "burst") for v in verdicts[:4])
    assert reasons(verdicts[4], "burst") and verdicts[4]["label"] == "flooding"


def test_repeat_by_one_user(client):
    verdicts = [classify(client, "今晚八点开会，别忘了", user="rep", ts=T0 + 20 * i) for i in range(3)]
    assert not reasons(verdicts[1], "repeat")
    assert reasons(verdicts[2], "repeat") and verdicts[2]["label"] == "flooding"


def test_a_flood_names_the_earlier_messages_a_bot_removes_with_it(client):
    verdicts = [classify(client, "今晚八点开会，别忘了", user="rep", ts=T0 + 20 * i, message_id=f"m{i}") for i in range(3)]
    [repeat] = [r for r in verdicts[2]["reasons"] if r["name"] == "repeat"]
    assert repeat["message_ids"] == ["m0", "m1"]
    assert all("message_ids" not in r for r in verdicts[1]["reasons"])  # no flood yet, nothing to name


def test_repeated_ad_stays_advertising_and_is_deleted(client):
    text = "本店新品上架全场八折，需要的加微信 abc_8899"
    verdicts = [classify(client, text, user="seller", ts=T0 + 15 * i) for i in range(3)]
    assert reasons(verdicts[2], "repeat")
    assert verdicts[2]["label"] in ("advertising", "spam") and verdicts[2]["action"] == "delete"


def test_raid_by_several_users(client):
    verdicts = [classify(client, "加微信 abc_8899 领取优惠券 限时包邮", user=f"r{i}", ts=T0 + i, message_id=f"m{i}")
                for i in range(5)]
    [tipped] = [r for r in verdicts[3]["reasons"] if r["name"] == "raid"]
    assert tipped["message_ids"] == ["m0", "m1", "m2"]  # the copies allowed before, for the bot to remove too
    assert all("message_ids" not in r for r in verdicts[4]["reasons"])  # flagged itself, as m3 was
    assert verdicts[4]["label"] in ("advertising", "spam")
    assert reasons(verdicts[3], "raid") or reasons(verdicts[4], "raid")
    assert verdicts[4]["action"] == "delete"


def test_members_echoing_one_line_is_chat_not_a_raid(client):
    verdicts = [classify(client, "下周周六或周日 约一波", user=f"e{i}", ts=T0 + i) for i in range(6)]
    assert [v["action"] for v in verdicts] == ["allow"] * 6


@pytest.mark.parametrize("text", ["[图片]", "收到"], ids=["picture", "roll-call"])
def test_placeholders_and_roll_calls_are_not_raids(client, text):
    verdicts = [classify(client, text, user=f"m{i}", ts=T0 + 2 * i) for i in range(8)]
    assert not any(reasons(v, "raid") or reasons(v, "repeat") for v in verdicts)


def test_groups_are_independent(client):
    for i in range(4):
        classify(client, "今晚八点开会，别忘了", group=f"grp{i}", user="same", ts=T0 + i)
    v = classify(client, "今晚八点开会，别忘了", group="grp9", user="same", ts=T0 + 5)
    assert not reasons(v, "repeat") and not reasons(v, "burst")


def test_topic_score_follows_the_group_topic(client):
    client.put("/v1/groups/pets", json={"topic_description": "养猫养狗的交流群，聊宠物喂养、疫苗和看病",
                                         "topic_keywords": ["猫粮", "狗粮", "疫苗", "驱虫"]}, headers=auth("moderator"))
    on = classify(client, "我家猫最近不爱吃猫粮，是不是该驱虫了", group="pets")
    off = classify(client, "今天股市大跌，基金全绿了", group="pets")
    assert on["topic_score"] > off["topic_score"]


def test_group_settings_round_trip_and_survive_restart(make_client):
    c = make_client()
    body = {"name": "宠物群", "topic_keywords": ["猫粮"], "block_words": ["代购"]}
    assert c.put("/v1/groups/pets", json=body, headers=auth("moderator")).status_code == 200
    c2 = make_client()  # a new app on the same SQLite file
    got = c2.get("/v1/groups/pets", headers=auth("bot")).json()
    assert got["settings"]["name"] == "宠物群" and got["settings"]["block_words"] == ["代购"]


def test_reload_good_artifact_and_sighup(client, small_model_dir):
    res = client.post("/v1/model/reload", json={"path": str(small_model_dir)}, headers=auth("admin"))
    assert res.status_code == 200 and res.json()["model_version"] == "test"
    client.app.state.reload_on_sighup()  # what the SIGHUP handler runs
    assert classify(client, "你好")["model_version"] == "test"


def test_healthz_and_metrics(client):
    classify(client, "你好")
    h = client.get("/healthz").json()
    assert h["status"] == "ok" and h["store_writable"] is True
    text = client.get("/metrics").text
    assert 'qunguard_requests_total{endpoint="/v1/classify",method="POST",status="200"}' in text
    assert "qunguard_verdicts_total" in text and 'qunguard_model_info{version="test"} 1.0' in text
