"""train.py never overwrites the shipped model unless asked, says how to load what it wrote,
and records its wall time and peak memory."""
import json

import pytest

import train
from qunguard.model import artifact

pytestmark = pytest.mark.slow  # every test runs training

SMALL = ["--limit", "1500", "--max-features", "10000"]


def test_default_run_writes_a_new_version_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QUNGUARD_REGISTRY_DIR", str(tmp_path))  # the registry: its versions/ get the run
    saved = []  # every folder the run saves a model into (the shipped one may be retrained meanwhile: not watched)
    save = artifact.save
    monkeypatch.setattr(artifact, "save", lambda clf, folder, meta: saved.append(folder) or save(clf, folder, meta))
    assert train.main([*SMALL, "--version", "v-test"]) == 0
    folder = tmp_path / "versions" / "v-test"
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["model_version"] == "v-test" and (folder / "report.md").exists()
    assert meta["train_seconds"] > 0 and meta["peak_rss_mb"] > 50
    out = capsys.readouterr()
    assert f"QUNGUARD_MODEL_DIR={folder.resolve()}" in out.out and "/v1/model/reload" in out.out
    for step in ("normalise", "features", "fit", "calibration", "evaluate"):
        assert step in out.err, step  # a progress line for every long step
    assert saved == [folder]  # and nowhere else: not model/shipped
    assert "not promoted" in out.out and not (tmp_path / "champion.json").exists()  # no gate without exports

    # the same version again is refused before any training, and the folder is kept
    assert train.main([*SMALL, "--version", "v-test"]) == 2
    assert "--version" in capsys.readouterr().err
    assert json.loads((folder / "meta.json").read_text())["trained_at"] == meta["trained_at"]


def test_out_overwrites_on_purpose(tmp_path):
    out = tmp_path / "m"
    assert train.main([*SMALL, "--version", "a", "--out", str(out)]) == 0
    assert train.main([*SMALL, "--version", "b", "--out", str(out)]) == 0
    assert json.loads((out / "meta.json").read_text())["model_version"] == "b"
