"""The moderator page (/ui) through a real app, a real SQLite file and a real HTTP client:
login, CSRF, decisions stored, escaping, the group page, accounts made by the CLI."""
from __future__ import annotations

import io
import re
import time
from urllib.parse import quote

import pytest

from qunguard.service import cli
from qunguard.service.store.review import ReviewItem
from qunguard.service.ui.accounts import LoginThrottle, hash_password
from qunguard.service.ui.highlight import segments
from tests.conftest import auth

PASSWORD = "correct horse battery"
SCORES = {"on_topic": 0.05, "spam": 0.05, "advertising": 0.85, "flooding": 0.05}
STRICT = {"thresholds": {lab: {"review": 0.0, "delete": 1.0} for lab in ("spam", "advertising", "flooding")}}


def add_user(client, name="alice", password=PASSWORD, role="moderator"):
    client.app.state.moderator.store.add_user(name, hash_password(password), role)


def form_csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, name="alice", password=PASSWORD, next_page=None):
    token = form_csrf(client.get("/ui/login").text)
    data = {"username": name, "password": password, "csrf": token}
    if next_page:
        data["next"] = next_page
    return client.post("/ui/login", data=data, follow_redirects=False)


def page_csrf(client) -> str:
    html = client.get("/ui").text
    return re.search(r'data-csrf="([^"]+)"', html).group(1)


def seed(client, *items) -> list[int]:
    """Review items straight into the store: (group, user, text, label, reasons) each."""
    rows = [ReviewItem(f"m{i}", g, u, text, label, "review", {**SCORES, label: 0.9}, reasons, "test", time.time() - 60 * i)
            for i, (g, u, text, label, reasons) in enumerate(items)]
    return client.app.state.moderator.store.add_review_items(rows)


def item(client, item_id):
    return client.app.state.moderator.store.get_review_item(item_id)


@pytest.fixture
def ui(make_client):
    """A client with user alice logged in."""
    client = make_client()
    add_user(client)
    assert login(client).status_code == 303
    return client


# -- login --------------------------------------------------------------------------------
def test_ui_needs_a_login_and_sends_there(client):
    r = client.get("/ui", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/login?next=%2Fui"
    r = client.get("/ui/groups/g1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/login?next=")
    # an htmx request is told where to go instead of being handed the login page as a fragment
    r = client.get("/ui/queue", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 401 and r.headers["HX-Redirect"] == "/ui/login"
    assert "<form" in client.get("/ui/login").text


def test_login_sets_a_hardened_cookie_and_lands_on_the_queue(make_client):
    client = make_client()
    add_user(client)
    r = login(client)
    assert r.status_code == 303 and r.headers["location"] == "/ui"
    cookie = r.headers["set-cookie"].lower()
    for flag in ("httponly", "samesite=lax", "path=/ui", "max-age=43200"):
        assert flag in cookie
    assert "secure" not in cookie
    page = client.get("/ui")
    assert page.status_code == 200 and "alice" in page.text and 'id="queue"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"] and page.headers["x-frame-options"] == "DENY"
    for asset in ("htmx.min.js", "ui.js", "ui.css"):  # vendored, served without a login
        assert client.get(f"/ui/static/{asset}").status_code == 200


def test_secure_cookie_setting(make_client):
    client = make_client(session_cookie_secure=True)
    add_user(client)
    assert "; secure" in login(client).headers["set-cookie"].lower()


def test_wrong_password_unknown_and_disabled_users_are_refused(make_client):
    client = make_client()
    add_user(client)
    add_user(client, "bob")
    client.app.state.moderator.store.set_user_disabled("bob")
    for name, password in (("alice", "wrong password"), ("nobody", PASSWORD), ("bob", PASSWORD)):
        r = login(client, name, password)
        assert r.status_code == 401 and "Wrong user name or password" in r.text
        assert client.get("/ui", follow_redirects=False).status_code == 303
    assert login(client).status_code == 303
    assert client.get("/ui", follow_redirects=False).status_code == 200


def test_login_goes_back_to_the_page_asked_for_and_never_off_site(make_client):
    client = make_client()
    add_user(client)
    assert login(client, next_page="/ui/groups/g1").headers["location"] == "/ui/groups/g1"
    client.cookies.clear()
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "/v1/review"):
        assert login(client, next_page=evil).headers["location"] == "/ui"
        client.cookies.clear()


def test_repeated_failures_lock_the_name_for_a_while(make_client):
    client = make_client()
    add_user(client)
    for _ in range(5):
        assert login(client, password="wrong password").status_code == 401
    r = login(client)  # the right password, but too late
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert client.get("/ui", follow_redirects=False).status_code == 303


def test_throttle_window_passes():
    t = LoginThrottle(per_user=2, per_address=3, window_s=10)
    t.failed("a", "1.2.3.4", now=0)
    t.failed("a", "1.2.3.4", now=1)
    assert t.retry_after("a", "5.6.7.8", now=2) == pytest.approx(8)  # the name is locked
    assert t.retry_after("b", "5.6.7.8", now=2) == 0
    assert t.retry_after("a", "5.6.7.8", now=10.5) == 0  # the first failure left the window
    t.failed("c", "1.2.3.4", now=3)
    assert t.retry_after("d", "1.2.3.4", now=3) > 0  # the address is locked: 3 failures from it
    t.succeeded("a")
    assert t.retry_after("a", "9.9.9.9", now=3) == 0


def test_logout_ends_the_session(ui):
    r = ui.post("/ui/logout", data={"csrf": page_csrf(ui)}, follow_redirects=False)
    assert r.status_code == 303
    assert ui.get("/ui", follow_redirects=False).status_code == 303


def test_new_password_or_disable_ends_open_sessions(ui):
    store = ui.app.state.moderator.store
    store.set_user_password("alice", hash_password("another password"))
    assert ui.get("/ui", follow_redirects=False).status_code == 303
    assert login(ui, password="another password").status_code == 303
    store.set_user_disabled("alice")
    assert ui.get("/ui", follow_redirects=False).status_code == 303


# -- the line between the page and the API -----------------------------------------------
def test_bearer_tokens_do_not_open_the_page(client):
    for role in ("moderator", "admin"):
        assert client.get("/ui", headers=auth(role), follow_redirects=False).status_code == 303


def test_session_cookie_does_not_open_the_api(ui):
    assert ui.get("/ui").status_code == 200
    r = ui.get("/v1/review")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    # the browser would not even send it: the cookie's path is /ui
    assert all(c.path == "/ui" for c in ui.cookies.jar)


def test_the_session_key_is_kept_in_the_store_for_every_worker(make_client):
    first = make_client()
    add_user(first)
    login(first)
    second = make_client()  # another app on the same SQLite file: another worker, or a restart
    second.cookies = first.cookies
    assert second.get("/ui", follow_redirects=False).status_code == 200


def test_a_configured_session_secret_signs_the_cookie(make_client):
    first = make_client(session_secret="k" * 40)
    add_user(first)
    login(first)
    other = make_client(session_secret="z" * 40)  # a different key: the cookie is not accepted
    other.cookies = first.cookies
    assert other.get("/ui", follow_redirects=False).status_code == 303


# -- CSRF -----------------------------------------------------------------------------------
def test_state_changes_need_the_csrf_token(ui):
    (item_id,) = seed(ui, ("g1", "u1", "加V abc12345", "advertising", []))
    good = page_csrf(ui)
    for headers, data in (({}, {}), ({"X-CSRF-Token": "forged"}, {}), ({}, {"csrf": "forged"})):
        r = ui.post("/ui/decide", data={"item_id": item_id, "decision": "confirm", **data}, headers=headers)
        assert r.status_code == 403 and "CSRF" in r.text
    for path in ("/ui/undo", "/ui/logout"):
        assert ui.post(path, data={}).status_code == 403
    r = ui.post("/ui/bulk", data={"ids": [item_id], "decision": "dismiss"})
    assert r.status_code == 403
    assert item(ui, item_id)["status"] == "pending"
    assert ui.get("/ui", follow_redirects=False).status_code == 200  # still logged in
    r = ui.post("/ui/decide", data={"item_id": item_id, "decision": "confirm"}, headers={"X-CSRF-Token": good})
    assert r.status_code == 200 and item(ui, item_id)["status"] == "confirmed"


def test_login_form_needs_its_csrf_token(make_client):
    client = make_client()
    add_user(client)
    r = client.post("/ui/login", data={"username": "alice", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403 and "expired" in r.text
    assert client.get("/ui", follow_redirects=False).status_code == 303


def test_login_gives_a_new_csrf_token(make_client):
    client = make_client()
    add_user(client)
    before = form_csrf(client.get("/ui/login").text)
    login(client)
    assert page_csrf(client) != before


# -- decisions ------------------------------------------------------------------------------
def test_decisions_through_the_form_are_stored_with_their_history(ui):
    a, b, c = seed(ui, ("g1", "u1", "加V abc12345", "advertising", []), ("g1", "u2", "刷屏刷屏刷屏", "flooding", []),
                   ("g2", "u3", "投票投票", "spam", []))
    token = page_csrf(ui)
    r = ui.post("/ui/decide", data={"item_id": a, "decision": "confirm", "version": 1, "csrf": token})
    assert r.status_code == 200 and f'id="item-{a}"' not in r.text and f'id="item-{b}"' in r.text
    r = ui.post("/ui/decide", data={"item_id": b, "decision": "relabel", "new_label": "spam", "version": 1, "csrf": token})
    r = ui.post("/ui/decide", data={"item_id": c, "decision": "dismiss", "version": 1, "csrf": token})
    assert (item(ui, a)["status"], item(ui, a)["final_label"], item(ui, a)["reviewed_by"]) == ("confirmed", "advertising", "alice")
    assert (item(ui, b)["status"], item(ui, b)["final_label"]) == ("relabelled", "spam")
    assert (item(ui, c)["status"], item(ui, c)["final_label"]) == ("dismissed", "on_topic")
    history = ui.app.state.moderator.store.review_history(b)
    assert [(h["decision"], h["moderator"]) for h in history] == [("relabel", "alice")]
    assert "the queue is empty" in r.text
    decided = ui.get("/ui/queue?status=decided").text
    assert all(f'id="item-{i}"' in decided for i in (a, b, c)) and "relabelled as spam by alice" in decided


def test_a_stale_version_changes_nothing_and_says_so(ui):
    (item_id,) = seed(ui, ("g1", "u1", "加V abc12345", "advertising", []))
    ui.app.state.moderator.store.decide_review_item(item_id, decision="dismiss", moderator="bob")
    r = ui.post("/ui/decide", data={"item_id": item_id, "decision": "confirm", "version": 1, "csrf": page_csrf(ui)})
    assert r.status_code == 200 and "decided it meanwhile" in r.text and "by bob" in r.text
    assert (item(ui, item_id)["status"], item(ui, item_id)["reviewed_by"]) == ("dismissed", "bob")


def test_bad_decisions_are_refused(ui):
    (item_id,) = seed(ui, ("g1", "u1", "加V abc12345", "advertising", []))
    token = page_csrf(ui)
    assert ui.post("/ui/decide", data={"item_id": item_id, "decision": "relabel", "new_label": "nonsense", "csrf": token}).status_code == 422
    assert ui.post("/ui/decide", data={"item_id": item_id, "decision": "delete-everything", "csrf": token}).status_code == 422
    r = ui.post("/ui/decide", data={"item_id": 999, "decision": "confirm", "csrf": token})
    assert r.status_code == 200 and "#999 no longer exists" in r.text
    assert item(ui, item_id)["status"] == "pending"


def test_undo_takes_back_this_sessions_last_decision(ui):
    a, b = seed(ui, ("g1", "u1", "加V abc12345", "advertising", []), ("g1", "u2", "刷屏刷屏刷屏", "flooding", []))
    token = page_csrf(ui)
    ui.post("/ui/decide", data={"item_id": a, "decision": "confirm", "version": 1, "csrf": token})
    ui.post("/ui/decide", data={"item_id": b, "decision": "dismiss", "version": 1, "csrf": token})
    r = ui.post("/ui/undo", data={"csrf": token})
    assert item(ui, b)["status"] == "pending" and item(ui, a)["status"] == "confirmed"
    assert f'data-focus="{b}"' in r.text  # the page focuses what came back
    ui.post("/ui/undo", data={"csrf": token})
    assert item(ui, a)["status"] == "pending"
    r = ui.post("/ui/undo", data={"csrf": token})
    assert "Nothing to undo" in r.text
    assert [h["decision"] for h in ui.app.state.moderator.store.review_history(a)] == ["confirm", "undo"]


def test_undo_leaves_a_later_decision_by_someone_else(ui):
    (item_id,) = seed(ui, ("g1", "u1", "加V abc12345", "advertising", []))
    token = page_csrf(ui)
    ui.post("/ui/decide", data={"item_id": item_id, "decision": "confirm", "version": 1, "csrf": token})
    ui.app.state.moderator.store.decide_review_item(item_id, decision="relabel", label="spam", moderator="bob")
    r = ui.post("/ui/undo", data={"csrf": token})
    assert "Not undone" in r.text
    assert (item(ui, item_id)["status"], item(ui, item_id)["reviewed_by"]) == ("relabelled", "bob")


def test_bulk_decision_and_its_undo(ui):
    ids = seed(ui, *(("g1", f"u{i}", f"刷屏{i}" * 3, "flooding", []) for i in range(4)))
    token = page_csrf(ui)
    r = ui.post("/ui/bulk", data={"ids": ids[:3], "decision": "relabel", "new_label": "spam", "csrf": token})
    assert r.status_code == 200 and "3 messages" in r.text
    assert [item(ui, i)["status"] for i in ids] == ["relabelled"] * 3 + ["pending"]
    ui.post("/ui/undo", data={"csrf": token})
    assert [item(ui, i)["status"] for i in ids] == ["pending"] * 4


def test_filters_by_group_label_and_status(ui):
    a, b, c = seed(ui, ("g1", "u1", "加V abc12345", "advertising", []), ("g2", "u2", "刷屏刷屏刷屏", "flooding", []),
                   ("g1", "u3", "投票投票", "spam", []))
    page = ui.get("/ui/queue?group=g1").text
    assert f'id="item-{a}"' in page and f'id="item-{c}"' in page and f'id="item-{b}"' not in page
    page = ui.get("/ui/queue?label=flooding").text
    assert f'id="item-{b}"' in page and f'id="item-{a}"' not in page
    assert f'id="item-{a}"' not in ui.get("/ui/queue?status=confirmed").text
    # htmx asks for the fragment alone; a reload of the pushed URL gets the whole page
    assert ui.get("/ui/queue?group=g1", headers={"HX-Request": "true"}).text.startswith('<section id="queue"')
    assert ui.get("/ui/queue?status=bogus").status_code == 422


def test_queue_pages_newest_first(ui):
    ids = seed(ui, *(("g1", "u1", f"消息 {i}", "spam", []) for i in range(55)))
    first = ui.get("/ui").text
    shown = [int(x) for x in re.findall(r'data-id="(\d+)"', first)]
    assert shown == sorted(ids, reverse=True)[:50]
    older = ui.get(f"/ui/queue?before={shown[-1]}").text
    assert [int(x) for x in re.findall(r'data-id="(\d+)"', older)] == sorted(ids, reverse=True)[50:]


# -- what a message shows --------------------------------------------------------------------
def test_a_reported_message_shows_how_many_reported_it(ui):
    for who in ("member1", "member2"):
        body = {"group_id": "g1", "user_id": "u9", "text": "周末一起去爬山吗", "message_id": "m1", "reported_by": who}
        assert ui.post("/v1/review/report", json=body, headers=auth("bot")).status_code in (200, 201)
    [plain] = seed(ui, ("g1", "u1", "消息", "spam", []))
    articles = {int(re.search(r'data-id="(\d+)"', a).group(1)): a for a in ui.get("/ui").text.split("<article")[1:]}
    assert "reported ×2" in articles[plain - 1]
    assert "reported ×" not in articles[plain]  # a flagged item nobody reported says nothing


def test_message_text_is_escaped(ui):
    mod = auth("moderator")
    assert ui.put("/v1/groups/gx", json=STRICT, headers=mod).status_code == 200
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> 加V Was4872 领优惠'
    r = ui.post("/v1/classify", json={"group_id": "gx", "user_id": "<b>u</b>", "text": text}, headers=auth("bot"))
    assert r.json()["action"] != "allow"
    page = ui.get("/ui").text
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>u</b>" not in page
    shown = re.sub(r"</?mark[^>]*>", "", re.search(r'<p class="text">(.*?)</p>', page, re.DOTALL).group(1))
    assert shown.startswith("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;")
    assert "&lt;b&gt;u&lt;/b&gt;" in page


def test_reasons_are_marked_inside_the_text(ui):
    reasons = [{"name": "contact_handle", "detail": "wechat: 加v was4872"}, {"name": "evidence", "detail": "包邮"},
               {"name": "block_word", "detail": "代购"}, {"name": "model", "detail": "p(advertising)=0.90"}]
    seed(ui, ("g1", "u1", "需要的加V Was4872，限时包邮，专业代购", "advertising", reasons))
    page = ui.get("/ui").text
    assert '<mark class="m-contact_handle" title="contact_handle">加V Was4872</mark>' in page
    assert '<mark class="m-evidence" title="evidence">包邮</mark>' in page
    assert '<mark class="m-block_word" title="block_word">代购</mark>' in page


def test_marks_from_a_real_verdict(ui):
    mod = auth("moderator")
    assert ui.put("/v1/groups/gx", json=STRICT, headers=mod).status_code == 200
    r = ui.post("/v1/classify", json={"group_id": "gx", "user_id": "u1", "text": "需要的加V Was4872，限时包邮"}, headers=auth("bot"))
    assert any(x["name"] == "contact_handle" for x in r.json()["reasons"])
    assert '<mark class="m-contact_handle" title="contact_handle">加V Was4872</mark>' in ui.get("/ui").text


def test_segments_cover_the_text_and_prefer_the_specific_reason():
    text = "哈哈哈哈哈 加微信 abc_8899 代购"
    segs = segments(text, [{"name": "text_flood", "detail": ""}, {"name": "contact_handle", "detail": "wechat: 加微信 abc_8899"},
                           {"name": "block_word", "detail": "代购"}, {"name": "repeat", "detail": "3 in 60 s"}])
    assert "".join(s for s, _ in segs) == text
    assert ("哈哈哈哈哈", "text_flood") in segs and ("加微信 abc_8899", "contact_handle") in segs and ("代购", "block_word") in segs
    assert {k for _, k in segs} == {"text_flood", "contact_handle", "block_word", "repeat"}  # the rest: the repeated line
    assert segments("没有理由", [{"name": "model", "detail": "p(spam)=0.7"}]) == [("没有理由", None)]
    assert segments("找不到", [{"name": "evidence", "detail": "别的"}]) == [("找不到", None)]


# -- a group's page ----------------------------------------------------------------------------
def test_group_page_draws_flagged_per_day_top_members_and_hours(ui):
    """Real traffic through /v1/classify; the page against what the store holds."""
    assert ui.put("/v1/groups/g1", json=STRICT, headers=auth("moderator")).status_code == 200
    now = time.time()
    texts = [("flooder", "刷屏刷屏刷屏刷屏") for _ in range(4)] + [("seller", "加V Was4872 领优惠 包邮"), ("seller", "加微信 abc_8899 代购"),
             ("chatter", "今晚一起看比赛吗"), ("chatter", "好的，明天见")]
    batch = [{"group_id": "g1", "user_id": u, "text": t, "ts": now - 30 + i} for i, (u, t) in enumerate(texts)]
    batch.append({"group_id": "g2", "user_id": "elsewhere", "text": "刷屏刷屏刷屏刷屏", "ts": now})
    assert ui.post("/v1/classify/batch", json={"messages": batch}, headers=auth("bot")).status_code == 200
    ui.app.state.moderator.topics.activity.flush()  # the activity counts are written every few seconds
    store = ui.app.state.moderator.store
    flagged = store.review_items(group_id="g1")
    r = ui.get("/ui/groups/g1?days=7")
    assert r.status_code == 200
    page = r.text
    assert page.count('<svg class="chart"') >= 2
    by_label = {}
    for it in flagged:
        by_label[it["label"]] = by_label.get(it["label"], 0) + 1
    for label, n in by_label.items():  # today's stacked bar: one segment a label, as many as were flagged
        assert re.search(rf'<rect class="bar b-{label}"[^>]*><title>\d{{4}}-\d\d-\d\d: {n} {label}</title>', page)
    assert f"({len(flagged)} in 7 days)" in page
    report = ui.get("/v1/groups/g1/report?days=7", headers=auth("moderator")).json()
    for label in ("flooding", "advertising"):
        for m in report["top_members"][label]:
            assert f'<tr><td>{m["user_id"]}</td><td class="num">{m["count"]}</td></tr>' in page
    assert report["top_members"]["flooding"] or report["top_members"]["advertising"]
    hours = re.findall(r'<rect class="bar b-hour"[^>]*><title>\d\d:00-\d\d:59: (\d+)</title>', page)
    assert len(hours) == 24 and sum(map(int, hours)) == len(texts) == sum(report["messages_per_hour"])
    assert "elsewhere" not in page
    assert ui.get("/ui/groups/nobody").status_code == 200  # an unknown group: empty charts, not an error
    assert ui.get("/ui/groups/g1?days=0").status_code == 422


def test_a_group_on_its_dry_run_says_so_and_its_queue_shows_what_would_have_been_done(ui):
    for group, dry in (("trial", True), ("live", False)):  # a block word and a contact: two signals, a delete
        settings = {"dry_run": dry, "block_words": ["包邮"]}
        assert ui.put(f"/v1/groups/{group}", json=settings, headers=auth("moderator")).status_code == 200
    msgs = [{"group_id": g, "user_id": "seller", "text": "加V Was4872 领优惠 包邮"} for g in ("trial", "live")]
    verdicts = ui.post("/v1/classify/batch", json={"messages": msgs}, headers=auth("bot")).json()["verdicts"]
    assert verdicts[0]["action"] == "allow" and verdicts[1]["action"] == "delete"
    queue = ui.get("/ui/queue?status=all").text
    trial, live = (re.search(rf'<article[^>]*>(?:(?!</article>).)*?>{g}</a>.*?</article>', queue, re.DOTALL).group(0)
                   for g in ("trial", "live"))
    assert "would delete (dry run)" in trial and 'class="action a-delete"' not in trial
    assert 'class="action a-delete">delete<' in live and "dry run" not in live
    assert "Dry run: bots are told to allow every message" in ui.get("/ui/groups/trial").text
    assert "Dry run" not in ui.get("/ui/groups/live").text
    assert ui.put("/v1/groups/trial", json={"dry_run": False, "block_words": ["包邮"]},
                  headers=auth("moderator")).status_code == 200
    assert "Dry run" not in ui.get("/ui/groups/trial").text
    assert "would delete (dry run)" in ui.get("/ui/queue?status=all&group=trial").text  # what it was queued as


def test_group_page_escapes_group_and_member_ids(ui):
    group = "<g>&x"
    assert ui.put(f"/v1/groups/{quote(group, safe='')}", json=STRICT, headers=auth("moderator")).status_code == 200
    batch = [{"group_id": group, "user_id": "u<1>", "text": "刷屏刷屏刷屏刷屏"} for _ in range(4)]
    assert ui.post("/v1/classify/batch", json={"messages": batch}, headers=auth("bot")).status_code == 200
    ui.app.state.moderator.topics.activity.flush()
    assert "/ui/groups/%3Cg%3E%26x" in ui.get("/ui").text
    page = ui.get("/ui/groups/%3Cg%3E%26x").text
    assert "&lt;g&gt;&amp;x" in page and "<g>" not in page
    assert "<td>u&lt;1&gt;</td>" in page and "u<1>" not in page


# -- accounts from the command line -------------------------------------------------------------
def test_user_add_with_password_stdin_then_login(make_client, monkeypatch, capsys):
    client = make_client()
    db = str(client.app.state.settings.db_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert cli.main(["user", "add", "carol", "--role", "admin", "--password-stdin", "--db", db]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another password\n"))
    assert cli.main(["user", "add", "carol", "--password-stdin", "--db", db]) == 1  # taken
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["user", "add", "dave", "--password-stdin", "--db", db]) == 1
    assert cli.main(["user", "add", "bad name", "--password-stdin", "--db", db]) == 1
    capsys.readouterr()
    assert cli.main(["user", "list", "--db", db]) == 0
    assert capsys.readouterr().out.split("\t")[:3] == ["carol", "admin", "enabled"]
    assert login(client, "carol", "a long enough password").status_code == 303
    assert "carol" in client.get("/ui").text
    stored = client.app.state.moderator.store.get_user("carol")["password_hash"]
    assert stored.startswith("$argon2id$") and "a long enough password" not in stored
    assert cli.main(["user", "disable", "carol", "--db", db]) == 0
    assert client.get("/ui", follow_redirects=False).status_code == 303
    monkeypatch.setattr("sys.stdin", io.StringIO("a new long password\n"))
    assert cli.main(["user", "passwd", "carol", "--password-stdin", "--db", db]) == 0
    assert cli.main(["user", "enable", "carol", "--db", db]) == 0
    assert login(client, "carol", "a long enough password").status_code == 401
    assert login(client, "carol", "a new long password").status_code == 303
    assert cli.main(["user", "disable", "nobody", "--db", db]) == 1
