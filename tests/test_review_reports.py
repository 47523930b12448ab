"""Reports: what the model let through reaches the queue when a bot (or a moderator) reports it.

Real app, real SQLite file, real HTTP. A reported message is queued with the model's verdict and a
`reported` reason; a moderator's decision on it teaches the group's campaigns and goes out in the export,
as any decision does; a second report of the same message finds the same item; a report is no message."""
import json

import pytest

from tests.conftest import auth

BOT, MOD = auth("bot"), auth("moderator")
# chat to the model, a campaign to the group's moderators (and a near copy of it by another member)
MISSED = "周末有没有人一起去爬山，早上8点学校东门集合出发"
MISSED_COPY = "周末有没有人一起去爬山，早上9点学校东门集合出发！"
AD = "出金 1比20000 需要的老板加v abc1234 滴滴 😀😀"


def classify(client, text, *, user="u1", message_id=None):
    body = {"group_id": "g1", "user_id": user, "text": text} | ({"message_id": message_id} if message_id else {})
    res = client.post("/v1/classify", json=body, headers=BOT)
    assert res.status_code == 200, res.text
    return res.json()


def report(client, text, *, user="u1", headers=BOT, **more):
    body = {"group_id": "g1", "user_id": user, "text": text, "reported_by": "member42"} | more
    return client.post("/v1/review/report", json=body, headers=headers)


def named(obj, name):
    return [r for r in obj["reasons"] if r["name"] == name]


def pending(client) -> list[dict]:
    return client.get("/v1/review", params={"group_id": "g1"}, headers=MOD).json()["data"]


def test_a_message_the_model_let_through_is_queued_when_reported(client):
    assert classify(client, MISSED, user="A")["action"] == "allow"
    assert pending(client) == []  # nothing for a moderator to see
    res = report(client, MISSED, user="A", message_id="m1", ts=1_763_900_000.0, label="advertising", note="每天都发")
    assert res.status_code == 201, res.text
    item = res.json()
    assert (item["status"], item["label"], item["action"], item["user_id"]) == ("pending", "on_topic", "review", "A")
    assert item["message_ts"] == 1_763_900_000.0 and item["message_id"] == "m1"
    [reason] = named(item, "reported")
    assert reason["detail"] == "by member42, as advertising: 每天都发"
    assert named(item, "model")[0]["detail"].startswith("p(on_topic)=")  # the model's reading, as it is
    assert [it["id"] for it in pending(client)] == [item["id"]]


def test_a_decided_report_teaches_the_group_and_is_exported(client):
    item_id = report(client, MISSED, user="A").json()["id"]
    res = client.post(f"/v1/review/{item_id}", json={"decision": "relabel", "label": "advertising", "moderator": "mod1"},
                      headers=MOD)
    assert res.status_code == 200, res.text
    v = classify(client, MISSED_COPY, user="B")  # the campaign's next copy, by another member
    assert v["label"] == "advertising" and v["action"] != "allow"
    assert named(v, "known_campaign")[0]["item_id"] == item_id
    exported = [json.loads(line) for line in client.get("/v1/export", headers=MOD).text.splitlines()]
    assert [(r["text"], r["label"], r["predicted_label"]) for r in exported] == [(MISSED, "advertising", "on_topic")]


def test_a_second_report_of_a_message_finds_its_item(client):
    first = report(client, MISSED, message_id="m7")
    again = report(client, MISSED, message_id="m7", user="u1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and len(pending(client)) == 1
    # without a message id: the same sender and text, while it is pending
    plain = report(client, "晚上谁有空打球", user="u2").json()["id"]
    res = report(client, "晚上谁有空打球", user="u2")
    assert res.status_code == 200 and res.json()["id"] == plain
    assert report(client, "晚上谁有空打球", user="u3").status_code == 201  # another sender's message
    client.post(f"/v1/review/{plain}", json={"decision": "dismiss", "moderator": "mod1"}, headers=MOD)
    assert report(client, "晚上谁有空打球", user="u2").status_code == 201  # decided: a new report asks again
    # with a message id, the item is found decided or not: a moderator may decide it again
    client.post(f"/v1/review/{first.json()['id']}", json={"decision": "dismiss", "moderator": "mod1"}, headers=MOD)
    res = report(client, MISSED, message_id="m7")
    assert res.status_code == 200 and res.json()["status"] == "dismissed"


def test_each_reporter_counts_once_and_is_listed(client):
    first = report(client, MISSED, message_id="m3", label="spam", note="骗子").json()
    assert first["reports"] == 1
    assert report(client, MISSED, message_id="m3", label="spam").json()["reports"] == 1  # the same member again
    again = report(client, MISSED, message_id="m3", reported_by="member7", label="advertising")
    assert again.status_code == 200 and again.json()["reports"] == 2 and again.json()["id"] == first["id"]
    assert [it["reports"] for it in pending(client)] == [2]
    res = client.get(f"/v1/review/{first['id']}/reports", headers=MOD)
    assert res.status_code == 200, res.text
    listed = res.json()
    assert listed["count"] == 2 and listed["item_id"] == first["id"]
    assert [(r["reported_by"], r["label"], r["note"]) for r in listed["data"]] == [
        ("member42", "spam", "骗子"), ("member7", "advertising", None)]
    assert client.get("/v1/review/999/reports", headers=MOD).status_code == 404
    assert client.get(f"/v1/review/{first['id']}/reports", headers=BOT).status_code == 403  # moderators read who reported


def test_reporting_a_flagged_message_finds_the_item_the_engine_queued(client):
    client.put("/v1/groups/g1", json={"thresholds": {"advertising": {"review": 0.01, "delete": 0.02},
                                                     "spam": {"review": 0.01, "delete": 0.02}}}, headers=MOD)
    assert classify(client, AD, message_id="m9")["action"] != "allow"
    [queued] = pending(client)
    assert queued["reports"] == 0
    res = report(client, AD, message_id="m9")
    assert res.status_code == 200 and res.json()["id"] == queued["id"] and not named(res.json(), "reported")
    assert res.json()["reports"] == 1


def test_a_report_is_no_message(client):
    # five reports of one line would be a burst and a repeat if they counted as the sender's messages
    for i in range(5):
        assert report(client, MISSED, user="A", message_id=f"r{i}").status_code == 201
    v = classify(client, MISSED, user="A")
    assert v["action"] == "allow" and not named(v, "burst") and not named(v, "repeat")


def test_moderators_may_report_and_the_count_is_kept(client):
    assert report(client, MISSED, headers=MOD).status_code == 201
    assert report(client, MISSED, headers=MOD).status_code == 200
    metrics = client.get("/metrics").text
    assert 'qunguard_review_reports_total{outcome="queued"} 1.0' in metrics
    assert 'qunguard_review_reports_total{outcome="found_queued"} 1.0' in metrics


def test_a_report_outlives_the_process(make_client):
    item_id = report(make_client(), MISSED).json()["id"]
    again = make_client()  # a new process on the same SQLite file
    assert [it["id"] for it in pending(again)] == [item_id]


@pytest.mark.parametrize(("change", "status", "code", "field"), [
    ({"text": "   "}, 422, "invalid_request", "text"),
    ({"text": "啊" * 10_001}, 422, "text_too_long", "text"),
    ({"reported_by": "mem\ud800"}, 422, "invalid_request", "reported_by"),
    ({"label": "rude"}, 422, "invalid_request", "label"),
    ({"reported_by": None}, 422, "invalid_request", "reported_by"),
    ({"ts": -1}, 422, "invalid_request", "ts"),
    ({"note": "x" * 2001}, 422, "invalid_request", "note"),
])
def test_a_bad_report_is_refused_naming_its_field(client, change, status, code, field):
    body = {"group_id": "g1", "user_id": "u1", "text": MISSED, "reported_by": "member42"} | change
    res = client.post("/v1/review/report", content=json.dumps(body), headers=BOT | {"content-type": "application/json"})
    assert res.status_code == status, res.text
    err = res.json()["error"]
    assert err["code"] == code and err["field"] == field
    assert pending(client) == []


def test_a_report_needs_a_token(client):
    res = client.post("/v1/review/report", json={"group_id": "g1", "user_id": "u1", "text": MISSED, "reported_by": "x"})
    assert res.status_code == 401
