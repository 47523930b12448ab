"""Drift state shared by workers (Redis), and kept across a restart (one process, SQLite)."""
import time
import uuid
from collections import deque

import pytest

from qunguard.model.normalize import normalize
from qunguard.model.topic_profile import DriftDetector
from qunguard.service.drift_redis import RedisDrift
from qunguard.service.engine import Message, Moderator
from qunguard.service.flood import repeat_key
from qunguard.service.flood_redis import RedisFloodTracker
from qunguard.service.store import Store
from tests.conftest import REDIS_URL, delete_redis_keys, redis_tracker
from tests.test_topic_api import OFF_TALK, PHOTO_EXAMPLES, PHOTO_TALK, batch, examples, get, legit

WARMUP = 10  # alerts armed after ~10 messages (by default ~150)


def _expected_state(verdicts: list[tuple[dict, float, str]], baseline: float | None) -> dict:
    """One detector fed every legitimate message of the group, in order, a repeat of one of the 20
    before it as no evidence: what a single process would hold."""
    detector = DriftDetector(warmup=WARMUP)
    state = detector.new_state(baseline)
    recent: deque[str | None] = deque(maxlen=20)
    for v, ts, text in verdicts:
        if legit(v):
            key = repeat_key(normalize(text))
            detector.update(state, v["topic_score"], v["topic_confidence"], ts, repeat=key is not None and key in recent)
            recent.append(key)
    return state


def test_two_workers_update_one_drift_state_in_redis(tmp_path, loaded_model):
    prefix = f"qgtest:{uuid.uuid4().hex}:"
    with redis_tracker(prefix) as ta, redis_tracker(prefix) as tb:
        db = tmp_path / "shared.db"
        a, b = Moderator(loaded_model, Store(db), ta), Moderator(loaded_model, Store(db), tb)
        for m in (a, b):
            m.share_with_workers()
            m.topics.configure(learn_messages=80, history_s=600, flush_s=60, drift_warmup=WARMUP)
        assert isinstance(a.topics.drift, RedisDrift) and isinstance(b.topics.drift, RedisDrift)
        a.topics.set_examples("photo", a.group("photo"), PHOTO_EXAMPLES)

        t0 = time.time() - 3 * 3600
        texts = PHOTO_TALK * 2 + OFF_TALK * 2  # with repeats (the second PHOTO_TALK) and without (OFF_TALK is 30)
        msgs = [Message("photo", f"u{i}", t, str(i), t0 + 30 * i) for i, t in enumerate(texts)]
        seen = []
        for k in range(0, len(msgs), 3):  # the workers take turns, three messages a batch
            worker = (a, b)[(k // 3) % 2]
            chunk = msgs[k:k + 3]
            seen += zip(worker.classify(chunk), [m.ts for m in chunk], [m.text for m in chunk], strict=True)
        assert all(v["topic_score"] is not None for v, _, _ in seen)  # b read the profile a made

        profile = a.topics.fresh("photo", a.group("photo")).profile
        expected = _expected_state(seen, None if profile.low_confidence else profile.baseline)
        for worker in (a, b):
            state, recent = worker.topics.drift.current("photo")
            assert state is not None
            assert state["s"] == pytest.approx(expected)  # every update counted once: none lost to the other worker
            assert state["a"] is True and 0.5 < state["d"] <= 1
            assert 0 < len(recent) <= 50
        drift_a = a.topics.drift_now("photo", a.topics.fresh("photo", a.group("photo")))
        drift_b = b.topics.drift_now("photo", b.topics.fresh("photo", b.group("photo")))
        assert drift_a == drift_b and drift_a[1] is True and drift_a[2]
        # one worker wrote each history point: the one whose write landed
        a.topics.activity.flush()
        b.topics.activity.flush()
        points = a.store.drift_history("photo", 0)
        assert len({p["ts"] for p in points}) == len(points) >= 2
        for m in (a, b):
            m.topics.close()


def test_with_redis_gone_verdicts_keep_their_topic_score_and_drift_says_503(make_client):
    tracker = RedisFloodTracker(REDIS_URL, prefix=f"qgtest:{uuid.uuid4().hex}:", first_backoff_s=60)
    try:
        c = make_client(tracker=tracker)
        assert examples(c, "photo", PHOTO_EXAMPLES).status_code == 200
        before = batch(c, PHOTO_TALK[:3], group="photo", t0=time.time() - 60)
        assert get(c, "/v1/groups/photo/drift").status_code == 200
        tracker.breaker.trip()  # as after a Redis failure: open, probing only in 60 s
        during = batch(c, PHOTO_TALK[3:6], group="photo", t0=time.time() - 30)
        for v in before + during:
            assert v["topic_score"] is not None and v["topic_confidence"] is not None
        assert all(any(r["name"] == "context_unavailable" for r in v["reasons"]) for v in during)
        res = get(c, "/v1/groups/photo/drift")
        assert res.status_code == 503 and res.json()["error"]["code"] == "drift_unavailable"
        assert get(c, "/v1/groups/photo/report", role="admin").status_code == 200  # SQLite only
    finally:
        tracker.close()
        delete_redis_keys(tracker.prefix + "*")


def test_one_process_keeps_its_drift_state_across_a_restart(make_client):
    c = make_client(drift_warmup=WARMUP)
    assert examples(c, "photo", PHOTO_EXAMPLES).status_code == 200
    batch(c, PHOTO_TALK + OFF_TALK, group="photo", t0=time.time() - 3600, step=20)
    before = get(c, "/v1/groups/photo/drift").json()
    assert before["drift"] > 0
    c2 = make_client(drift_warmup=WARMUP)  # a new process on the same SQLite file
    after = get(c2, "/v1/groups/photo/drift", role="bot").json()
    # the drivers' window of recent texts lives in memory only: it fills again with the next messages
    assert after == {**before, "drivers": []}
    batch(c2, OFF_TALK, group="photo", t0=time.time() - 60)
    assert get(c2, "/v1/groups/photo/drift").json()["drivers"]
