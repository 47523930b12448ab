"""Shared fixtures: a small real model trained from data/, and the shipped model."""
from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import pytest

import train
from qunguard.model import artifact
from qunguard.model.dataset import read_jsonl_rows

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def small_model_dir(tmp_path_factory) -> Path:
    """A real training run on a seeded 4,000-row sample of data/train.jsonl.gz."""
    out = tmp_path_factory.mktemp("model")
    assert train.main(["--limit", "4000", "--out", str(out), "--max-features", "30000", "--version", "test"]) == 0
    return out


@pytest.fixture(scope="session")
def small_model(small_model_dir):
    return artifact.load(small_model_dir)[0]


@pytest.fixture(scope="session")
def shipped():
    return artifact.load(artifact.SHIPPED)


def read_gold() -> list[dict]:
    return read_jsonl_rows(ROOT / "data" / "gold" / "gold.jsonl.gz")


# --- the HTTP service ---------------------------------------------------------
TOKENS = {"bot": "bot-token-123", "moderator": "mod-token-123", "admin": "admin-token-123"}


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture(scope="session")
def loaded_model(small_model_dir):
    from qunguard.service.engine import LoadedModel

    return LoadedModel(*artifact.load(small_model_dir))


@pytest.fixture
def make_client(tmp_path, loaded_model, small_model_dir):
    """A factory: real app, real SQLite file in tmp_path, real HTTP client (TestClient)."""
    from fastapi.testclient import TestClient

    from qunguard.service.app import create_app
    from qunguard.service.config import Settings
    from qunguard.service.engine import Moderator
    from qunguard.service.flood import InMemoryFloodTracker
    from qunguard.service.store import Store

    clients = []

    def make(tracker=None, **overrides):
        """`tracker`: the flood windows (default: in memory); `overrides`: Settings fields."""
        tokens = ",".join(f"{role}:{tok}" for role, tok in TOKENS.items())
        overrides.setdefault("model_dir", small_model_dir)  # what SIGHUP reloads
        settings = Settings(tokens=tokens, db_path=tmp_path / "qunguard.db", **overrides)
        moderator = Moderator(loaded_model, Store(settings.db_path), tracker or InMemoryFloodTracker())
        client = TestClient(create_app(settings, moderator))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(make_client):
    return make_client()


# --- Redis (the service's shared flood windows) ---------------------------------------------
# a database of its own (never db 0, where a real service keeps its windows), and every test
# removes the keys it wrote
REDIS_URL = os.environ.get("QUNGUARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def delete_redis_keys(pattern: str) -> None:
    """Remove the test keys matching `pattern` from the test database."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@contextlib.contextmanager
def redis_tracker(prefix: str | None = None):
    """A RedisFloodTracker on the machine's Redis, its keys under a prefix of its own, removed after."""
    from qunguard.service.flood_redis import RedisFloodTracker

    tr = RedisFloodTracker(REDIS_URL, prefix=prefix or f"qgtest:{uuid.uuid4().hex}:")
    tr.ping()  # no Redis is a failed test, never a skipped one
    try:
        yield tr
    finally:
        delete_redis_keys(tr.prefix + "*")
