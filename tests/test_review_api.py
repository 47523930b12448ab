"""The review API over real HTTP on a real SQLite file: listing with filters and cursor pages,
decisions (one, bulk, undo) with versions, and the audit trail of every decision."""
import sqlite3
import time

import pytest

from qunguard.service.store import ReviewItem
from tests.conftest import auth

MOD = auth("moderator")
FLAG_ADS = {"thresholds": {"advertising": {"review": 0.01, "delete": 0.02}, "spam": {"review": 0.01, "delete": 0.02}}}
LABELS = ("spam", "advertising", "flooding")


def review_item(i: int) -> ReviewItem:
    """Item i: group g{i%3}, label by i%3, action by i%2, its label's score 0.50 + i/100, sent at 1000 + i."""
    label = LABELS[i % 3]
    scores = {"on_topic": 0.05, "spam": 0.05, "advertising": 0.05, "flooding": 0.05} | {label: round(0.5 + i / 100, 2)}
    return ReviewItem(f"m{i}", f"g{i % 3}", f"u{i}", f"广告 {i} 加微信 ab{i}", label, ("review", "delete")[i % 2], scores,
                      [{"name": "model", "detail": f"p({label})"}], "v-test", 1000.0 + i)


def seed(client, n: int) -> list[int]:
    return client.app.state.moderator.store.add_review_items([review_item(i) for i in range(n)])


def listing(client, **params) -> dict:
    res = client.get("/v1/review", params=params, headers=MOD)
    assert res.status_code == 200, res.text
    return res.json()


def decide(client, item_id, **body):
    return client.post(f"/v1/review/{item_id}", json={"moderator": "alice", **body}, headers=MOD)


def history(client, item_id) -> list[dict]:
    res = client.get(f"/v1/review/{item_id}/history", headers=MOD)
    assert res.status_code == 200, res.text
    return res.json()["data"]


def revision(client) -> int:
    return client.app.state.moderator.store.revisions()["review"][0]


# --- listing --------------------------------------------------------------------------------
def test_flagged_messages_are_listed_newest_first_with_verdict_and_version(client):
    client.put("/v1/groups/g1", json=FLAG_ADS, headers=MOD)
    for n in range(3):
        res = client.post("/v1/classify", json={"group_id": "g1", "user_id": "u1", "text": f"本店新品上架全场八折，需要的加微信 abc_889{n}",
                                                "message_id": f"ad{n}"}, headers=auth("bot"))
        assert res.json()["action"] != "allow"
    body = listing(client)
    assert [i["message_id"] for i in body["data"]] == ["ad2", "ad1", "ad0"]
    assert body["count"] == 3 and body["next_cursor"] is None
    first = body["data"][0]
    assert first["version"] == 1 and first["note"] is None and first["status"] == "pending"
    assert first["text"] == "本店新品上架全场八折，需要的加微信 abc_8892" and first["user_id"] == "u1"
    assert first["label"] in ("advertising", "spam") and first["reasons"] and set(first["scores"]) == {"on_topic", *LABELS}


@pytest.mark.parametrize("params, keep", [
    ({"group_id": "g1"}, lambda i: i % 3 == 1),
    ({"label": "flooding"}, lambda i: LABELS[i % 3] == "flooding"),
    ({"action": "delete"}, lambda i: i % 2 == 1),
    ({"min_score": 0.6, "max_score": 0.65}, lambda i: 0.6 <= 0.5 + i / 100 <= 0.65),
    ({"since": 1005, "until": 1012}, lambda i: 1005 <= 1000 + i < 1012),
    ({"group_id": "g2", "action": "review", "min_score": 0.55}, lambda i: i % 3 == 2 and i % 2 == 0 and 0.5 + i / 100 >= 0.55),
])
def test_filters_select_exactly_the_matching_items(client, params, keep):
    ids = seed(client, 30)
    expected = [ids[i] for i in reversed(range(30)) if keep(i)]
    assert expected  # the filter keeps some, and not all
    assert len(expected) < 30
    assert [i["id"] for i in listing(client, **params, limit=1000)["data"]] == expected


def test_status_filter_repeats_and_defaults_to_pending(client):
    ids = seed(client, 6)
    decide(client, ids[0], decision="confirm")
    decide(client, ids[1], decision="dismiss")
    decide(client, ids[2], decision="relabel", label="spam")
    assert [i["id"] for i in listing(client)["data"]] == ids[:2:-1]  # pending only
    both = client.get("/v1/review?status=confirmed&status=dismissed", headers=MOD).json()["data"]
    assert [i["id"] for i in both] == [ids[1], ids[0]]
    assert [i["id"] for i in listing(client, status="relabelled")["data"]] == [ids[2]]


def pages(client, **params) -> list[list[int]]:
    """Every page of a listing, following next_cursor; `during(n)` runs after page n if given."""
    during = params.pop("during", lambda n: None)
    out, cursor = [], None
    while True:
        page = listing(client, **params, **({"cursor": cursor} if cursor else {}))
        out.append([i["id"] for i in page["data"]])
        during(len(out))
        cursor = page["next_cursor"]
        if cursor is None:
            return out


@pytest.mark.parametrize("params, keep", [({}, lambda i: True), ({"group_id": "g1"}, lambda i: i % 3 == 1)])
def test_cursor_pages_have_no_duplicates_and_no_gaps(client, params, keep):
    ids = seed(client, 40)
    expected = [ids[i] for i in reversed(range(40)) if keep(i)]
    store = client.app.state.moderator.store

    def new_items_arrive(n):  # newer items: they never shift the pages still to come
        if n == 2:
            store.add_review_items([review_item(1), review_item(2)])

    got = pages(client, limit=6, during=new_items_arrive, **params)
    assert all(len(p) == 6 for p in got[:-1]) and 1 <= len(got[-1]) <= 6
    assert [i for p in got for i in p] == expected  # in order: no duplicate, no gap
    assert len(pages(client, limit=6, **params)[0]) == 6 and pages(client, limit=1000, **params)[0][0] > ids[-1]


def test_last_full_page_says_there_is_no_next(client):
    seed(client, 4)
    page = listing(client, limit=4)
    assert page["count"] == 4 and page["next_cursor"] is None
    page = listing(client, limit=3)
    assert listing(client, limit=3, cursor=page["next_cursor"])["count"] == 1


@pytest.mark.parametrize("query, field", [
    ("cursor=NOT-A-CURSOR", "cursor"), ("status=open", "status.0"), ("label=ham", "label"), ("min_score=1.5", "min_score"),
    ("since=-1", "since"), ("group_id=", "group_id"), ("limit=0", "limit"), ("limit=1001", "limit"), ("until=nan", "until"),
])
def test_bad_query_is_422_naming_it(client, query, field):
    res = client.get(f"/v1/review?{query}", headers=MOD)
    assert res.status_code == 422, res.text
    assert res.json()["error"]["field"] == field


# --- who may call ---------------------------------------------------------------------------
ROUTES = [
    ("get", "/v1/review", None),
    ("get", "/v1/review/1", None),
    ("post", "/v1/review/1", {"decision": "confirm", "moderator": "a"}),
    ("post", "/v1/review/bulk", {"ids": [1], "decision": "confirm", "moderator": "a"}),
    ("post", "/v1/review/1/undo", {"moderator": "a"}),
    ("get", "/v1/review/1/history", None),
    ("get", "/v1/export", None),
    ("get", "/v1/export?format=csv", None),
]


@pytest.mark.parametrize("method, path, body", ROUTES)
def test_a_bot_token_gets_403_and_changes_nothing(client, method, path, body):
    seed(client, 1)
    kwargs = {"json": body} if body else {}
    res = client.request(method, path, headers=auth("bot"), **kwargs)
    assert res.status_code == 403 and res.json()["error"]["code"] == "forbidden"
    assert client.request(method, path, **kwargs).status_code == 401
    assert history(client, 1) == [] and revision(client) == 0


@pytest.mark.parametrize("role", ["moderator", "admin"])
@pytest.mark.parametrize("method, path, body", ROUTES)
def test_moderators_and_admins_may(client, role, method, path, body):
    seed(client, 1)
    if path.endswith("/undo"):
        decide(client, 1, decision="confirm")
    res = client.request(method, path, headers=auth(role), **({"json": body} if body else {}))
    assert res.status_code == 200, res.text


# --- deciding -------------------------------------------------------------------------------
def test_relabel_is_accepted_and_stored(client):
    [item_id] = seed(client, 1)
    before = time.time()
    res = decide(client, item_id, decision="relabel", label="flooding", note="the same text 40 times", version=1)
    assert res.status_code == 200, res.text
    item = res.json()
    assert (item["status"], item["final_label"], item["label"], item["version"]) == ("relabelled", "flooding", "spam", 2)
    assert item["reviewed_by"] == "alice" and before <= item["reviewed_at"] <= time.time()
    assert item["note"] == "the same text 40 times"
    assert client.get(f"/v1/review/{item_id}", headers=MOD).json() == item
    with sqlite3.connect(client.app.state.settings.db_path) as con:  # in the file, through another connection
        row = con.execute("SELECT status, final_label, reviewed_by, version FROM review_items WHERE id = ?", (item_id,)).fetchone()
    assert row == ("relabelled", "flooding", "alice", 2)


def test_confirm_keeps_the_verdicts_label_and_dismiss_means_on_topic(client):
    a, b = seed(client, 2)  # item 0 is spam, item 1 advertising
    assert decide(client, b, decision="confirm").json()["final_label"] == "advertising"
    dismissed = decide(client, a, decision="dismiss").json()
    assert (dismissed["status"], dismissed["final_label"]) == ("dismissed", "on_topic")


@pytest.mark.parametrize("body, field", [
    ({"decision": "relabel"}, "label"),
    ({"decision": "relabel", "label": None}, "label"),
    ({"decision": "relabel", "label": "ham"}, "label"),
    ({"decision": "confirm", "label": "spam"}, "label"),
    ({"decision": "approve"}, "decision"),
    ({"decision": "confirm", "moderator": ""}, "moderator"),
    ({"decision": "confirm", "version": 0}, "version"),
    ({"decision": "confirm", "note": "x" * 2001}, "note"),
    ({"decision": "confirm", "extra": 1}, "extra"),
])
def test_a_bad_decision_is_422_naming_the_field_and_changes_nothing(client, body, field):
    [item_id] = seed(client, 1)
    res = decide(client, item_id, **body)
    assert res.status_code == 422, res.text
    assert res.json()["error"]["field"] == field
    if body.get("decision") == "relabel" and body.get("label") is None:
        assert "relabel needs a label" in res.json()["error"]["message"]
    assert client.get(f"/v1/review/{item_id}", headers=MOD).json()["version"] == 1
    assert history(client, item_id) == [] and revision(client) == 0


def test_a_missing_id_is_404_on_every_route(client):
    seed(client, 1)
    for res in (client.get("/v1/review/99", headers=MOD), decide(client, 99, decision="confirm"),
                client.post("/v1/review/99/undo", json={"moderator": "a"}, headers=MOD),
                client.get("/v1/review/99/history", headers=MOD)):
        assert res.status_code == 404, res.text
        assert res.json()["error"]["code"] == "unknown_review_item" and "99" in res.json()["error"]["message"]
    assert revision(client) == 0


def test_a_stale_version_is_409_with_the_current_state_and_changes_nothing(client):
    [item_id] = seed(client, 1)
    assert decide(client, item_id, decision="confirm", version=1).status_code == 200
    res = client.post(f"/v1/review/{item_id}", json={"decision": "dismiss", "moderator": "bob", "version": 1}, headers=MOD)
    assert res.status_code == 409, res.text
    body = res.json()
    assert body["error"]["code"] == "version_conflict" and body["error"]["field"] == "version"
    assert "version 2" in body["error"]["message"] and "alice" in body["error"]["message"]
    assert (body["current"]["version"], body["current"]["status"], body["current"]["reviewed_by"]) == (2, "confirmed", "alice")
    now = client.get(f"/v1/review/{item_id}", headers=MOD).json()
    assert (now["status"], now["version"]) == ("confirmed", 2)
    assert len(history(client, item_id)) == 1
    # on the current version, bob's decision goes through
    assert decide(client, item_id, decision="dismiss", moderator="bob", version=2).json()["version"] == 3


def test_redeciding_records_a_change_and_keeps_the_earlier_state_in_history(client):
    [item_id] = seed(client, 1)
    decide(client, item_id, decision="confirm", note="obvious ad")
    item = client.post(f"/v1/review/{item_id}", json={"decision": "relabel", "label": "flooding", "moderator": "bob"},
                       headers=MOD).json()
    assert (item["status"], item["final_label"], item["version"], item["reviewed_by"], item["note"]) == (
        "relabelled", "flooding", 3, "bob", None)
    first, second = history(client, item_id)
    assert first["after"]["status"] == "confirmed" and first["after"]["note"] == "obvious ad"
    assert second["before"] == first["after"]
    assert second["after"]["final_label"] == "flooding" and second["moderator"] == "bob"


def test_history_says_who_when_before_after_and_note_oldest_first(client):
    [item_id] = seed(client, 1)
    t0 = time.time()
    decide(client, item_id, decision="relabel", label="flooding", note="same text 40 times")
    decide(client, item_id, decision="dismiss", moderator="bob")
    client.post(f"/v1/review/{item_id}/undo", json={"moderator": "carol"}, headers=MOD)
    entries = history(client, item_id)
    assert [(e["decision"], e["moderator"]) for e in entries] == [("relabel", "alice"), ("dismiss", "bob"), ("undo", "carol")]
    assert all(t0 <= e["at"] <= time.time() for e in entries) and entries[0]["at"] <= entries[1]["at"] <= entries[2]["at"]
    assert entries[0]["before"] == {"status": "pending", "final_label": None, "reviewed_by": None, "reviewed_at": None,
                                    "version": 1, "note": None}
    assert entries[0]["after"] == {"status": "relabelled", "final_label": "flooding", "reviewed_by": "alice",
                                   "reviewed_at": entries[0]["at"], "version": 2, "note": "same text 40 times"}
    assert entries[0]["note"] == "same text 40 times" and entries[1]["note"] is None
    assert all(e["item_id"] == item_id and e["group_id"] == "g0" for e in entries)


def test_every_decision_bumps_the_review_revision_and_tells_the_moderator(client, monkeypatch):
    ids = seed(client, 3)
    moderator = client.app.state.moderator
    told = []
    monkeypatch.setattr(moderator, "review_decided", lambda: told.append(revision(client)))
    decide(client, ids[0], decision="confirm")
    client.post("/v1/review/bulk", json={"ids": ids[1:], "decision": "dismiss", "moderator": "a"}, headers=MOD)
    client.post(f"/v1/review/{ids[0]}/undo", json={"moderator": "a"}, headers=MOD)
    assert told == [1, 2, 3]  # each after its commit: the new revision was already there
    decide(client, ids[0], decision="relabel")  # refused: neither bumped nor told
    assert revision(client) == 3 and len(told) == 3


def test_decisions_are_counted_in_metrics(client):
    ids = seed(client, 3)
    decide(client, ids[0], decision="confirm")
    client.post("/v1/review/bulk", json={"ids": ids[1:], "decision": "dismiss", "moderator": "a"}, headers=MOD)
    text = client.get("/metrics").text
    assert 'qunguard_review_decisions_total{decision="confirm"} 1.0' in text
    assert 'qunguard_review_decisions_total{decision="dismiss"} 2.0' in text


# --- bulk -----------------------------------------------------------------------------------
def test_bulk_decides_every_id_in_one_go(client):
    ids = seed(client, 5)
    res = client.post("/v1/review/bulk", json={"ids": [ids[3], ids[1], ids[3]], "decision": "relabel", "label": "spam",
                                               "moderator": "alice", "note": "one campaign"}, headers=MOD)
    assert res.status_code == 200, res.text
    body = res.json()
    assert [i["id"] for i in body["data"]] == [ids[3], ids[1]] and body["count"] == 2  # a repeated id once
    assert all(i["final_label"] == "spam" and i["version"] == 2 and i["note"] == "one campaign" for i in body["data"])
    assert [i["id"] for i in listing(client)["data"]] == [ids[4], ids[2], ids[0]]
    assert revision(client) == 1  # one transaction


def test_bulk_with_a_missing_id_is_404_naming_it_and_decides_none(client):
    ids = seed(client, 3)
    decide(client, ids[0], decision="confirm")
    rev = revision(client)
    res = client.post("/v1/review/bulk", json={"ids": [ids[1], 777, ids[0]], "decision": "dismiss", "moderator": "a"},
                      headers=MOD)
    assert res.status_code == 404, res.text
    error = res.json()["error"]
    assert error["code"] == "unknown_review_item" and "777" in error["message"] and error["field"] == "ids"
    assert client.get(f"/v1/review/{ids[1]}", headers=MOD).json()["status"] == "pending"
    assert client.get(f"/v1/review/{ids[0]}", headers=MOD).json()["status"] == "confirmed"
    assert history(client, ids[1]) == [] and len(history(client, ids[0])) == 1 and revision(client) == rev


@pytest.mark.parametrize("ids", [[], list(range(1, 1002))])
def test_bulk_size_is_bounded(client, ids):
    res = client.post("/v1/review/bulk", json={"ids": ids, "decision": "confirm", "moderator": "a"}, headers=MOD)
    assert res.status_code == 422 and res.json()["error"]["field"] == "ids"


def test_bulk_relabel_without_label_is_422(client):
    ids = seed(client, 2)
    res = client.post("/v1/review/bulk", json={"ids": ids, "decision": "relabel", "moderator": "a"}, headers=MOD)
    assert res.status_code == 422 and res.json()["error"]["field"] == "label"
    assert listing(client)["count"] == 2


# --- undo -----------------------------------------------------------------------------------
def test_undo_restores_the_state_before_the_latest_decision(client):
    [item_id] = seed(client, 1)
    decide(client, item_id, decision="confirm", note="first")
    decide(client, item_id, decision="relabel", label="flooding", moderator="bob")
    res = client.post(f"/v1/review/{item_id}/undo", json={"moderator": "bob", "version": 3}, headers=MOD)
    assert res.status_code == 200, res.text
    item = res.json()
    assert (item["status"], item["final_label"], item["reviewed_by"], item["note"], item["version"]) == (
        "confirmed", "spam", "alice", "first", 4)
    # again: one more decision back, to pending
    item = client.post(f"/v1/review/{item_id}/undo", json={"moderator": "bob"}, headers=MOD).json()
    assert (item["status"], item["final_label"], item["reviewed_by"], item["reviewed_at"], item["version"]) == (
        "pending", None, None, None, 5)
    res = client.post(f"/v1/review/{item_id}/undo", json={"moderator": "bob"}, headers=MOD)
    assert res.status_code == 409
    assert res.json()["error"]["code"] == "nothing_to_undo" and res.json()["current"]["version"] == 5
    assert [e["decision"] for e in history(client, item_id)] == ["confirm", "relabel", "undo", "undo"]


def test_undo_after_an_undo_and_a_new_decision_undoes_the_new_one(client):
    [item_id] = seed(client, 1)
    decide(client, item_id, decision="confirm")
    client.post(f"/v1/review/{item_id}/undo", json={"moderator": "a"}, headers=MOD)
    decide(client, item_id, decision="dismiss")
    item = client.post(f"/v1/review/{item_id}/undo", json={"moderator": "a"}, headers=MOD).json()
    assert item["status"] == "pending" and item["version"] == 5


def test_undo_of_a_pending_item_or_a_stale_version_is_409(client):
    [item_id] = seed(client, 1)
    res = client.post(f"/v1/review/{item_id}/undo", json={"moderator": "a"}, headers=MOD)
    assert res.status_code == 409 and res.json()["error"]["code"] == "nothing_to_undo"
    decide(client, item_id, decision="confirm")
    res = client.post(f"/v1/review/{item_id}/undo", json={"moderator": "a", "version": 1}, headers=MOD)
    assert res.status_code == 409 and res.json()["error"]["code"] == "version_conflict"
    assert client.get(f"/v1/review/{item_id}", headers=MOD).json()["status"] == "confirmed"


# --- the schema ---------------------------------------------------------------------------------
@pytest.mark.parametrize("method, path, status, model", [
    ("get", "/v1/review", "200", "ReviewListOut"),
    ("get", "/v1/review/{item_id}", "200", "ReviewItemOut"),
    ("post", "/v1/review/{item_id}", "200", "ReviewItemOut"),
    ("post", "/v1/review/{item_id}", "409", "ConflictOut"),
    ("post", "/v1/review/{item_id}/undo", "409", "ConflictOut"),
    ("post", "/v1/review/bulk", "200", "BulkDecisionOut"),
    ("get", "/v1/review/{item_id}/history", "200", "HistoryOut"),
    ("get", "/v1/review/{item_id}/history", "404", "ErrorOut"),
])
def test_routes_declare_their_bodies(client, method, path, status, model):
    operation = client.get("/openapi.json").json()["paths"][path][method]
    assert operation["tags"] == ["review"]
    assert operation["responses"][status]["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}


def test_bodies_are_what_the_schema_declares(client):
    [item_id] = seed(client, 1)
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    item = decide(client, item_id, decision="confirm").json()
    assert set(item) == set(schemas["ReviewItemOut"]["properties"])
    assert set(listing(client, status="confirmed")) == set(schemas["ReviewListOut"]["properties"])
    [entry] = history(client, item_id)
    assert set(entry) == set(schemas["HistoryEntryOut"]["properties"])
    assert set(entry["before"]) == set(schemas["ItemState"]["properties"])
    conflict = decide(client, item_id, decision="confirm", version=1).json()
    assert set(conflict) == set(schemas["ConflictOut"]["properties"])
