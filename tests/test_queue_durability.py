"""A flagged message acknowledged to a bot survives the process being killed.

Runs the real `qunguard serve` in a subprocess on a free loopback port,
kills it with SIGKILL right after a flagged response, and restarts it on the
same SQLite file.
"""
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import TOKENS

pytestmark = pytest.mark.slow  # starts, kills and restarts `qunguard serve`


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db, model_dir, port):
    env = {**os.environ, "QUNGUARD_TOKENS": ",".join(f"{r}:{t}" for r, t in TOKENS.items()), "QUNGUARD_MODEL_DIR": str(model_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "qunguard.service.cli", "serve", "--port", str(port), "--db", str(db)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode())
    proc.kill()
    raise RuntimeError("server did not become healthy")


def test_flagged_item_survives_kill_and_restart(tmp_path, small_model_dir):
    db = tmp_path / "queue.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    bot = {"Authorization": f"Bearer {TOKENS['bot']}"}
    mod = {"Authorization": f"Bearer {TOKENS['moderator']}"}
    proc = start(db, small_model_dir, port)
    try:
        strict = {"thresholds": {"spam": {"review": 0.0, "delete": 0.0}, "advertising": {"review": 0.0, "delete": 0.0},
                                 "flooding": {"review": 0.0, "delete": 0.0}}}
        assert httpx.put(f"{base}/v1/groups/g1", json=strict, headers=mod).status_code == 200
        res = httpx.post(f"{base}/v1/classify", json={"group_id": "g1", "user_id": "u1", "text": "加微信 abc_8899 领优惠", "message_id": "kill-me"}, headers=bot)
        assert res.status_code == 200 and res.json()["action"] != "allow"
    finally:
        proc.send_signal(signal.SIGKILL)  # no shutdown hooks, no flush
        proc.wait(timeout=10)
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT message_id FROM review_items").fetchall() == [("kill-me",)]
    proc = start(db, small_model_dir, port)
    try:
        items = httpx.get(f"{base}/v1/review", headers=mod).json()["data"]
        assert [i["message_id"] for i in items] == ["kill-me"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
