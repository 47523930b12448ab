"""The moderator page in a real browser: Debian's chromium, driven by Playwright, against a real
`qunguard serve` in a subprocess (SQLite file, the small test model), with an account made by
`qunguard user add`. The moderator logs in and works through the queue with the keyboard alone;
every decision is checked in the SQLite file, and the focus is checked to move on.

QUNGUARD_UI_SCREENSHOT=path.png also saves a picture of the queue (README's screenshot).
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import TOKENS
from tests.test_queue_durability import free_port, start

pytestmark = pytest.mark.slow  # starts `qunguard serve` and a browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "keyboard only 123"
STRICT = {"thresholds": {lab: {"review": 0.0, "delete": 1.0} for lab in ("spam", "advertising", "flooding")}}
MESSAGES = ["需要的加V Was4872，限时包邮", "<script>document.title='pwned'</script> 加微信 abc_8899 领红包",
            "帮忙投个票，三号选手，谢谢啦", "招代理，一件代发，零库存，加V Ab8821x", "考研资料全套 800 私聊",
            "今晚八点直播抽奖，加群 123456789"]


def status(db, item_id: int) -> tuple:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT status, final_label, reviewed_by, version FROM review_items WHERE id = ?",
                           (item_id,)).fetchone()


def wait_for(check, what: str, timeout_s: float = 15.0):
    deadline = time.time() + timeout_s
    while True:
        got = check()
        if got:
            return got
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def server(tmp_path, small_model_dir):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (`apt-get install chromium`; .ci/run installs it)")
    db = tmp_path / "ui.db"
    add = subprocess.run([sys.executable, "-m", "qunguard.service.cli", "user", "add", "mod1", "--password-stdin",
                          "--db", str(db)], check=False, input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert add.returncode == 0, add.stderr
    port = free_port()
    proc = start(db, small_model_dir, port)
    base = f"http://127.0.0.1:{port}"
    try:
        mod, bot = ({"Authorization": f"Bearer {TOKENS[r]}"} for r in ("moderator", "bot"))
        assert httpx.put(f"{base}/v1/groups/g1", json=STRICT, headers=mod).status_code == 200
        msgs = [{"group_id": "g1", "user_id": f"u{i}", "text": t, "message_id": f"m{i}"} for i, t in enumerate(MESSAGES)]
        verdicts = httpx.post(f"{base}/v1/classify/batch", json={"messages": msgs}, headers=bot, timeout=30).json()["verdicts"]
        assert all(v["action"] != "allow" for v in verdicts)
        yield base, db
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_keyboard_only_review(server):
    from playwright.sync_api import sync_playwright

    base, db = server
    with sqlite3.connect(db) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM review_items ORDER BY id DESC")]  # the queue's order
    assert len(ids) == len(MESSAGES)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)  # CSP refusals too
            page.goto(f"{base}/ui")
            assert page.url.startswith(f"{base}/ui/login")
            # the name field has the focus (autofocus: waited for, as a busy machine applies it after load): type, Tab,
            # type, Enter
            page.wait_for_function("document.activeElement && document.activeElement.name === 'username'")
            page.keyboard.type("mod1")
            page.keyboard.press("Tab")
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/ui")
            page.wait_for_selector("#queue .item.focus")

            def focused() -> int:
                return int(page.get_attribute("#queue .item.focus", "data-id"))

            def focus_becomes(item_id: int) -> None:
                page.wait_for_selector(f"#item-{item_id}.focus", timeout=15_000)

            assert focused() == ids[0]
            assert page.title() != "pwned" and "<script>" in page.inner_text(f"#item-{ids[-2]} .text")
            assert page.locator(f"#item-{ids[-1]} mark.m-contact_handle").inner_text() == "加V Was4872"

            page.keyboard.press("c")  # confirm the first: stored, and the next one has the focus
            wait_for(lambda: status(db, ids[0])[::2] == ("confirmed", "mod1"), "confirm stored")
            focus_becomes(ids[1])
            assert page.locator(f"#item-{ids[0]}").count() == 0  # gone from the pending queue

            page.keyboard.press("d")  # dismiss the second
            wait_for(lambda: status(db, ids[1])[:3] == ("dismissed", "on_topic", "mod1"), "dismiss stored")
            focus_becomes(ids[2])

            page.keyboard.press("2")  # relabel the third as spam
            wait_for(lambda: status(db, ids[2])[:3] == ("relabelled", "spam", "mod1"), "relabel stored")
            focus_becomes(ids[3])

            page.keyboard.press("u")  # undo: the third is pending again, and focused
            wait_for(lambda: status(db, ids[2])[0] == "pending", "undo stored")
            focus_becomes(ids[2])
            assert status(db, ids[2])[2] is None

            page.keyboard.press("j")  # move down and up without deciding
            focus_becomes(ids[3])
            page.keyboard.press("k")
            focus_becomes(ids[2])
            page.keyboard.press("j")
            focus_becomes(ids[3])

            # select two with x, relabel both with 4 (flooding)
            page.keyboard.press("x")
            page.keyboard.press("j")
            focus_becomes(ids[4])
            page.keyboard.press("x")
            assert page.is_visible("#bulkbar") and page.inner_text("#bulk-count") == "2"
            if os.environ.get("QUNGUARD_UI_SCREENSHOT"):
                page.screenshot(path=os.environ["QUNGUARD_UI_SCREENSHOT"])
            page.keyboard.press("4")
            wait_for(lambda: all(status(db, i)[:3] == ("relabelled", "flooding", "mod1") for i in ids[3:5]), "bulk stored")
            page.wait_for_selector("#bulkbar", state="hidden")
            assert status(db, ids[2])[0] == status(db, ids[5])[0] == "pending"  # not selected: untouched
            focus_becomes(ids[5])

            page.keyboard.press("?")
            page.wait_for_selector("#help", state="visible")
            page.keyboard.press("Escape")
            page.wait_for_selector("#help", state="hidden")

            # the last two pending, one after the other: the queue runs empty
            page.keyboard.press("c")
            wait_for(lambda: status(db, ids[5])[0] == "confirmed", "confirm stored")
            focus_becomes(ids[2])
            page.keyboard.press("d")
            wait_for(lambda: status(db, ids[2])[0] == "dismissed", "dismiss stored")
            page.wait_for_selector("#queue .empty")

            # the group page: every message flagged today, in today's stacked bar
            page.goto(f"{base}/ui/groups/g1?days=7")
            titles = page.locator("rect.bar title").all_text_contents()
            per_day = [int(m.group(1)) for m in map(re.compile(r"^\d{4}-\d\d-\d\d: (\d+) ").match, titles) if m]
            assert sum(per_day) == len(MESSAGES)
            if os.environ.get("QUNGUARD_UI_SCREENSHOT"):
                page.screenshot(path=os.environ["QUNGUARD_UI_SCREENSHOT"].replace(".png", "-group.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
    with sqlite3.connect(db) as con:
        decisions = con.execute("SELECT item_id, decision, moderator FROM review_history ORDER BY id").fetchall()
    assert decisions == [(ids[0], "confirm", "mod1"), (ids[1], "dismiss", "mod1"), (ids[2], "relabel", "mod1"),
                         (ids[2], "undo", "mod1"), (ids[3], "relabel", "mod1"), (ids[4], "relabel", "mod1"),
                         (ids[5], "confirm", "mod1"), (ids[2], "dismiss", "mod1")]
