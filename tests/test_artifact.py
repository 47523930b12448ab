"""Model artifact: round trip, and one clear error for every kind of bad file."""
import json
import shutil

import numpy as np
import pytest

from qunguard.model import artifact
from qunguard.model.errors import ModelArtifactError

MESSAGES = ["加我微信 Was4872 领取优惠券", "今天天气不错", "哈哈哈哈哈哈哈哈哈", "帮我砍一刀谢谢"]


@pytest.fixture
def model_copy(small_model_dir, tmp_path):
    dst = tmp_path / "m"
    shutil.copytree(small_model_dir, dst)
    return dst


def test_round_trip_gives_the_same_scores(small_model, model_copy):
    loaded, meta = artifact.load(model_copy)
    assert np.allclose(loaded.predict_proba(MESSAGES), small_model.predict_proba(MESSAGES))
    assert meta["labels"] == ["on_topic", "spam", "advertising", "flooding"]
    assert meta["libraries"]["scikit-learn"]
    assert set(meta["metrics"]) >= {"random_split", "gold"}
    assert len(meta["training_data_sha256"]["train.jsonl.gz"]) == 64


def test_flipped_byte_is_caught_by_the_hash(model_copy):
    path = model_copy / artifact.MODEL_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelArtifactError, match="sha256"):
        artifact.load(model_copy)


def test_garbage_with_a_matching_hash_fails_to_load_cleanly(model_copy):
    path = model_copy / artifact.MODEL_FILE
    path.write_bytes(b"not a joblib file at all")
    meta = json.loads((model_copy / artifact.META_FILE).read_text())
    meta["model_sha256"] = artifact._sha256(path)
    (model_copy / artifact.META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelArtifactError, match="could not be loaded"):
        artifact.load(model_copy)


def test_missing_model_file(model_copy):
    (model_copy / artifact.MODEL_FILE).unlink()
    with pytest.raises(ModelArtifactError, match="missing"):
        artifact.load(model_copy)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda m: m.update(labels=["ham", "spam"]), "labels"),
        (lambda m: m.update(format_version=99), "format"),
        (lambda m: m.pop("model_sha256"), "lacks model_sha256"),
    ],
    ids=["labels", "format-version", "no-hash"],
)
def test_metadata_mismatch(model_copy, edit, message):
    meta = json.loads((model_copy / artifact.META_FILE).read_text())
    edit(meta)
    (model_copy / artifact.META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelArtifactError, match=message):
        artifact.load(model_copy)


def test_unreadable_metadata(model_copy):
    (model_copy / artifact.META_FILE).write_text("{truncated")
    with pytest.raises(ModelArtifactError, match="not valid JSON"):
        artifact.load(model_copy)


def test_not_a_model_folder(tmp_path):
    with pytest.raises(ModelArtifactError, match="not a QunGuard model folder"):
        artifact.load(tmp_path)
