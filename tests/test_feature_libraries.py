"""A model trained with other versions of the libraries that define features is flagged at load and in /healthz."""
import json
import logging
import shutil

from qunguard.model import artifact
from qunguard.service.schemas import HealthOut
from tests.conftest import auth


def with_recorded(folder, tmp_path, **versions):
    """A copy of a model folder whose meta.json says it was trained with `versions`."""
    copy = tmp_path / "model"
    shutil.copytree(folder, copy)
    meta = json.loads((copy / artifact.META_FILE).read_text(encoding="utf-8"))
    meta["libraries"].update(versions)
    (copy / artifact.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    return copy


def test_the_same_versions_match():
    assert artifact.feature_library_mismatches({"libraries": artifact.library_versions()}) == {}


def test_a_different_version_is_a_mismatch_with_both_versions():
    recorded = {**artifact.library_versions(), "opencc": "0.0.1", "scikit-learn": "0.1"}
    assert artifact.feature_library_mismatches({"libraries": recorded}) == {
        "opencc": ["0.0.1", artifact.installed_version("opencc")]}  # scikit-learn defines no feature


def test_a_library_not_recorded_is_not_compared():
    assert artifact.feature_library_mismatches({"libraries": {"python": "3.11.7"}}) == {}


def test_every_feature_library_is_recorded_at_save():
    assert set(artifact.FEATURE_LIBRARIES) <= set(artifact.library_versions())


def test_load_warns_on_a_mismatch(small_model_dir, tmp_path, caplog):
    folder = with_recorded(small_model_dir, tmp_path, pypinyin="0.1.0")
    with caplog.at_level(logging.WARNING, logger="qunguard"):
        artifact.load(folder)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("pypinyin 0.1.0" in m and artifact.installed_version("pypinyin") in m for m in warned), warned


def test_load_is_quiet_when_the_versions_match(small_model_dir, caplog):
    with caplog.at_level(logging.WARNING, logger="qunguard"):
        artifact.load(small_model_dir)
    assert not [r for r in caplog.records if "trained with" in r.getMessage()]


def test_healthz_says_match_then_names_the_mismatch(client, small_model_dir, tmp_path):
    health = client.get("/healthz").json()
    assert health["feature_libraries"] == "match"
    HealthOut.model_validate(health)
    folder = with_recorded(small_model_dir, tmp_path, opencc="0.0.1", emoji="1.0")
    assert client.post("/v1/model/reload", json={"path": str(folder)}, headers=auth("admin")).status_code == 200
    health = client.get("/healthz").json()
    assert health["feature_libraries"] == {"mismatch": {
        "opencc": ["0.0.1", artifact.installed_version("opencc")],
        "emoji": ["1.0", artifact.installed_version("emoji")]}}
    assert health["status"] == "ok"  # the model serves; the flag is for the operator
    HealthOut.model_validate(health)


def pinned() -> dict[str, str]:
    """constraints.txt as canonical name -> version."""
    from packaging.utils import canonicalize_name

    root = artifact.SHIPPED.parents[1]
    lines = (root / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("==") for line in lines if line.strip() and not line.startswith("#")]
    return {canonicalize_name(name): version for name, version in pairs}


def test_constraints_pin_the_feature_libraries_the_shipped_model_was_trained_with():
    from packaging.utils import canonicalize_name

    recorded = artifact.read_meta(artifact.SHIPPED)["libraries"]
    assert {name: pinned().get(canonicalize_name(name)) for name in artifact.FEATURE_LIBRARIES} == \
        {name: recorded[name] for name in artifact.FEATURE_LIBRARIES}


def test_constraints_pin_every_package_pyproject_names():
    import tomllib
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((artifact.SHIPPED.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    named = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    unpinned = [r.name for r in named if canonicalize_name(r.name) not in pinned()]
    assert unpinned == []
    wrong = [f"{r.name}=={pinned()[canonicalize_name(r.name)]}" for r in named
             if pinned()[canonicalize_name(r.name)] not in r.specifier]
    assert wrong == []  # a pin pyproject.toml itself refuses
