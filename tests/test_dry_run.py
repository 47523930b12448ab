"""A group in its dry run (a trial, as tg-spam's --dry): every verdict allows, says what the settings would have done,
and queues the flagged messages with that action; trial deletes are no offence once the trial ends.

Real HTTP against the app and a real SQLite file; deletes come from a block word, whatever the model says."""
from tests.conftest import auth

BOT, MOD = auth("bot"), auth("moderator")
T0 = 1_763_900_000.0
HOUR = 3600.0
BLOCKED = "代刷信誉分"


def settings(client, **kw):
    res = client.put("/v1/groups/g1", json={"block_words": [BLOCKED], **kw}, headers=MOD)
    assert res.status_code == 200, res.text


def send(client, text, ts, user="u1"):
    res = client.post("/v1/classify", json={"group_id": "g1", "user_id": user, "text": text, "ts": ts}, headers=BOT)
    assert res.status_code == 200, res.text
    return res.json()


def dry_run_reasons(verdict):
    return [r["detail"] for r in verdict["reasons"] if r["name"] == "dry_run"]


def test_a_dry_run_allows_says_and_queues(client):
    settings(client, dry_run=True)
    first = send(client, f"{BLOCKED} 找我", T0)
    second = send(client, f"{BLOCKED} 又来", T0 + HOUR)
    assert [(v["action"], v["mute_s"]) for v in (first, second)] == [("allow", None), ("allow", None)]
    assert dry_run_reasons(first) == ["allowed: the group is in its dry run; its settings would have deleted it"]
    # within the trial the ladder climbs as it would have, so the trial shows the mutes too
    assert dry_run_reasons(second) == [("allowed: the group is in its dry run; its settings would have deleted it "
                                        "and muted the sender for 600 s")]
    items = client.get("/v1/review", params={"group_id": "g1"}, headers=MOD).json()["data"]
    assert [i["action"] for i in items] == ["delete", "delete"]  # what it would have done, for moderators to judge
    assert all(any(r["name"] == "dry_run" for r in i["reasons"]) for i in items)
    chat = send(client, "周六下午两点在图书馆三楼讨论课程设计", T0 + 2 * HOUR, user="u2")
    assert chat["action"] == "allow" and not dry_run_reasons(chat)


def test_trial_deletes_are_no_offence_once_the_trial_ends(client):
    settings(client, dry_run=True)
    send(client, f"{BLOCKED} 找我", T0)
    send(client, f"{BLOCKED} 又来", T0 + HOUR)
    settings(client, dry_run=False)
    after = send(client, f"{BLOCKED} 再来", T0 + 2 * HOUR)
    assert (after["action"], after["mute_s"]) == ("delete", 0)  # the member's first real incident
    assert not dry_run_reasons(after)
