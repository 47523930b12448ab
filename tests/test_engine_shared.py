"""Two engines on one SQLite file, as two workers are: each follows what the other changes."""
import logging
import shutil
import threading
import time

import pytest

from qunguard.model import artifact
from qunguard.service.engine import Message, Moderator
from qunguard.service.flood import InMemoryFloodTracker
from qunguard.service.groups import GroupSettings
from qunguard.service.store import Store


@pytest.fixture
def two_engines(tmp_path, loaded_model):
    db = tmp_path / "shared.db"
    a = Moderator(loaded_model, Store(db), InMemoryFloodTracker())
    b = Moderator(loaded_model, Store(db), InMemoryFloodTracker())
    for m in (a, b):
        m.share_with_workers()
    return a, b


def _verdict(m, text, group="g1", user="u1"):
    return m.classify([Message(group, user, text)])[0]


def test_a_group_changed_by_one_is_read_again_by_the_other(two_engines):
    a, b = two_engines
    assert _verdict(b, "作业写完了吗")["action"] == "allow"  # b caches the defaults
    a.put_group("g1", GroupSettings(block_words=["作业"]))
    v = _verdict(b, "作业写完了吗", user="u2")
    assert v["action"] == "delete" and [r["detail"] for r in v["reasons"] if r["name"] == "block_word"]
    assert _verdict(a, "作业写完了吗", user="u3")["action"] == "delete"  # a's own cache was kept up to date


def test_a_reload_by_one_is_loaded_by_the_other(two_engines, tmp_path):
    a, b = two_engines
    a.reload(artifact.SHIPPED)
    assert a.model.version != "test" and b.model.version == "test"
    _verdict(b, "你好")  # b notices on its next batch and loads in the background, serving meanwhile
    deadline = time.time() + 30
    while b.model.version != a.model.version and time.time() < deadline:
        time.sleep(0.1)
    assert b.model.version == a.model.version and b.model_dir == artifact.SHIPPED


def _wait_for(condition, timeout=30.0):
    deadline = time.time() + timeout
    while not condition() and time.time() < deadline:
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("damage", ["garbage model file", "missing folder"])
def test_a_corrupt_reload_elsewhere_leaves_the_model_serving(two_engines, tmp_path, small_model_dir, caplog, damage):
    a, b = two_engines
    bad = tmp_path / "bad-model"
    if damage == "garbage model file":
        shutil.copytree(small_model_dir, bad)
        (bad / artifact.MODEL_FILE).write_bytes(b"garbage")
    rev = a.store.bump_revision("model", str(bad))  # as if announced by another worker, but unloadable here
    caplog.set_level(logging.ERROR, logger="qunguard")

    def refused() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == "qunguard" and r.levelno == logging.ERROR
                and str(bad) in r.getMessage() and "previous model keeps serving" in r.getMessage()]

    _verdict(b, "你好")  # b notices the new revision on this batch and tries to load it in the background
    assert b._model_rev == rev, "b should have read the announced revision"
    # the load was attempted and refused: its error line is the proof that something ran
    assert _wait_for(refused), "b never reported refusing the corrupt model"
    assert _wait_for(lambda: not any(t.name == "qunguard-follow-reload" and t.is_alive()
                                     for t in threading.enumerate()))
    assert len(refused()) == 1
    # and the old model still serves, from where it was
    assert b.model.version == "test" and b.model_dir is None
    assert _verdict(b, "你好", user="u9")["model_version"] == "test"
    assert len(refused()) == 1, "a refused revision is not tried again on every batch"


def test_an_engine_alone_reads_no_revisions(tmp_path, loaded_model, monkeypatch):
    m = Moderator(loaded_model, Store(tmp_path / "alone.db"), InMemoryFloodTracker())
    monkeypatch.setattr(m.store, "revisions", lambda: pytest.fail("a single worker has nobody to follow"))
    assert _verdict(m, "你好")["label"]


def test_workers_migrating_together_migrate_once(tmp_path):
    db = tmp_path / "m.db"
    barrier = threading.Barrier(4)
    stores, errors = [], []

    def open_store():
        barrier.wait()  # all four open the new file at once, as workers starting together do
        try:
            stores.append(Store(db))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(stores) == 4
    # every counter once, at 0 (later migrations add counters: review, topics)
    assert {"groups", "model"} <= set(stores[0].revisions())
    assert all(set(s.revisions().values()) == {(0, None)} for s in stores)
