"""The inference path on numpy alone: no scikit-learn or scipy, and the very numbers they give.

Scoring gathers each batch's weights with numpy instead of a scipy matrix product; these
tests hold it to the scikit-learn model it was fitted as, to the matrix product the
training path still uses, and to a model of the old format converted."""
import copy
import gzip
import json
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from qunguard.model import artifact
from qunguard.model.classifier import MessageClassifier
from qunguard.model.errors import ModelArtifactError
from qunguard.model.features import MessageFeaturizer
from qunguard.model.guide_rules import guide_rule
from qunguard.model.labels import LABELS
from qunguard.model.normalize import normalize
from qunguard.model.normalize import tables as normalize_tables
from qunguard.model.pinyin import build_table, read_table

ROOT = Path(__file__).resolve().parents[1]
# pydantic, emoji, opencc: ~0.15 s of a cold start together (the normaliser's tables come prebuilt)
HEAVY = ("sklearn", "scipy", "joblib", "fastapi", "uvicorn", "pydantic", "emoji", "opencc")


def _rows(name: str, per_label: int | None = None, limit: int | None = None) -> list[dict]:
    with gzip.open(ROOT / "data" / name, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    if per_label:
        rows = [r for label in LABELS for r in [r for r in rows if r["label"] == label][:per_label]]
    return rows[:limit] if limit else rows


@pytest.fixture(scope="module")
def fitted():
    """A featurizer and a scikit-learn LogisticRegression fitted on 400 real rows, 100 a label."""
    rows = _rows("train.jsonl.gz", per_label=100)
    norms = [normalize(r["text"]) for r in rows]
    featurizer = MessageFeaturizer(min_df=1).fit_normalized(norms)
    lr = LogisticRegression(C=4.0, max_iter=300).fit(featurizer.transform_normalized(norms), [r["label"] for r in rows])
    return featurizer, lr


@pytest.fixture(scope="module")
def probe():
    """300 held-out messages of every length, normalised; none that a guide rule lifts (the rules add to
    the logits after the product these tests compare: tests/test_guide_rules.py holds them)."""
    norms = [normalize(r["text"]) for r in _rows("test.jsonl.gz", limit=400)]
    return [n for n in norms if guide_rule(n) is None][:300]


def _sklearn_proba(lr: LogisticRegression, X, temperature: float = 1.0) -> np.ndarray:
    logits = lr.decision_function(X) / temperature
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return p[:, [list(lr.classes_).index(label) for label in LABELS]]


@pytest.mark.slow
def test_loading_and_classifying_import_neither_sklearn_nor_scipy(tmp_path):
    lines = tmp_path / "in.jsonl"
    lines.write_text(json.dumps({"text": "需要的加V Was4872，限时包邮"}, ensure_ascii=False) + "\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from qunguard.model import artifact\n"
        "clf, _ = artifact.load(artifact.SHIPPED)\n"
        "assert clf.classify('需要的加V Was4872，限时包邮').label != 'on_topic'\n"
        "from qunguard.service.cli import main\n"
        f"assert main(['classify', {str(lines)!r}, '-o', {str(tmp_path / 'out.jsonl')!r}]) == 0\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", f"imported on the inference path: {out.stdout.strip()}"


def test_runtime_scores_equal_the_sklearn_model(fitted, probe):
    featurizer, lr = fitted
    X = featurizer.transform_normalized(probe)
    for temperature in (1.0, 0.8):
        clf = MessageClassifier(featurizer, lr.coef_, lr.intercept_, lr.classes_, temperature)
        got = clf.score(probe).proba
        # scikit-learn fits float32 coefficients to float32 features and sums in float32: 1e-6 apart
        assert np.allclose(got, _sklearn_proba(lr, X, temperature), rtol=0, atol=1e-6)
        assert np.allclose(got.sum(axis=1), 1.0)


def test_runtime_scores_equal_the_matrix_product_to_the_bit(fitted, probe):
    # float32 weights, as fit() keeps them: the numpy gather adds in the order scipy's product does
    featurizer, lr = fitted
    clf = MessageClassifier(featurizer, lr.coef_.astype(np.float32), lr.intercept_, lr.classes_, 0.8)
    scored = clf.score(probe)
    assert np.array_equal(scored.proba, clf._proba(featurizer.transform_normalized(probe)))
    assert np.allclose(scored.proba, _sklearn_proba(lr, featurizer.transform_normalized(probe), 0.8), rtol=0, atol=1e-5)
    assert scored.labels == [LABELS[i] for i in scored.proba.argmax(axis=1)]


def test_saved_and_loaded_model_scores_the_same(fitted, probe, tmp_path):
    featurizer, lr = fitted
    clf = MessageClassifier(featurizer, lr.coef_.astype(np.float32), lr.intercept_, lr.classes_, 0.8)
    artifact.save(clf, tmp_path, {"model_version": "runtime-test"})
    loaded, meta = artifact.load(tmp_path)
    assert meta["format_version"] == artifact.FORMAT_VERSION and meta["model_version"] == "runtime-test"
    a, b = clf.score(probe), loaded.score(probe)
    assert np.array_equal(a.proba, b.proba) and a.text_flood == b.text_flood
    rows = list(range(len(probe)))
    assert clf.explain(a, rows) == loaded.explain(b, rows)


def test_a_model_of_format_1_converts_to_the_same_scores(fitted, probe, tmp_path):
    featurizer, lr = fitted
    lr = copy.deepcopy(lr)
    lr.coef_ = lr.coef_.astype(np.float32)  # as format 1 shipped it
    old = tmp_path / "old"
    old.mkdir()
    legacy = MessageClassifier.__new__(MessageClassifier)  # format 1's object: the LogisticRegression itself
    legacy.__dict__.update(featurizer=featurizer, model=lr, temperature=0.8, _order=None)
    joblib.dump(legacy, old / artifact.LEGACY_MODEL_FILE)
    meta = {"format_version": 1, "model_version": "v1", "labels": list(LABELS), "libraries": {"scikit-learn": "x"},
            "model_sha256": artifact._sha256(old / artifact.LEGACY_MODEL_FILE)}
    (old / artifact.META_FILE).write_text(json.dumps(meta))
    (old / "report.md").write_text("# report")
    with pytest.raises(ModelArtifactError, match="convert it once"):
        artifact.load(old)

    assert artifact.main(["convert", str(old), str(tmp_path / "new")]) == 0
    clf, new_meta = artifact.load(tmp_path / "new")
    assert new_meta["model_version"] == "v1" and new_meta["libraries"] == {"scikit-learn": "x"}
    assert new_meta["converted_from"]["model_sha256"] == meta["model_sha256"]
    assert (tmp_path / "new" / "report.md").read_text() == "# report"
    assert not (tmp_path / "new" / artifact.LEGACY_MODEL_FILE).exists()
    X = featurizer.transform_normalized(probe)
    # format 1's scoring, as it was written: the sparse product with the LogisticRegression's arrays
    logits = np.asarray(X @ lr.coef_.T + lr.intercept_, dtype=np.float64) / 0.8
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert np.array_equal(clf.score(probe).proba, p[:, [list(lr.classes_).index(label) for label in LABELS]])


def test_the_normaliser_tables_file_is_what_the_libraries_build():
    assert normalize_tables._read() is not None, "the file is missing or stale: python -m qunguard.model.normalize"
    assert normalize_tables._read() == normalize_tables.build_all(), \
        "a table's builder changed: rewrite the file, python -m qunguard.model.normalize"


def test_the_pinyin_table_file_is_pypinyins_table():
    assert read_table() == build_table(), "the installed pypinyin changed: rewrite the file, python -m qunguard.model.pinyin"


def test_a_model_of_format_1_pickled_under_the_old_module_names_converts(fitted, probe, tmp_path):
    """Format 1 was pickled when the code was the top-level package `model` (model.classifier.MessageClassifier):
    converting resolves those names to qunguard.model, and leaves no `model` module behind."""
    featurizer, lr = fitted
    old = tmp_path / "old"
    old.mkdir()
    legacy = MessageClassifier.__new__(MessageClassifier)
    legacy.__dict__.update(featurizer=featurizer, model=lr, temperature=0.8, _order=None)
    classes = {cls: cls.__module__ for cls in (MessageClassifier, MessageFeaturizer)}
    with artifact.legacy_module_names():  # pickle checks that the name it writes imports to the same class
        try:
            for cls, module in classes.items():
                cls.__module__ = module.removeprefix("qunguard.")
            joblib.dump(legacy, old / artifact.LEGACY_MODEL_FILE)
        finally:
            for cls, module in classes.items():
                cls.__module__ = module
    pickled = (old / artifact.LEGACY_MODEL_FILE).read_bytes()
    assert b"model.classifier" in pickled and b"qunguard.model.classifier" not in pickled
    meta = {"format_version": 1, "model_version": "v1", "labels": list(LABELS), "libraries": {},
            "model_sha256": artifact._sha256(old / artifact.LEGACY_MODEL_FILE)}
    (old / artifact.META_FILE).write_text(json.dumps(meta))
    assert "model" not in sys.modules

    assert artifact.main(["convert", str(old), str(tmp_path / "new")]) == 0
    assert "model" not in sys.modules and "model.classifier" not in sys.modules
    # the same model pickled under today's names converts to the same scores
    today = tmp_path / "today"
    today.mkdir()
    joblib.dump(legacy, today / artifact.LEGACY_MODEL_FILE)
    (today / artifact.META_FILE).write_text(json.dumps({**meta, "model_sha256": artifact._sha256(today / artifact.LEGACY_MODEL_FILE)}))
    assert artifact.main(["convert", str(today), str(tmp_path / "today_new")]) == 0
    clf, _ = artifact.load(tmp_path / "new")
    assert np.array_equal(clf.score(probe).proba, artifact.load(tmp_path / "today_new")[0].score(probe).proba)


def test_a_stale_or_missing_tables_file_means_the_tables_are_built(tmp_path, monkeypatch):
    assert normalize_tables._read(tmp_path / "absent.json.gz") is None
    (tmp_path / "bad.json.gz").write_bytes(b"not gzip")
    assert normalize_tables._read(tmp_path / "bad.json.gz") is None
    monkeypatch.setattr(normalize_tables, "_read", lambda: None)
    with pytest.warns(UserWarning, match="python -m qunguard.model.normalize"):
        assert normalize_tables.prebuilt("emoji", lambda: ["built"]) == ["built"]
