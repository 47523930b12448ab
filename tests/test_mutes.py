"""A delete verdict says how long to mute its sender (`mute_s`), from the group's ladder and the member's incidents.

Real HTTP against the app and a real SQLite file: incidents are counted from the review queue, so they survive a
restart and a moderator's dismissal takes one back. Deletes here come from a block word, which deletes whatever
the model says, so the tests do not hang on a model's score."""
import pytest

from qunguard.service.mutes import INCIDENT_GAP_S, incident_starts, mute_for
from tests.conftest import auth

BOT, MOD = auth("bot"), auth("moderator")
T0 = 1_763_900_000.0
HOUR, DAY = 3600.0, 86400.0
BLOCKED = "代刷信誉分"
LINE = "周六下午两点在图书馆三楼讨论课程设计"


def block_word_group(client, group="g1", **settings):
    res = client.put(f"/v1/groups/{group}", json={"block_words": [BLOCKED], **settings}, headers=MOD)
    assert res.status_code == 200, res.text


def send(client, text, ts, user="u1", group="g1", message_id=None):
    body = {"group_id": group, "user_id": user, "text": text, "ts": ts, "message_id": message_id}
    res = client.post("/v1/classify", json=body, headers=BOT)
    assert res.status_code == 200, res.text
    return res.json()


def mute_reason(verdict):
    return [r["detail"] for r in verdict["reasons"] if r["name"] == "mute"]


def test_incidents_are_offences_closer_than_the_gap():
    assert incident_starts([]) == []
    assert incident_starts([0, 10, 50, 200, 200 + INCIDENT_GAP_S + 1]) == [0, 200, 261]
    ladder = [0, 600, 3600]
    assert mute_for([], 0, ladder).seconds == 0  # the first incident: deleted, not muted
    assert mute_for([0], 30, ladder).seconds == 0  # the same burst
    assert (mute_for([0], 3600, ladder).seconds, mute_for([0], 3600, ladder).incident) == (600, 2)
    assert mute_for([0, 3600, 7200, 9000], 20000, ladder).seconds == 3600  # past the last rung: the last rung
    assert mute_for([0], 3600, []).seconds == 0


def test_a_repeat_offender_climbs_the_ladder(client):
    block_word_group(client)
    first = send(client, f"{BLOCKED} 找我", T0)
    same_burst = send(client, f"{BLOCKED} 快来", T0 + 20)
    second = send(client, f"{BLOCKED} 便宜", T0 + HOUR)
    third = send(client, f"{BLOCKED} 最后一次", T0 + 2 * HOUR)
    assert [v["action"] for v in (first, same_burst, second, third)] == ["delete"] * 4
    assert [v["mute_s"] for v in (first, same_burst, second, third)] == [0, 0, 600, 3600]
    assert mute_reason(second) == ["incident 2 of this member in 7 d, rung 2 of 4: mute 10 min"]
    assert mute_reason(first) == ["incident 1 of this member in 7 d, rung 1 of 4: no mute"]
    # another member's first offence is their own first
    assert send(client, f"{BLOCKED} 找我", T0 + 2 * HOUR, user="u2")["mute_s"] == 0
    allowed = send(client, LINE, T0 + 3 * HOUR, user="u3")
    assert allowed["action"] == "allow" and allowed["mute_s"] is None and not mute_reason(allowed)


def test_the_count_survives_a_restart(make_client):
    client = make_client()
    block_word_group(client)
    send(client, f"{BLOCKED} 找我", T0)
    restarted = make_client()  # a new process on the same SQLite file
    assert send(restarted, f"{BLOCKED} 又来了", T0 + HOUR)["mute_s"] == 600


def test_a_dismissed_delete_is_no_offence_and_a_confirmed_review_is_one(client):
    block_word_group(client)
    send(client, f"{BLOCKED} 找我", T0, message_id="m1")
    [item] = client.get("/v1/review", params={"group_id": "g1"}, headers=MOD).json()["data"]
    res = client.post(f"/v1/review/{item['id']}", json={"decision": "dismiss", "moderator": "alice"}, headers=MOD)
    assert res.status_code == 200, res.text
    assert send(client, f"{BLOCKED} 再来", T0 + HOUR)["mute_s"] == 0  # the member's first offence, after all
    # a message that was only reviewed counts once a moderator confirms it
    block_word_group(client, group="g2")
    reported = client.post("/v1/review/report", json={"group_id": "g2", "user_id": "u1", "text": "随便说点什么",
                                                      "ts": T0, "reported_by": "u5"}, headers=BOT).json()
    res = client.post(f"/v1/review/{reported['id']}", json={"decision": "relabel", "label": "spam", "moderator": "alice"},
                      headers=MOD)
    assert res.status_code == 200, res.text
    assert send(client, f"{BLOCKED} 找我", T0 + HOUR, group="g2")["mute_s"] == 600


def test_incidents_past_the_window_are_forgotten(client):
    block_word_group(client, mute={"ladder_s": [0, 600], "window_days": 7})
    send(client, f"{BLOCKED} 找我", T0)
    assert send(client, f"{BLOCKED} 找我", T0 + 8 * DAY)["mute_s"] == 0
    assert send(client, f"{BLOCKED} 找我", T0 + 8 * DAY + HOUR)["mute_s"] == 600


def test_a_batch_counts_its_own_earlier_deletes(client):
    block_word_group(client)
    msgs = [{"group_id": "g1", "user_id": "u1", "text": f"{BLOCKED} {k}", "ts": ts}
            for k, ts in enumerate((T0, T0 + 10, T0 + HOUR, T0 + 2 * HOUR))]
    res = client.post("/v1/classify/batch", json={"messages": msgs}, headers=BOT)
    assert [v["mute_s"] for v in res.json()["verdicts"]] == [0, 0, 600, 3600]


def test_a_group_sets_its_ladder_or_none(client):
    block_word_group(client, mute={"ladder_s": [60, 86400.0]})  # 86400.0 is an integer to JSON Schema
    assert [send(client, f"{BLOCKED} {k}", T0 + k * HOUR)["mute_s"] for k in range(3)] == [60, 86400, 86400]
    block_word_group(client, group="g2", mute={"ladder_s": []})
    never = send(client, f"{BLOCKED} 找我", T0, group="g2")
    assert never["action"] == "delete" and never["mute_s"] is None and not mute_reason(never)


def test_quiet_hours_deletes_are_no_offence(client):
    quiet = {"start": "00:00", "end": "23:59", "timezone": "UTC", "action": "delete"}
    block_word_group(client, quiet_hours=quiet)
    night = send(client, LINE, T0)
    assert night["action"] == "delete" and night["mute_s"] is None
    assert send(client, f"{BLOCKED} 找我", T0 + HOUR)["mute_s"] == 0  # still the member's first offence


@pytest.mark.parametrize(("mute", "field"), [
    ({"ladder_s": [30]}, "mute.ladder_s"),
    ({"ladder_s": [31 * 86400]}, "mute.ladder_s"),
    ({"ladder_s": [0] * 11}, "mute.ladder_s"),
    ({"ladder_s": ["600"]}, "mute.ladder_s.0"),
    ({"ladder_s": [600.5]}, "mute.ladder_s.0"),
    ({"window_days": 0}, "mute.window_days"),
    ({"window_days": 91}, "mute.window_days"),
    ({"after": 3}, "mute.after"),
])
def test_a_bad_ladder_gets_a_422_naming_it(client, mute, field):
    res = client.put("/v1/groups/g1", json={"mute": mute}, headers=MOD)
    assert res.status_code == 422, res.text
    assert res.json()["error"]["field"] == field
