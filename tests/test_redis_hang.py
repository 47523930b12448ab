"""A hung Redis (SIGSTOP: connections open, nothing answers) must not stall the service.

The hang is made on a private redis-server started here, never on the machine's shared one.
The first batch pays one socket timeout (0.5 s); then the circuit breaker is open and every
batch goes on from the text alone at once, saying so; a background probe closes the breaker
once Redis answers again.
"""
import os
import signal
import subprocess
import threading
import time
import uuid
from itertools import pairwise

import pytest
import redis

from qunguard.service.flood_redis import CircuitBreaker, RedisFloodTracker
from tests.conftest import auth
from tests.test_queue_durability import free_port

CONTEXT_UNAVAILABLE = "context_unavailable"


@pytest.fixture
def private_redis():
    """A redis-server of this test's own (no persistence), on a free port; killed at teardown."""
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/15"
    probe = redis.Redis.from_url(url, socket_timeout=0.5)
    deadline = time.time() + 10
    while True:
        try:
            probe.ping()
            break
        except redis.ConnectionError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("private redis-server did not start") from None
            time.sleep(0.05)
    probe.close()
    yield proc, url
    proc.kill()  # stopped or not
    proc.wait(timeout=10)


@pytest.fixture
def service_on(make_client):
    """A factory: the real app with its flood windows in the given tracker."""
    return lambda tracker: make_client(tracker, flood_backend="redis")


def post_batch(client, group, user, texts):
    """POST a batch; its verdicts and how long it took."""
    msgs = [{"group_id": group, "user_id": user, "text": t} for t in texts]
    t0 = time.perf_counter()
    res = client.post("/v1/classify/batch", json={"messages": msgs}, headers=auth("bot"))
    elapsed = time.perf_counter() - t0
    assert res.status_code == 200, res.text
    return res.json()["verdicts"], elapsed


def reason_names(verdict):
    return [r["name"] for r in verdict["reasons"]]


@pytest.mark.slow
def test_a_hung_redis_costs_one_timeout_then_verdicts_go_on_at_once(private_redis, service_on):
    proc, url = private_redis
    tracker = RedisFloodTracker(url, prefix=f"qgtest:{uuid.uuid4().hex}:", first_backoff_s=0.2, max_backoff_s=1.0)
    client = service_on(tracker)
    group = f"g-{uuid.uuid4().hex[:8]}"
    try:
        verdicts, _ = post_batch(client, group, "warm", ["今晚八点开会"])  # connection and script in place
        assert CONTEXT_UNAVAILABLE not in reason_names(verdicts[0])

        os.kill(proc.pid, signal.SIGSTOP)
        # (a) the first batch waits one socket timeout, then goes on from the text alone
        verdicts, elapsed = post_batch(client, group, "u1", ["有没有人一起打游戏", "今晚八点开会"])
        assert elapsed < 0.6 + 0.3, f"first batch took {elapsed:.3f} s"  # 0.5 s timeout, slack for 2 shared cores
        assert all(CONTEXT_UNAVAILABLE in reason_names(v) for v in verdicts)
        detail = [r["detail"] for r in verdicts[0]["reasons"] if r["name"] == CONTEXT_UNAVAILABLE]
        assert detail == ["flood windows unreachable; verdict from the text alone"]
        assert tracker.available is False

        # (b) while the breaker is open, no batch touches the network
        for i in range(10):
            verdicts, elapsed = post_batch(client, group, "u1", [f"第{i}条消息"] * 3)
            assert elapsed < 0.020, f"batch {i} during the hang took {elapsed * 1000:.1f} ms"
            assert all(CONTEXT_UNAVAILABLE in reason_names(v) for v in verdicts)

        # (c) /healthz answers at once, from the breaker's state
        t0 = time.perf_counter()
        health = client.get("/healthz")
        assert time.perf_counter() - t0 < 0.050
        assert health.status_code == 200
        assert health.json()["flood_windows"] == "unavailable" and health.json()["status"] == "degraded"

        # (d) once Redis answers again, the background probe closes the breaker and signals come back
        os.kill(proc.pid, signal.SIGCONT)
        deadline = time.time() + 5
        while not tracker.available and time.time() < deadline:
            time.sleep(0.05)
        assert tracker.available, "the probe should close the breaker once Redis answers"
        assert client.get("/healthz").json()["flood_windows"] == "ok"
        verdicts, _ = post_batch(client, group, "u2", ["有没有人一起打游戏"] * 3)
        assert all(CONTEXT_UNAVAILABLE not in reason_names(v) for v in verdicts)
        assert "repeat" in reason_names(verdicts[-1])
    finally:
        tracker.close()


@pytest.mark.slow
def test_metrics_do_not_wait_on_a_hung_redis(private_redis, service_on):
    proc, url = private_redis
    tracker = RedisFloodTracker(url, prefix=f"qgtest:{uuid.uuid4().hex}:")
    client = service_on(tracker)
    try:
        os.kill(proc.pid, signal.SIGSTOP)
        post_batch(client, "g", "u", ["今晚八点开会"])  # opens the breaker
        t0 = time.perf_counter()
        assert client.get("/metrics").status_code == 200
        assert time.perf_counter() - t0 < 0.2
    finally:
        tracker.close()


def test_the_probe_backs_off_doubling_up_to_the_cap_and_closes_on_an_answer():
    calls: list[float] = []
    answered = threading.Event()

    def probe():
        calls.append(time.monotonic())
        if len(calls) < 5:
            raise ConnectionError("no answer")
        answered.set()

    breaker = CircuitBreaker(probe, first_backoff_s=0.05, max_backoff_s=0.2)
    t0 = time.monotonic()
    assert breaker.trip() is True and breaker.closed is False
    assert breaker.trip() is False  # already open: one prober at a time
    assert answered.wait(5)
    time.sleep(0.02)
    assert breaker.closed is True
    gaps = [b - a for a, b in pairwise([t0, *calls])]
    # 0.05, 0.1, 0.2, then capped at 0.2
    for gap, want in zip(gaps, [0.05, 0.1, 0.2, 0.2, 0.2], strict=False):  # the first five gaps
        assert want <= gap < want + 0.15, gaps
    breaker.stop()
