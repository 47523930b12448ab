"""The OpenAPI schema says what the service answers, and the service answers what it says."""
import pytest

from tests.conftest import auth

GOOD = {"group_id": "g1", "user_id": "u1", "text": "你好"}
FLAG_ADS = {"thresholds": {"advertising": {"review": 0.01, "delete": 0.02}, "spam": {"review": 0.01, "delete": 0.02}}}


def response_schema(client, method, path, status="200", media_type="application/json"):
    operation = client.get("/openapi.json").json()["paths"][path][method]
    return operation["responses"][status]["content"][media_type]["schema"]


def component(client, ref):
    return client.get("/openapi.json").json()["components"]["schemas"][ref.rsplit("/", 1)[-1]]


# --- the schema declares the real bodies -----------------------------------------------------
@pytest.mark.parametrize(
    "method, path, model",
    [
        ("post", "/v1/classify", "VerdictOut"),
        ("post", "/v1/classify/batch", "BatchOut"),
        ("get", "/v1/groups/{group_id}", "GroupOut"),
        ("put", "/v1/groups/{group_id}", "GroupOut"),
        ("get", "/v1/review", "ReviewListOut"),
        ("get", "/v1/review/{item_id}", "ReviewItemOut"),
        ("post", "/v1/review/{item_id}", "ReviewItemOut"),
        ("get", "/v1/review/{item_id}/history", "HistoryOut"),
        ("post", "/v1/model/reload", "ModelOut"),
        ("get", "/healthz", "HealthOut"),
    ],
)
def test_200_declares_its_model(client, method, path, model):
    assert response_schema(client, method, path) == {"$ref": f"#/components/schemas/{model}"}


def test_metrics_is_declared_as_prometheus_text(client):
    content = client.get("/openapi.json").json()["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["text/plain; version=0.0.4"]
    assert client.get("/metrics").headers["content-type"].startswith("text/plain; version=0.0.4")


def test_content_type_refusal_is_declared(client):
    assert response_schema(client, "post", "/v1/classify", "415") == {"$ref": "#/components/schemas/ErrorOut"}


def declared_keys(client, ref) -> set[str]:
    return set(component(client, ref)["properties"])


def test_verdict_and_batch_bodies_are_what_the_schema_declares(client):
    verdict = client.post("/v1/classify", json=GOOD, headers=auth("bot")).json()
    assert set(verdict) == declared_keys(client, "VerdictOut")
    batch = client.post("/v1/classify/batch", json={"messages": [GOOD]}, headers=auth("bot")).json()
    assert set(batch) == declared_keys(client, "BatchOut")


def test_review_items_are_what_the_schema_declares(client):
    client.put("/v1/groups/g1", json=FLAG_ADS, headers=auth("moderator"))
    client.post("/v1/classify", json={**GOOD, "text": "加微信 abc_8899 领优惠"}, headers=auth("bot"))
    body = client.get("/v1/review", headers=auth("moderator")).json()
    assert body["count"] >= 1
    assert set(body["data"][0]) == declared_keys(client, "ReviewItemOut")


def test_verdicts_skip_the_pydantic_response_pass(client, monkeypatch):
    import fastapi.routing

    def no_serialization(*args, **kwargs):
        raise AssertionError("a verdict went through FastAPI's response-model serialisation")

    monkeypatch.setattr(fastapi.routing, "serialize_response", no_serialization)
    assert client.post("/v1/classify", json=GOOD, headers=auth("bot")).status_code == 200
    assert client.post("/v1/classify/batch", json={"messages": [GOOD]}, headers=auth("bot")).status_code == 200


# --- errors are the documented ones -------------------------------------------------------------
def post_raw(client, raw, headers=None):
    return client.post("/v1/classify", content=raw, headers={"content-type": "application/json", **auth("bot"), **(headers or {})})


@pytest.mark.parametrize(
    "raw",
    [b'{"group_id": "g1", "user_id": "u1", "text": "\xff\xfe"}', b"[" * 100_000 + b"]" * 100_000],
    ids=["invalid-utf8", "deep-nesting"],
)
def test_unparsable_body_is_invalid_json(client, raw):
    res = post_raw(client, raw)
    assert res.status_code == 400
    assert res.json()["error"]["code"] == "invalid_json"
    assert "JSON" in res.json()["error"]["message"]


def test_chunked_body_over_limit_is_413(client):
    limit = client.app.state.settings.max_body_bytes

    def chunks():  # an iterator: sent chunked, with no content-length
        yield b'{"group_id": "g1", "user_id": "u1", "text": "'
        for _ in range(limit // 1000 + 2):
            yield b"a" * 1000
        yield b'"}'

    res = post_raw(client, chunks())
    assert "content-length" not in {k.lower() for k in res.request.headers}
    assert res.status_code == 413
    assert res.json()["error"]["code"] == "payload_too_large"


def test_chunked_body_under_limit_is_read(client):
    res = post_raw(client, iter([b'{"group_id": "g1", ', b'"user_id": "u1", "text": "hi"}']))
    assert res.status_code == 200, res.text


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_body_not_sent_as_json_is_415_naming_the_header(client, content_type):
    import json

    headers = auth("bot") | ({"content-type": content_type} if content_type else {})
    res = client.post("/v1/classify", content=json.dumps(GOOD).encode(), headers=headers)
    assert res.status_code == 415, res.text
    error = res.json()["error"]
    assert error["code"] == "unsupported_media_type" and error["field"] == "content-type"
    assert "content-type: application/json" in error["message"]


def test_query_errors_keep_their_422_whatever_the_content_type(client):
    res = client.get("/v1/review?limit=0", headers=auth("moderator") | {"content-type": "text/plain"})
    assert res.status_code == 422 and res.json()["error"]["field"] == "limit"


@pytest.mark.parametrize("ts", [b"Infinity", b"-Infinity", b"NaN", b"1e308", b"32503680000"])
def test_absurd_ts_is_refused(client, ts):
    res = post_raw(client, b'{"group_id": "g1", "user_id": "u1", "text": "hi", "ts": ' + ts + b"}")
    assert res.status_code == 422, res.text
    assert res.json()["error"]["field"] == "ts"


def test_ts_before_the_year_3000_is_accepted(client):
    assert post_raw(client, b'{"group_id": "g1", "user_id": "u1", "text": "hi", "ts": 32503679999}').status_code == 200


@pytest.mark.parametrize("ts", [b"false", b'"1763900000"'], ids=["bool", "string"])
def test_ts_of_another_type_is_refused(client, ts):
    res = post_raw(client, b'{"group_id": "g1", "user_id": "u1", "text": "hi", "ts": ' + ts + b"}")
    assert res.status_code == 422, res.text
    assert res.json()["error"]["field"] == "ts"


def test_schema_says_text_must_not_be_blank(client):
    # the published pattern (JSON Schema's, ECMAScript's \s) accepts exactly the texts the server accepts (Python's
    # strip()): schemathesis found "\x1c" valid by r"\S" and refused by the server
    pattern = component(client, "#/components/schemas/MessageIn")["properties"]["text"]["pattern"]
    assert pattern == r"[^\s\x1c-\x1f\x85]|\ufeff"
    for text, accepted in [("\x1c", False), ("\x85 \u3000", False), ("\ufeff", True), (" 好 ", True)]:
        res = client.post("/v1/classify", json={"group_id": "g1", "user_id": "u1", "text": text}, headers=auth("bot"))
        assert (res.status_code == 200) is accepted, (text, res.text)


def test_405_allows_every_method_of_the_path(client):
    res = client.request("OPTIONS", "/v1/groups/g1", headers=auth("admin"))
    assert res.status_code == 405
    assert res.headers["allow"] == "GET, PUT"
    assert res.json()["error"]["code"] == "method_not_allowed"
