"""model/commerce_kind.py: a source-neutral model divides the commerce share, and the model file carries it."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import train
from qunguard.model import artifact
from qunguard.model.classifier import MessageClassifier
from qunguard.model.commerce_kind import ADS, SPAM, SPAM_FORMS, KindColumn
from qunguard.model.errors import ModelArtifactError
from qunguard.model.guide_rules import rule_label
from qunguard.model.labels import LABELS
from qunguard.model.normalize import normalize

TEXTS = ["出二手自行车，九成新，200元，私聊", "日结500，兼职打字，加微信 abc12345", "明天几点开会？", "需要的加V Was4872，限时包邮"]


def with_kind(clf: MessageClassifier, kind: KindColumn | None) -> MessageClassifier:
    f = clf.featurizer
    return MessageClassifier(f, clf.coef, clf.intercept, clf.classes, clf.temperature, kind)


@pytest.fixture(scope="module")
def small_model(small_model):
    """conftest's small model (trained with train.py's default, the gated kind since s32) with its kind taken off:
    these tests put a kind of their own on the model's own division."""
    return with_kind(small_model, None)


@pytest.fixture(scope="module")
def kind(small_model) -> KindColumn:
    rng = np.random.default_rng(3)
    return KindColumn(rng.normal(0, 2, small_model.featurizer.n_features_out_).astype(np.float32), 0.3, 1.2)


def test_the_lean_is_the_columns_weighted_sum_of_the_features(small_model, kind):
    norms = [normalize(t) for t in TEXTS]
    X = small_model.featurizer.transform_normalized(norms)
    expected = (X @ kind.weights.astype(np.float64) + kind.intercept) / kind.temperature
    assert np.allclose(kind.lean(small_model.featurizer.featurize(norms)), expected, atol=1e-5)


def test_the_kind_divides_the_commerce_share_and_moves_nothing_else(small_model, kind):
    norms = [normalize(t) for t in TEXTS]
    before = small_model.score(norms)
    after = with_kind(small_model, kind).score(norms)
    share = 1 / (1 + np.exp(-kind.lean(small_model.featurizer.featurize(norms))))
    chat, flood = LABELS.index("on_topic"), LABELS.index("flooding")
    assert np.allclose(after.proba[:, [chat, flood]], before.proba[:, [chat, flood]])
    commerce = before.proba[:, SPAM] + before.proba[:, ADS]
    assert np.allclose(after.proba[:, SPAM] + after.proba[:, ADS], commerce)
    # a guide rule for spam or advertising keeps the model's own division; elsewhere the lean decides
    ruled = [hit is not None and rule_label(hit[0]) in ("spam", "advertising") for hit in before.rules]
    assert any(ruled) and not all(ruled)  # the texts try both paths
    for i, is_ruled in enumerate(ruled):
        expected = before.proba[i, SPAM] if is_ruled else commerce[i] * share[i]
        assert after.proba[i, SPAM] == pytest.approx(expected, abs=1e-9)


LURES = ["我表姐做数字货币套利，本金放她那每周返5个点，想一起的私我", "收实名的支付宝和微信，一个号给200，私我",
         "招网店体验员，先垫付后返还，vx：tiyan22", "想看更多的看我头像",
         # s32: the guide's own words the list lacked until then
         "澳门棋牌新开，首充送100，加我", "群里的朋友帮忙点一下链接，谢谢啦 http://kan-yi-dao.top/x"]


def test_the_guide_spam_forms_are_found_and_ordinary_commerce_is_not():
    assert all(SPAM_FORMS.search(normalize(t).text) for t in LURES)
    honest = ["出二手自行车，九成新，200元，私聊", "明天几点开会？", "需要的加V Was4872，限时包邮", "AI翻译软件招渠道代理，成单返30%"]
    assert not any(SPAM_FORMS.search(normalize(t).text) for t in honest)


def test_gated_the_kind_only_moves_commerce_toward_advertising(small_model, kind):
    norms = [normalize(t) for t in TEXTS + LURES]
    before = small_model.score(norms)
    ungated = with_kind(small_model, kind).score(norms)
    one_way = with_kind(small_model, dataclasses.replace(kind, one_way=True)).score(norms)
    assert np.all(one_way.proba[:, SPAM] <= before.proba[:, SPAM] + 1e-12)
    assert np.allclose(one_way.proba[:, SPAM] + one_way.proba[:, ADS], before.proba[:, SPAM] + before.proba[:, ADS])
    # where the column already moved toward advertising, the gate changes nothing
    toward_ads = ungated.proba[:, SPAM] <= before.proba[:, SPAM]
    assert toward_ads.any() and not toward_ads.all()  # the texts try both paths
    assert np.allclose(one_way.proba[toward_ads], ungated.proba[toward_ads])


def test_gated_a_text_naming_a_guide_spam_form_keeps_the_models_division(small_model, kind):
    norms = [normalize(t) for t in TEXTS + LURES]
    before = small_model.score(norms)
    ungated = with_kind(small_model, kind).score(norms)
    gated = with_kind(small_model, dataclasses.replace(kind, spam_forms_keep=True)).score(norms)
    named = np.array([SPAM_FORMS.search(n.text) is not None for n in norms])
    assert np.allclose(gated.proba[named], before.proba[named])
    assert np.allclose(gated.proba[~named], ungated.proba[~named])
    assert not np.allclose(ungated.proba[named], before.proba[named])  # the column alone would have moved them


def test_the_model_file_carries_the_kind(small_model, kind, tmp_path):
    clf = with_kind(small_model, kind)
    artifact.save(clf, tmp_path, {"model_version": "kind-test"})
    loaded, _ = artifact.load(tmp_path)
    assert loaded.kind is not None and loaded.kind.intercept == kind.intercept and loaded.kind.temperature == kind.temperature
    assert np.array_equal(loaded.kind.weights, kind.weights)
    assert np.array_equal(loaded.predict_proba(TEXTS), clf.predict_proba(TEXTS))
    assert not loaded.kind.one_way and not loaded.kind.spam_forms_keep


def test_the_model_file_carries_the_gates_and_a_file_from_before_them_loads_ungated(small_model, kind, tmp_path):
    gated = with_kind(small_model, dataclasses.replace(kind, one_way=True, spam_forms_keep=True))
    artifact.save(gated, tmp_path, {"model_version": "gated-test"})
    loaded, _ = artifact.load(tmp_path)
    assert loaded.kind is not None and loaded.kind.one_way and loaded.kind.spam_forms_keep
    assert np.array_equal(loaded.predict_proba(TEXTS + LURES), gated.predict_proba(TEXTS + LURES))
    # an s30 file has no gate arrays
    with np.load(tmp_path / artifact.MODEL_FILE) as npz:
        arrays = {name: npz[name] for name in npz.files if name not in ("kind_one_way", "kind_spam_forms_keep")}
    np.savez(tmp_path / artifact.MODEL_FILE, **arrays)
    meta = json.loads((tmp_path / artifact.META_FILE).read_text(encoding="utf-8"))
    meta["model_sha256"] = artifact._sha256(tmp_path / artifact.MODEL_FILE)
    (tmp_path / artifact.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    old, _ = artifact.load(tmp_path)
    assert old.kind is not None and not old.kind.one_way and not old.kind.spam_forms_keep


def test_a_kind_that_does_not_fit_the_features_is_refused(small_model, kind, tmp_path):
    with pytest.raises(ValueError, match="kind weights"):
        with_kind(small_model, KindColumn(kind.weights[:-1], 0.0, 1.0))
    artifact.save(with_kind(small_model, kind), tmp_path, {"model_version": "kind-test"})
    with np.load(tmp_path / artifact.MODEL_FILE) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["kind_weights"] = arrays["kind_weights"][:-1]
    np.savez(tmp_path / artifact.MODEL_FILE, **arrays)
    meta = json.loads((tmp_path / artifact.META_FILE).read_text(encoding="utf-8"))
    meta["model_sha256"] = artifact._sha256(tmp_path / artifact.MODEL_FILE)
    (tmp_path / artifact.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelArtifactError, match="kind weights"):
        artifact.load(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("choice", ["model", "source-neutral", "source-neutral-gated"])
def test_training_with_a_source_neutral_kind_records_and_saves_it(tmp_path, choice):
    out = tmp_path / "model"
    assert train.main(["--limit", "3000", "--out", str(out), "--max-features", "20000", "--version", "kind",
                       "--commerce-kind", choice]) == 0
    clf, meta = artifact.load(out)
    assert meta["commerce_kind"] == choice
    if choice == "model":  # the model's own division: no second column, and the card says nothing of one
        assert clf.kind is None and "commerce kind" not in (out / "MODEL_CARD.md").read_text(encoding="utf-8")
        return
    assert clf.kind is not None
    assert clf.kind.weights.shape == (clf.featurizer.n_features_out_,)  # the source columns were dropped
    gated = choice == "source-neutral-gated"
    assert clf.kind.one_way is gated and clf.kind.spam_forms_keep is gated
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"commerce kind: **{choice}**" in card and ("only toward advertising" in card) is gated


def test_a_default_run_fits_the_shipped_models_kind(small_model_dir, shipped):
    """`train.py` with no --commerce-kind makes the shipped recipe's kind, so a retrain from moderators' exports is
    gated against a champion of the same recipe."""
    clf, meta = artifact.load(small_model_dir)
    assert meta["commerce_kind"] == shipped[1]["commerce_kind"] == train.COMMERCE_KIND == "source-neutral-gated"
    assert clf.kind is not None and clf.kind.one_way and clf.kind.spam_forms_keep


def test_the_reasons_say_where_the_kind_turned_spam_and_advertising(small_model, kind):
    """Scores.kind_turned marks the rows whose larger commerce label the kind changed, and only there does a flagged
    verdict carry a `commerce_kind` reason."""
    norms = [normalize(t) for t in TEXTS + LURES]
    before = small_model.score(norms)
    clf = with_kind(small_model, kind)
    after = clf.score(norms)
    expected = (before.proba[:, SPAM] >= before.proba[:, ADS]) != (after.proba[:, SPAM] >= after.proba[:, ADS])
    assert after.kind_turned == expected.tolist() and not any(before.kind_turned)
    verdicts = clf.classify_normalized(norms)
    said = [any(r.name == "commerce_kind" for r in v.reasons) for v in verdicts]
    due = [t and v.label in ("spam", "advertising") for t, v in zip(after.kind_turned, verdicts, strict=True)]
    assert said == due and any(due)  # the texts try the path
    other = {"spam": "advertising", "advertising": "spam"}
    for v, d in zip(verdicts, due, strict=True):
        if d:
            detail = next(r.detail for r in v.reasons if r.name == "commerce_kind")
            assert f"read as {v.label} " in detail and detail.endswith(other[v.label])
