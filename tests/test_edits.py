"""An edited message (`edited: true`, Telegram's edited_message) is judged again, not counted again.

Real HTTP against the app and a real SQLite file. tg-spam counted edits as duplicates (PR #351), so a member
fixing a typo twice was a flood; a captcha bot judged only the first text, so a clean line edited into an ad got
through (assimon/captcha-bot #10)."""
import time

from qunguard.service.flood_redis import RedisFloodTracker
from tests.conftest import auth

BOT, MOD = auth("bot"), auth("moderator")
LINE = "周六下午两点在图书馆三楼讨论课程设计"
AD = "出金 1比20000 需要的老板加v abc1234 滴滴，日结稳定"


def send(client, text, *, message_id="m1", user="u1", ts=1_763_900_000.0, edited=False, group="g1"):
    body = {"group_id": group, "user_id": user, "text": text, "message_id": message_id, "ts": ts, "edited": edited}
    res = client.post("/v1/classify", json=body, headers=BOT)
    assert res.status_code == 200, res.text
    return res.json()


def names(verdict):
    return [r["name"] for r in verdict["reasons"]]


def test_edits_of_one_message_are_no_repeat_flood(client):
    send(client, LINE)
    edits = [send(client, LINE, ts=1_763_900_000.0 + k, edited=True) for k in range(1, 4)]
    assert all("repeat" not in names(v) and "burst" not in names(v) for v in edits)
    assert all("edited" in names(v) for v in edits)
    # the same line sent again and again as new messages is one
    again = [send(client, LINE, message_id=f"n{k}", ts=1_763_900_000.0 + k, group="g2") for k in range(4)]
    assert "repeat" in names(again[-1])


def test_a_chat_line_edited_into_an_ad_is_judged_and_queued(client):
    assert send(client, LINE)["action"] == "allow"
    v = send(client, AD, ts=1_763_900_030.0, edited=True)
    assert v["label"] in ("advertising", "spam") and v["action"] != "allow"
    [item] = client.get("/v1/review", params={"group_id": "g1"}, headers=MOD).json()["data"]
    assert (item["message_id"], item["text"]) == ("m1", AD)
    assert any(r["name"] == "edited" for r in item["reasons"])


def test_the_group_report_counts_an_edited_message_once(client):
    now = time.time()
    send(client, LINE, group="club", ts=now - 60)
    send(client, LINE + "，记得带电脑", group="club", ts=now - 30, edited=True)
    send(client, "好的，我会准时到", message_id="m2", user="u2", group="club", ts=now - 20)
    client.app.state.moderator.topics.activity.flush()
    report = client.get("/v1/groups/club/report?days=1", headers=MOD).json()
    assert sum(report["messages_per_hour"]) == 2


def test_an_edit_needs_no_flood_windows(make_client):
    down = RedisFloodTracker("redis://127.0.0.1:1/0", first_backoff_s=60)  # nothing listens there
    try:
        client = make_client(down)
        assert "context_unavailable" not in names(send(client, LINE, edited=True))  # Redis is never asked
        assert "context_unavailable" in names(send(client, LINE, message_id="m2"))
    finally:
        down.close()


def test_edited_must_be_a_boolean_and_reports_do_not_take_it(client):
    res = client.post("/v1/classify", json={"group_id": "g1", "user_id": "u1", "text": LINE, "edited": "yes"}, headers=BOT)
    assert res.status_code == 422 and res.json()["error"]["field"] == "edited"
    body = {"group_id": "g1", "user_id": "u1", "text": LINE, "reported_by": "m", "edited": True}
    res = client.post("/v1/review/report", json=body, headers=BOT)
    assert res.status_code == 422 and res.json()["error"]["field"] == "edited"
