"""The workers' pre-flight (service/workers.py), in process: what `qunguard serve --workers N` checks and
sets up once before any worker starts. tests/test_workers.py runs the real command end to end."""
import os
import socket
from pathlib import Path

import pytest

from qunguard.model import artifact
from qunguard.service.config import Settings
from qunguard.service.store import Store
from qunguard.service.workers import PreflightError, preflight
from tests.conftest import REDIS_URL, TOKENS
from tests.test_queue_durability import free_port

UNREACHABLE = "redis://127.0.0.1:1/0"


@pytest.fixture
def env(monkeypatch):
    """os.environ as a copy: whatever preflight writes there is gone after the test."""
    copy = dict(os.environ)
    monkeypatch.setattr(os, "environ", copy)
    return copy


def _settings(tmp_path, **kw) -> Settings:
    kw = {"tokens": ",".join(f"{r}:{t}" for r, t in TOKENS.items()), "db_path": tmp_path / "q.db",
          "workers": 2, "flood_backend": "redis", "redis_url": REDIS_URL, "port": free_port(), **kw}
    return Settings(**kw)


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1.0).ping())
    except redis.RedisError:
        return False


def _assert_nothing_written(env: dict, before: dict, db: Path) -> None:
    assert env == before, "a failed pre-flight leaves the environment as it was"
    if db.exists():
        assert Store(db).revisions()["model"] == (0, None)


def test_a_bad_model_is_refused_before_anything_else(tmp_path, env):
    before = dict(env)
    settings = _settings(tmp_path, model_dir=tmp_path / "no-such-model", redis_url=UNREACHABLE)
    with pytest.raises(PreflightError) as exc:
        preflight(settings, {"workers": 2})
    assert "no-such-model" in str(exc.value) and "redis" not in str(exc.value).lower()
    assert "\n" not in str(exc.value)
    _assert_nothing_written(env, before, settings.db_path)


def test_unreachable_redis_is_refused_in_one_line(tmp_path, env):
    before = dict(env)
    settings = _settings(tmp_path, redis_url=UNREACHABLE)
    with pytest.raises(PreflightError) as exc:
        preflight(settings, {"workers": 2})
    message = str(exc.value)
    assert message.startswith(f"QUNGUARD_REDIS_URL={UNREACHABLE} cannot be reached (")
    assert message.endswith("the workers share their flood windows there") and "\n" not in message
    _assert_nothing_written(env, before, settings.db_path)


@pytest.mark.skipif(not _redis_up(), reason=f"no Redis at {REDIS_URL}")
def test_a_busy_port_is_refused(tmp_path, env):
    before = dict(env)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        settings = _settings(tmp_path, port=port)
        with pytest.raises(PreflightError, match=rf"^cannot listen on 127\.0\.0\.1:{port}: "):
            preflight(settings, {"port": port, "workers": 2})
    assert env == before


@pytest.mark.skipif(not _redis_up(), reason=f"no Redis at {REDIS_URL}")
def test_a_passed_preflight_announces_the_model_and_hands_the_settings_to_the_workers(tmp_path, env):
    settings = _settings(tmp_path)
    overrides = {"port": settings.port, "db_path": settings.db_path, "workers": 2}
    ready = preflight(settings, overrides)
    assert ready.model_version == artifact.read_meta(artifact.SHIPPED)["model_version"]
    assert Store(settings.db_path).revisions()["model"] == (ready.model_revision, str(artifact.SHIPPED))
    assert ready.model_revision == 1
    assert env["QUNGUARD_PORT"] == str(settings.port) and env["QUNGUARD_DB_PATH"] == str(settings.db_path)
    assert env["QUNGUARD_WORKERS"] == "2"
    assert env["PROMETHEUS_MULTIPROC_DIR"] == ready.metrics_dir and Path(ready.metrics_dir).is_dir()
    assert not any(Path(ready.metrics_dir).iterdir()), "every run starts with fresh metrics files"
    os.rmdir(ready.metrics_dir)
    # a second run over the same store bumps again: workers already serving notice and follow
    again = preflight(settings, overrides)
    assert again.model_revision == 2
    os.rmdir(again.metrics_dir)
