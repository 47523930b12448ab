"""Every bad input gets a 4xx in one shape, never a 500 or a stack trace."""
import json

import pytest

from qunguard.model import artifact
from tests.conftest import auth

GOOD = {"group_id": "g1", "user_id": "u1", "text": "你好"}


def post(client, path, raw: bytes, headers=None):
    h = {"content-type": "application/json", **auth("bot"), **(headers or {})}
    return client.post(path, content=raw, headers=h)


def j(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


CASES = [
    ("empty-text", "/v1/classify", j({**GOOD, "text": ""}), 422, "text"),
    ("whitespace-text", "/v1/classify", j({**GOOD, "text": " \n\t "}), 422, "text"),
    ("too-long-text", "/v1/classify", j({**GOOD, "text": "字" * 10_001}), 422, "text"),
    ("text-is-number", "/v1/classify", j({**GOOD, "text": 123}), 422, "text"),
    ("group-is-number", "/v1/classify", j({**GOOD, "group_id": 5}), 422, "group_id"),
    ("missing-user", "/v1/classify", j({"group_id": "g1", "text": "hi"}), 422, "user_id"),
    ("unknown-field", "/v1/classify", j({**GOOD, "extra": 1}), 422, "extra"),
    ("negative-ts", "/v1/classify", j({**GOOD, "ts": -5}), 422, "ts"),
    ("body-is-list", "/v1/classify", j([GOOD]), 422, None),
    ("not-json", "/v1/classify", b"{text: hi", 400, None),
    ("invalid-utf8", "/v1/classify", b'{"group_id": "g1", "user_id": "u1", "text": "\xff\xfe"}', 400, None),
    ("empty-body", "/v1/classify", b"", 422, None),
    ("batch-empty", "/v1/classify/batch", j({"messages": []}), 422, "messages"),
    ("batch-over-limit", "/v1/classify/batch", j({"messages": [GOOD] * 1001}), 422, "messages"),
    ("batch-bad-item", "/v1/classify/batch", j({"messages": [GOOD, {**GOOD, "text": ""}]}), 422, "messages.1.text"),
    ("batch-item-too-long", "/v1/classify/batch", j({"messages": [GOOD, {**GOOD, "text": "a" * 10_001}]}), 422, "messages.1.text"),
    ("quote-too-long", "/v1/classify", j({**GOOD, "reply_to": {"text": "字" * 10_001}}), 422, "reply_to.text"),
    ("batch-quote-too-long", "/v1/classify/batch", j({"messages": [GOOD, {**GOOD, "reply_to": {"text": "a" * 10_001}}]}),
     422, "messages.1.reply_to.text"),
    ("quote-without-text", "/v1/classify", j({**GOOD, "reply_to": {"external": True}}), 422, "reply_to.text"),
    ("quote-is-string", "/v1/classify", j({**GOOD, "reply_to": "原消息"}), 422, "reply_to"),
    ("quote-external-is-string", "/v1/classify", j({**GOOD, "reply_to": {"text": "原消息", "external": "yes"}}), 422,
     "reply_to.external"),
    ("quote-unknown-field", "/v1/classify", j({**GOOD, "reply_to": {"text": "原消息", "chat": 5}}), 422, "reply_to.chat"),
    ("quote-lone-surrogate", "/v1/classify", b'{"group_id": "g1", "user_id": "u1", "text": "hi", "reply_to": {"text": "a\\ud800b"}}',
     422, "reply_to.text"),
]


@pytest.mark.parametrize("path, raw, status, field", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(client, path, raw, status, field):
    res = post(client, path, raw)
    assert res.status_code == status, res.text
    body = res.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["message"]
    if field is not None:
        assert body["error"]["field"] == field
    assert "Traceback" not in res.text


def test_body_over_limit_is_413(client):
    res = post(client, "/v1/classify", j({**GOOD, "text": "字" * 400_000}))
    assert res.status_code == 413
    assert res.json()["error"]["code"] == "payload_too_large"


def test_unknown_group_get_is_404(client):
    res = client.get("/v1/groups/nobody", headers=auth("moderator"))
    assert res.status_code == 404
    assert res.json()["error"] == {"code": "unknown_group", "message": res.json()["error"]["message"], "field": "group_id"}


@pytest.mark.parametrize(
    "settings, field",
    [
        ({"thresholds": {"spam": {"review": 0.9, "delete": 0.5}}}, "thresholds.spam"),
        ({"thresholds": {"on_topic": {"review": 0.1, "delete": 0.2}}}, "thresholds"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "23:00", "end": "07:00", "timezone": "Mars/Base"}}, "quiet_hours.timezone"),
        # a name longer than a file path may be (found by schemathesis: zoneinfo raised OSError, a 500)
        ({"quiet_hours": {"start": "23:00", "end": "07:00", "timezone": "0" * 300}}, "quiet_hours.timezone"),
        ({"flood": {"burst_count": 0}}, "flood.burst_count"),
        ({"block_words": [" "]}, "block_words"),
        ({"colour": "red"}, "colour"),
    ],
    ids=["delete-below-review", "unknown-label", "bad-time", "bad-zone", "zone-too-long", "burst-zero", "blank-word", "unknown-field"],
)
def test_bad_group_settings(client, settings, field):
    res = client.put("/v1/groups/g1", json=settings, headers=auth("moderator"))
    assert res.status_code == 422, res.text
    assert res.json()["error"]["field"] == field


def test_unknown_route_and_method(client):
    assert client.get("/v1/nothing").json()["error"]["code"] == "not_found"
    assert client.get("/v1/classify", headers=auth("bot")).status_code == 405


def test_reload_with_corrupt_artifact_keeps_old_model(client, small_model_dir, tmp_path):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(small_model_dir, bad)
    (bad / artifact.MODEL_FILE).write_bytes(b"garbage")
    before = client.post("/v1/classify", json=GOOD, headers=auth("bot")).json()["model_version"]
    res = client.post("/v1/model/reload", json={"path": str(bad)}, headers=auth("admin"))
    assert res.status_code == 422
    assert "previous model keeps serving" in res.json()["error"]["message"]
    after = client.post("/v1/classify", json=GOOD, headers=auth("bot"))
    assert after.status_code == 200 and after.json()["model_version"] == before


def test_store_failure_is_503_and_nothing_is_acknowledged(client):
    from tests.store_lock import write_lock_held_elsewhere

    client.put("/v1/groups/g1", json={"thresholds": {"advertising": {"review": 0.01, "delete": 0.02},
                                                     "spam": {"review": 0.01, "delete": 0.02}}}, headers=auth("moderator"))
    store = client.app.state.moderator.store
    with write_lock_held_elsewhere(store):  # a real SQLite failure, not a stand-in
        res = client.post("/v1/classify", json={"group_id": "g1", "user_id": "u1", "text": "加微信 abc_8899 领优惠"},
                          headers=auth("bot"))
    assert res.status_code == 503 and res.headers["retry-after"] == "1"
    assert res.json()["error"]["code"] == "store_unavailable"
    assert store.count_review_items("pending") == 0
