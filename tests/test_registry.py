"""The model registry: versions, the champion pointer, `qunguard model list|promote|rollback`, and a
running service that takes a new champion with no restart."""
import json
import shutil
import time

import pytest

from qunguard.model import artifact
from qunguard.model.errors import ModelArtifactError
from qunguard.model.registry import Registry, RegistryError
from qunguard.service import cli
from qunguard.service.store import Store
from tests.conftest import TOKENS, auth


def add_version(registry: Registry, source, name: str, **meta_fields) -> None:
    """A copy of a real model folder as version `name` (the same arrays under another version name:
    these tests are about which folder serves, not about what the model says)."""
    folder = registry.folder(name)
    shutil.copytree(source, folder)
    meta = json.loads((folder / artifact.META_FILE).read_text())
    meta.update(model_version=name, **meta_fields)
    (folder / artifact.META_FILE).write_text(json.dumps(meta))


@pytest.fixture
def registry(tmp_path, small_model_dir):
    reg = Registry(tmp_path / "models")
    add_version(reg, small_model_dir, "v1", trained_at="2026-01-01T00:00:00Z")
    add_version(reg, small_model_dir, "v2", trained_at="2026-01-02T00:00:00Z")
    return reg


def model(*argv) -> int:
    return cli.main(["model", *map(str, argv)])


# --- the pointer ----------------------------------------------------------------------------
def test_promote_and_rollback_keep_the_previous_champions(registry):
    assert registry.champion() is None and registry.champion_dir() is None
    assert registry.promote("v1") is None
    assert registry.promote("v2") == "v1"
    assert registry.state()["previous"] == ["v1"] and registry.champion_dir() == registry.folder("v2")
    assert registry.rollback() == ("v2", "v1")
    assert registry.rollback() == ("v1", None)  # back to no champion: the service serves QUNGUARD_MODEL_DIR
    with pytest.raises(RegistryError, match="no champion to roll back from"):
        registry.rollback()
    history = registry.state()["history"]
    assert [(h["action"], h["version"], h["replaced"]) for h in history] == [
        ("promote", "v1", None), ("promote", "v2", "v1"), ("rollback", "v1", "v2"), ("rollback", None, "v1")]
    assert not list(registry.root.glob("*.tmp")) and not list(registry.root.glob(".*.tmp"))  # replaced, not left half-written


def test_a_version_refused_by_the_gate_needs_force(registry):
    meta = json.loads((registry.folder("v2") / artifact.META_FILE).read_text())
    meta["gate"] = {"passed": False, "current_version": "v1", "failures": ["gold/advertising: F1 0.80 -> 0.60 (-0.200)"]}
    (registry.folder("v2") / artifact.META_FILE).write_text(json.dumps(meta))
    with pytest.raises(RegistryError, match=r"refused by the gate against v1 \(gold/advertising.*--force"):
        registry.promote("v2")
    assert registry.champion() is None
    registry.promote("v2", force=True)
    assert registry.champion() == "v2" and registry.state()["history"][-1]["forced"] is True


def test_a_damaged_version_is_never_promoted(registry):
    (registry.folder("v2") / artifact.MODEL_FILE).write_bytes(b"garbage")
    with pytest.raises(RegistryError, match="sha256"):
        registry.promote("v2", force=True)
    with pytest.raises(RegistryError, match="cannot name a registry folder"):
        registry.promote("../v1")
    assert registry.champion() is None


def test_a_pointer_to_a_missing_version_is_refused_not_ignored(registry):
    registry.promote("v1")
    shutil.rmtree(registry.folder("v1"))
    with pytest.raises(RegistryError, match="champion v1"):
        registry.champion_dir()
    assert issubclass(RegistryError, ModelArtifactError)  # so `qunguard serve` refuses to start with this line


# --- the command --------------------------------------------------------------------------------
def test_list_promote_rollback_from_the_command_line(registry, tmp_path, capsys):
    db = tmp_path / "q.db"
    Store(db).close()  # a service's store: promote and rollback tell it
    assert model("list", "--registry", registry.root, "--db", db) == 0
    out = capsys.readouterr().out
    assert "v1" in out and "v2" in out and "no champion" in out and "*" not in out
    assert model("promote", "v1", "--registry", registry.root, "--db", db) == 0
    assert "told the services" in capsys.readouterr().out
    assert Store(db).revisions()["model"] == (1, str(registry.folder("v1").resolve()))
    assert model("promote", "v2", "--registry", registry.root, "--db", db) == 0
    capsys.readouterr()
    assert model("list", "--registry", registry.root, "--db", db) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[1] for ln in lines if ln.startswith("*")] == ["v2"]  # the champion is marked
    assert "rollback would restore v1" in lines[-1]
    assert model("list", "--json", "--registry", registry.root) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["champion"] == "v2" and [v["version"] for v in listed["versions"]] == ["v1", "v2"]

    assert model("rollback", "--registry", registry.root, "--db", db) == 0
    assert "champion: v1 (was v2)" in capsys.readouterr().out
    assert Store(db).revisions()["model"] == (3, str(registry.folder("v1").resolve()))
    assert model("promote", "v9", "--registry", registry.root, "--db", db) == 1
    assert "no version v9" in capsys.readouterr().err
    assert registry.champion() == "v1"


# --- a running service ---------------------------------------------------------------------------
def _client(tmp_path, small_model_dir, registry):
    """A real app built as `qunguard serve` builds it (build_moderator), one worker."""
    from fastapi.testclient import TestClient

    from qunguard.service.app import create_app
    from qunguard.service.config import Settings

    settings = Settings(tokens=",".join(f"{r}:{t}" for r, t in TOKENS.items()), db_path=tmp_path / "q.db",
                        registry_dir=registry.root, model_dir=small_model_dir)
    return TestClient(create_app(settings))


def _version_served(client) -> str:
    res = client.post("/v1/classify", json={"group_id": "g1", "user_id": "u1", "text": "今天开会吗"}, headers=auth("bot"))
    assert res.status_code == 200, res.text
    return res.json()["model_version"]


def _wait_for_version(client, version: str, timeout: float = 20.0) -> float:
    """Seconds until verdicts name `version`; every request meanwhile must be answered (no downtime)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if _version_served(client) == version:
            return time.monotonic() - t0
        time.sleep(0.05)
    raise AssertionError(f"verdicts still name {_version_served(client)}, not {version}, after {timeout} s")


def test_a_running_service_takes_the_new_champion_without_restart(tmp_path, small_model_dir, registry, monkeypatch):
    monkeypatch.setenv("QUNGUARD_MODEL_DIR", str(small_model_dir))  # the command reads the service's settings
    with _client(tmp_path, small_model_dir, registry) as client:
        assert _version_served(client) == "test"  # no champion yet: QUNGUARD_MODEL_DIR
        assert model("promote", "v2", "--registry", registry.root, "--db", tmp_path / "q.db") == 0
        assert _wait_for_version(client, "v2") < 5.0  # followed within a second, loaded in the background
        assert client.get("/healthz").json()["model_version"] == "v2"
        assert model("rollback", "--registry", registry.root, "--db", tmp_path / "q.db") == 0
        _wait_for_version(client, "test")  # no champion before v2: back to QUNGUARD_MODEL_DIR

    registry.promote("v1")
    with _client(tmp_path, small_model_dir, registry) as client:  # a service started later serves the champion
        assert _version_served(client) == "v1"
        registry.promote("v2")  # the pointer moved without telling the store: a reload without a path takes it
        res = client.post("/v1/model/reload", headers=auth("admin"))
        assert res.status_code == 200 and res.json()["model_version"] == "v2"
        assert _version_served(client) == "v2"


def test_a_service_refuses_to_start_on_a_broken_pointer(tmp_path, small_model_dir, registry):
    registry.root.mkdir(parents=True, exist_ok=True)
    registry.pointer.write_text("{not json")
    with pytest.raises(ModelArtifactError, match="champion.json cannot be read"):
        _client(tmp_path, small_model_dir, registry)
