"""Several workers on one port: the real `qunguard serve` with QUNGUARD_WORKERS=2 and Redis.

What one worker learns, every worker must act on: flood windows (Redis), group
settings and the model in effect (the SQLite store's revisions), and /metrics sums
all of them. Each request below opens a fresh connection, so the kernel spreads
them over both workers (SO_REUSEPORT); /healthz says which worker answered.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from qunguard.model import artifact
from tests.conftest import REDIS_URL, TOKENS, delete_redis_keys
from tests.test_queue_durability import free_port

pytestmark = pytest.mark.slow  # every test talks to `qunguard serve` worker processes


BOT = {"Authorization": f"Bearer {TOKENS['bot']}"}
MOD = {"Authorization": f"Bearer {TOKENS['moderator']}"}
ADMIN = {"Authorization": f"Bearer {TOKENS['admin']}"}
RUN = uuid.uuid4().hex[:12]  # in every group id of this run, so its flood windows can be found and removed


def _new_group() -> str:
    return f"g-{RUN}-{uuid.uuid4().hex[:8]}"


def _env(**extra):
    return {**os.environ, "QUNGUARD_TOKENS": ",".join(f"{r}:{t}" for r, t in TOKENS.items()),
            "QUNGUARD_REDIS_URL": REDIS_URL, **extra}


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    port = free_port()
    db = tmp_path_factory.mktemp("workers") / "q.db"
    proc = subprocess.Popen([sys.executable, "-m", "qunguard.service.cli", "serve", "--port", str(port), "--db", str(db)],
                            env=_env(QUNGUARD_WORKERS="2", QUNGUARD_FLOOD_BACKEND="redis"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    pids: set[int] = set()
    deadline = time.time() + 90
    while len(pids) < 2 and time.time() < deadline:  # both workers up and reachable
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode())
        try:
            pids.add(httpx.get(f"{base}/healthz", timeout=2).json()["pid"])
        except httpx.TransportError:
            time.sleep(0.3)
    assert len(pids) == 2, "both workers should answer"
    yield base, proc, pids
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    delete_redis_keys(f"qg:*:g-{RUN}-*")  # the workers' windows (RedisFloodTracker's prefix "qg:")


def _health_by_worker(base, tries=40) -> dict[int, dict]:
    seen: dict[int, dict] = {}
    for _ in range(tries):
        body = httpx.get(f"{base}/healthz", timeout=5).json()
        seen[body["pid"]] = body
    return seen


def _classify(base, group, user, text):
    res = httpx.post(f"{base}/v1/classify", json={"group_id": group, "user_id": user, "text": text}, headers=BOT, timeout=10)
    assert res.status_code == 200, res.text
    return res.json()


def test_a_raid_spread_over_workers_is_seen(two_workers):
    base, _, _ = two_workers
    group = _new_group()
    text = "加微信 abc_8899 领取优惠券 限时包邮"  # a raid counts against an ad or a lure, not chat
    out = [_classify(base, group, f"u{i}", text) for i in range(4)]
    assert out[3]["label"] in ("advertising", "spam")
    raids = [[r["detail"] for r in v["reasons"] if r["name"] == "raid"] for v in out]
    assert raids == [[], [], [], ["4 users in 60 s"]]


def test_group_settings_changed_on_one_worker_apply_on_all(two_workers):
    base, _, _ = two_workers
    group = _new_group()
    for i in range(12):  # both workers cache the group's defaults first (short texts: no raid)
        assert _classify(base, group, f"u{i}", "作业写完了吗")["action"] == "allow"
    res = httpx.put(f"{base}/v1/groups/{group}", json={"block_words": ["作业"]}, headers=MOD)
    assert res.status_code == 200
    for i in range(12):
        v = _classify(base, group, f"v{i}", "作业写完了吗")
        assert v["action"] == "delete" and any(r["name"] == "block_word" for r in v["reasons"]), v


def _wait_for_version(base, pids, version, timeout=30) -> dict:
    deadline = time.time() + timeout
    versions = {}
    while time.time() < deadline:
        versions = {pid: body["model_version"] for pid, body in _health_by_worker(base, 10).items()}
        if set(versions) == pids and set(versions.values()) == {version}:
            break
        time.sleep(0.5)
    return versions


def test_a_reload_on_one_worker_reaches_every_worker(two_workers, small_model_dir):
    base, _, pids = two_workers
    res = httpx.post(f"{base}/v1/model/reload", json={"path": str(small_model_dir)}, headers=ADMIN, timeout=30)
    assert res.status_code == 200 and res.json()["model_version"] == "test"
    versions = _wait_for_version(base, pids, "test")
    assert set(versions) == pids and set(versions.values()) == {"test"}
    metrics = httpx.get(f"{base}/metrics", timeout=5).text
    assert 'qunguard_model_info{version="test"} 1.0' in metrics


def test_sighup_reloads_the_model_in_effect_on_every_worker(two_workers, small_model_dir, tmp_path):
    base, proc, pids = two_workers
    folder = tmp_path / "model"
    shutil.copytree(small_model_dir, folder)
    assert httpx.post(f"{base}/v1/model/reload", json={"path": str(folder)}, headers=ADMIN, timeout=30).status_code == 200
    assert set(_wait_for_version(base, pids, "test").values()) == {"test"}
    for name in (artifact.MODEL_FILE, artifact.META_FILE):  # an operator replaces the files in place, then signals
        shutil.copy(artifact.SHIPPED / name, folder / name)
    shipped = artifact.read_meta(artifact.SHIPPED)["model_version"]
    proc.send_signal(signal.SIGHUP)
    versions = _wait_for_version(base, pids, shipped)
    assert set(versions) == pids and set(versions.values()) == {shipped}


def test_metrics_add_up_every_worker(two_workers):
    base, _, _ = two_workers

    def classified() -> float:
        text = httpx.get(f"{base}/metrics", timeout=5).text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith('qunguard_requests_total{endpoint="/v1/classify"'))

    before = classified()
    group = _new_group()
    for i in range(20):
        _classify(base, group, f"u{i}", f"第{i}条消息")
    # a worker counts a request just after sending its response: give the last one a moment
    deadline = time.time() + 5
    while classified() - before < 20 and time.time() < deadline:
        time.sleep(0.1)
    assert classified() - before == 20


def test_a_killed_worker_is_replaced(two_workers):
    base, _, pids = two_workers
    victim = min(pids)
    os.kill(victim, signal.SIGKILL)
    deadline = time.time() + 60
    now: set[int] = set()
    while time.time() < deadline:
        try:
            now = set(_health_by_worker(base, 10))
        except httpx.TransportError:
            continue
        if len(now) == 2 and victim not in now:
            break
        time.sleep(0.5)
    assert len(now) == 2 and victim not in now
    pids.clear()
    pids.update(now)


@pytest.mark.parametrize("env,message", [
    ({"QUNGUARD_WORKERS": "2"}, "needs QUNGUARD_FLOOD_BACKEND=redis"),
    ({"QUNGUARD_WORKERS": "2", "QUNGUARD_FLOOD_BACKEND": "redis", "QUNGUARD_REDIS_URL": "redis://127.0.0.1:1/0"},
     "cannot be reached"),
])
def test_workers_without_shared_windows_refuse_to_start(tmp_path, env, message):
    res = subprocess.run([sys.executable, "-m", "qunguard.service.cli", "serve", "--port", str(free_port()), "--db", str(tmp_path / "q.db")],
                         env=_env(**env), capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == 2 and message in res.stderr
