"""Who may call what: missing token 401, wrong role 403, right role 2xx."""
import pytest

from tests.conftest import TOKENS, auth

MSG = {"group_id": "g1", "user_id": "u1", "text": "你好"}
CALLS = {
    "classify": ("post", "/v1/classify", MSG),
    "batch": ("post", "/v1/classify/batch", {"messages": [MSG]}),
    "put-group": ("put", "/v1/groups/g1", {"name": "test"}),
    "get-group": ("get", "/v1/groups/g1", None),
    "review": ("get", "/v1/review", None),
    "reload": ("post", "/v1/model/reload", None),
}
ALLOWED = {
    "classify": {"bot", "admin"},
    "batch": {"bot", "admin"},
    "put-group": {"moderator", "admin"},
    "get-group": {"bot", "moderator", "admin"},
    "review": {"moderator", "admin"},
    "reload": {"admin"},
}


def call(client, name, headers):
    method, path, body = CALLS[name]
    if name == "get-group":  # make the group exist so a permitted GET is 200, not 404
        client.put("/v1/groups/g1", json={"name": "test"}, headers=auth("admin"))
    return getattr(client, method)(path, json=body, headers=headers) if body is not None else getattr(client, method)(path, headers=headers)


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("role", [*TOKENS, None, "wrong"])
def test_auth_matrix(client, name, role):
    if role is None:
        headers = {}
    elif role == "wrong":
        headers = {"Authorization": "Bearer not-a-real-token"}
    else:
        headers = auth(role)
    res = call(client, name, headers)
    if role in (None, "wrong"):
        assert res.status_code == 401
        assert res.json()["error"]["code"] == "unauthorized"
    elif role in ALLOWED[name]:
        assert res.status_code == 200, res.text
    else:
        assert res.status_code == 403
        assert res.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
def test_ops_endpoints_need_no_token(client, path):
    assert client.get(path).status_code == 200


def test_service_refuses_to_start_without_tokens(tmp_path):
    from pydantic import ValidationError

    from qunguard.service.config import Settings

    with pytest.raises(ValidationError, match="no API tokens configured"):
        Settings(tokens="", auth="on", db_path=tmp_path / "x.db")
    assert Settings(tokens="", auth="off").auth == "off"


@pytest.mark.parametrize("tokens", ["bot", "root:abcdefgh123", "bot:short"], ids=["no-colon", "unknown-role", "short-token"])
def test_malformed_tokens_are_refused(tokens):
    from pydantic import ValidationError

    from qunguard.service.config import Settings

    with pytest.raises((ValidationError, ValueError), match="QUNGUARD_TOKENS"):
        Settings(tokens=tokens)


def test_auth_off_admits_everyone(make_client):
    c = make_client(auth="off")
    assert c.post("/v1/classify", json=MSG).status_code == 200
