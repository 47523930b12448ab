"""Links a platform hides behind words or buttons (`links`: Telegram's text_link entities and URL buttons) are judged
after the words, as if written there, and a moderator sees them.

Real HTTP against the app and a real SQLite file; the unit tests cover which links count as hidden."""
import pytest

from qunguard.model.normalize.platform_codes import read_wechat_xml
from qunguard.service.hidden_links import MAX_LINKS, hidden, with_links
from tests.conftest import auth

BOT, MOD = auth("bot"), auth("moderator")
INVITE = "https://t.me/+AbCdEf12345"


def classify(client, text, links=None, user="u1", group="g1"):
    body = {"group_id": group, "user_id": user, "text": text}
    if links is not None:
        body["links"] = links
    res = client.post("/v1/classify", json=body, headers=BOT)
    assert res.status_code == 200, res.text
    return res.json()


def test_hidden_links_are_those_the_words_do_not_show():
    assert hidden("点这里", [INVITE]) == [INVITE]
    assert hidden(f"进群看 {INVITE.lower()}", [INVITE]) == []  # the text shows it already (the normaliser lowercases)
    assert hidden("点这里", [INVITE, f" {INVITE} ", "https://a.cn/x"]) == [INVITE, "https://a.cn/x"]  # each once
    assert hidden("@小王 看这个", ["tg://user?id=12345", "   "]) == []  # a member mentioned, not a link; nothing
    assert with_links("点这里", [INVITE]) == f"点这里 {INVITE}"  # a space: a line break is a token the model weighs
    assert with_links("点这里", []) == "点这里"


def test_a_wechat_card_keeps_the_links_judged_after_it():
    card = "<msg><appmsg><title>拼多多</title><des>帮我砍一刀</des><url>https://a.cn/c</url><type>33</type></appmsg></msg>"
    assert read_wechat_xml(card) == "[小程序] 拼多多 帮我砍一刀 https://a.cn/c"
    assert read_wechat_xml(with_links(card, [INVITE])) == f"[小程序] 拼多多 帮我砍一刀 https://a.cn/c {INVITE}"


def test_a_hidden_link_is_judged_as_if_written_and_named(client):
    hiding = classify(client, "想赚钱的点这里", [INVITE], user="a")
    written = classify(client, f"想赚钱的点这里 {INVITE}", user="b", group="g2")
    assert hiding["scores"] == written["scores"] and hiding["label"] == written["label"]
    names = [(r["name"], r["detail"]) for r in hiding["reasons"]]
    assert ("contact_handle", "telegram: https://t.me/+abcdef12345") in names  # the invitation is evidence
    assert any(n == "hidden_link" and d.startswith(INVITE) for n, d in names)
    plain = classify(client, "想赚钱的点这里", user="c", group="g3")
    assert not any(r["name"] in ("contact_handle", "hidden_link") for r in plain["reasons"])


def test_a_link_the_text_shows_or_a_mention_is_no_hidden_link(client):
    v = classify(client, f"进群看 {INVITE}", [INVITE, "tg://user?id=12345"])
    assert not any(r["name"] == "hidden_link" for r in v["reasons"])
    assert v["scores"] == classify(client, f"进群看 {INVITE}", user="u2", group="g2")["scores"]


def test_the_queue_shows_a_reported_message_with_its_hidden_links(client):
    body = {"group_id": "g1", "user_id": "u9", "text": "福利群，点这里", "links": [INVITE], "message_id": "m1",
            "reported_by": "u3"}
    res = client.post("/v1/review/report", json=body, headers=BOT)
    assert res.status_code == 201, res.text
    [item] = client.get("/v1/review", params={"group_id": "g1"}, headers=MOD).json()["data"]
    assert item["text"] == f"福利群，点这里 {INVITE}"  # what the verdict judged, and where the words lead
    assert any(r["name"] == "hidden_link" for r in item["reasons"])


@pytest.mark.parametrize(("links", "field", "says"), [
    (["https://a.cn"] * (MAX_LINKS + 1), "links", "at most 20 items"),
    ([5], "links.0", "valid string"),
    ("https://a.cn", "links", "valid list"),
    ([""], "links.0", "at least 1 character"),
    (["https://a.cn/" + "x" * 2048], "links.0", "at most 2048 characters"),
])
def test_bad_links_get_a_422_naming_the_field(client, links, field, says):
    res = client.post("/v1/classify", json={"group_id": "g1", "user_id": "u1", "text": "点这里", "links": links},
                      headers=BOT)
    assert res.status_code == 422
    err = res.json()["error"]
    assert (err["code"], err["field"]) == ("invalid_request", field) and says in err["message"]


def test_a_lone_surrogate_in_a_link_gets_a_422_naming_it(client):
    raw = '{"group_id": "g1", "user_id": "u1", "text": "点这里", "links": ["https://a.cn/\\ud800"]}'
    res = client.post("/v1/classify", content=raw, headers={**BOT, "content-type": "application/json"})
    assert res.status_code == 422 and res.json()["error"]["field"] == "links.0"
