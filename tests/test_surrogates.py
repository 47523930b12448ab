"""Lone surrogates (U+D800-U+DFFF alone in a str) are refused where they come in, with the field.

JSON carries one as the escape "\\ud800" (half of an emoji's UTF-16 pair) and the JSON parser
accepts it; nothing after the edge can encode it. Bodies are written by hand below, so the
escape reaches the service exactly as a client sends it.
"""
import asyncio

import httpx
import pytest

from qunguard.service.surrogates import (
    escape_lone_surrogates,
    has_lone_surrogate,
    lone_surrogate_problem,
)
from tests.conftest import auth

LONE = "\\ud800"  # as it arrives on the wire: a JSON escape
GOOD = '"group_id": "g1", "user_id": "u1", "text": "今晚几点开会？"'


def send(client, method: str, path: str, body: str, role: str = "bot") -> httpx.Response:
    return client.request(method, path, content=body.encode("utf-8"),
                          headers={"content-type": "application/json", **auth(role)})


def assert_refused(res: httpx.Response, field: str) -> None:
    assert res.status_code == 422, res.text
    error = res.json()["error"]
    assert error["code"] == "invalid_request" and error["field"] == field
    assert "lone surrogate" in error["message"] and "U+D800" in error["message"]


# --- POST /v1/classify and /v1/classify/batch ------------------------------------------------------
def test_forty_concurrent_requests_with_one_poisoned_get_39_verdicts_and_one_422(client):
    async def run():
        transport = httpx.ASGITransport(app=client.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            def body(i: int) -> str:
                text = f"{LONE} 你好" if i == 17 else f"第{i}条：今晚几点开会？"
                return f'{{"group_id": "g1", "user_id": "u{i}", "message_id": "m{i}", "text": "{text}"}}'

            return await asyncio.gather(*(http.post("/v1/classify", content=body(i).encode("utf-8"),
                                                    headers={"content-type": "application/json", **auth("bot")})
                                          for i in range(40)))

    responses = asyncio.run(run())
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 39 and statuses[17] == 422 and max(statuses) < 500, statuses
    assert [r.json()["message_id"] for i, r in enumerate(responses) if i != 17] == [f"m{i}" for i in range(40) if i != 17]
    assert_refused(responses[17], "text")


@pytest.mark.parametrize("field", ["group_id", "user_id", "text", "message_id"])
def test_every_str_field_of_a_message_refuses_a_lone_surrogate(client, field):
    values = {"group_id": "g1", "user_id": "u1", "text": "你好", "message_id": "m1", field: f"x{LONE}"}
    body = "{" + ", ".join(f'"{k}": "{v}"' for k, v in values.items()) + "}"
    assert_refused(send(client, "POST", "/v1/classify", body), field)


def test_a_batch_with_one_poisoned_item_names_it_and_classifies_none(client):
    items = [f'{{{GOOD}}}'] * 3 + [f'{{"group_id": "g1", "user_id": "u9", "text": "加我 {LONE}"}}'] + [f'{{{GOOD}}}']
    res = send(client, "POST", "/v1/classify/batch", '{"messages": [' + ", ".join(items) + "]}")
    assert_refused(res, "messages.3.text")
    assert client.get("/v1/review", headers=auth("moderator")).json()["count"] == 0


def test_a_surrogate_pair_is_an_emoji_and_is_classified(client):
    # "\ud83d\ude00" is one code point (😀) once parsed: only a half standing alone is refused
    res = send(client, "POST", "/v1/classify", f'{{{GOOD[:-1]} \\ud83d\\ude00"}}')
    assert res.status_code == 200, res.text


# --- PUT /v1/groups/{id} ----------------------------------------------------------------------------
@pytest.mark.parametrize("field", ["block_words", "allow_words", "topic_keywords", "allow_users"])
def test_put_group_refuses_a_lone_surrogate_in_any_list(client, field):
    res = send(client, "PUT", "/v1/groups/g", f'{{"{field}": ["正常", "加{LONE}V"]}}', role="moderator")
    assert_refused(res, f"{field}.1")
    assert client.get("/v1/groups/g", headers=auth("moderator")).status_code == 404  # nothing was stored


@pytest.mark.parametrize("body, field", [
    (f'{{"name": "{LONE}"}}', "name"),
    (f'{{"topic_description": "考研{LONE}"}}', "topic_description"),
    (f'{{"quiet_hours": {{"start": "23:00", "end": "07:00", "timezone": "{LONE}"}}}}', "quiet_hours.timezone"),
    (f'{{"quiet_hours": {{"start": "2{LONE}", "end": "07:00"}}}}', "quiet_hours.start"),
], ids=["name", "topic-description", "quiet-hours-zone", "quiet-hours-start"])
def test_put_group_refuses_a_lone_surrogate_in_any_str(client, body, field):
    assert_refused(send(client, "PUT", "/v1/groups/g", body, role="moderator"), field)


@pytest.mark.parametrize("path, body", [
    ("/v1/classify", f'{{{GOOD}, "{LONE}": 1}}'),  # an unknown field named by one
    ("/v1/groups/g", f'{{"thresholds": {{"{LONE}": {{"review": "high"}}}}}}'),  # in the loc of a nested error
    ("/v1/model/reload", f'{{"path": "/models/{LONE}"}}'),
])
def test_an_error_quoting_a_lone_surrogate_is_still_a_4xx(client, path, body):
    method = "PUT" if path.startswith("/v1/groups") else "POST"
    res = send(client, method, path, body, role="admin")
    assert 400 <= res.status_code < 500, res.text
    assert set(res.json()["error"]) == {"code", "message", "field"}


# --- the helpers ------------------------------------------------------------------------------------
def test_the_problem_names_the_code_point_and_its_place():
    assert lone_surrogate_problem("ab\udfffc").startswith("contains a lone surrogate (U+DFFF at character 3)")
    assert lone_surrogate_problem("加我微信 😀") is None and not has_lone_surrogate("加我微信 😀")
    assert has_lone_surrogate("\ud83d")
    assert escape_lone_surrogates("a\ud800b") == "a\\ud800b"
    escape_lone_surrogates("a\ud800b").encode("utf-8")  # encodable
