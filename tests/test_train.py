"""train.py: a real (small) training run, determinism, and moderators' exports."""
import json

import numpy as np
import pytest

import train
from qunguard.model import artifact
from qunguard.model.labels import LABELS

PROBE = ["加我微信 Was4872 领取优惠券", "今天天气不错", "哈哈哈哈哈哈哈哈哈", "帮我砍一刀谢谢", "澳门娱乐城首充送彩金"]


def small_run(out, *extra):
    return train.main(["--limit", "1500", "--max-features", "10000", "--out", str(out), "--version", "t", *extra])


def test_small_run_writes_model_meta_and_report(small_model_dir):
    meta = json.loads((small_model_dir / "meta.json").read_text())
    report = (small_model_dir / "report.md").read_text()
    for name in ("random_split", "held_out_source", "gold"):
        assert name in meta["metrics"]
        assert name in report
    assert 0.0 < meta["metrics"]["random_split"]["macro_f1"] <= 1.0
    assert meta["train_rows"] == 3800  # 4,000 sampled minus 5 % kept for calibration


@pytest.mark.slow
def test_source_balancing_changes_the_weights_and_is_recorded(tmp_path):
    # with a cap of 5 rows a (source, label) cell, the big cells weigh far less than unweighted: another model
    assert small_run(tmp_path / "off", "--balance-sources", "0") == 0
    assert small_run(tmp_path / "on", "--balance-sources", "5") == 0
    assert json.loads((tmp_path / "on" / "meta.json").read_text())["balance_sources"] == 5
    assert json.loads((tmp_path / "off" / "meta.json").read_text())["balance_sources"] == 0
    off = artifact.load(tmp_path / "off")[0].predict_proba(PROBE)
    on = artifact.load(tmp_path / "on")[0].predict_proba(PROBE)
    assert not np.allclose(off, on)


@pytest.mark.slow
def test_commerce_balance_is_off_by_default_and_recorded_when_on(small_model_dir, tmp_path):
    assert json.loads((small_model_dir / "meta.json").read_text())["balance_commerce"] == train.BALANCE_COMMERCE == 0.0
    assert small_run(tmp_path / "off", "--balance-commerce", "0") == 0
    assert small_run(tmp_path / "on", "--balance-commerce", "3") == 0
    assert json.loads((tmp_path / "on" / "meta.json").read_text())["balance_commerce"] == 3.0
    off = artifact.load(tmp_path / "off")[0].predict_proba(PROBE)
    on = artifact.load(tmp_path / "on")[0].predict_proba(PROBE)
    assert not np.allclose(off, on)


def test_the_spam_prior_shift_lowers_spam_alone_and_is_recorded(small_model_dir, tmp_path):
    # the default (no shift) is recorded; the same run with a shift differs only by spam's intercept, by exactly the shift
    assert json.loads((small_model_dir / "meta.json").read_text())["spam_prior_shift"] == train.SPAM_PRIOR_SHIFT == 0.0
    assert train.main(["--limit", "4000", "--out", str(tmp_path), "--max-features", "30000", "--version", "test",
                       "--spam-prior-shift", "0.5"]) == 0
    assert json.loads((tmp_path / "meta.json").read_text())["spam_prior_shift"] == 0.5
    plain, shifted = artifact.load(small_model_dir)[0], artifact.load(tmp_path)[0]
    spam = plain.classes.index("spam")
    gap = np.asarray(plain.intercept, dtype=np.float64) - np.asarray(shifted.intercept, dtype=np.float64)
    assert gap[spam] == pytest.approx(0.5, abs=1e-6)
    assert np.allclose(np.delete(gap, spam), 0.0)
    assert np.array_equal(shifted.weights, plain.weights)
    p_plain, p_shifted = plain.predict_proba(PROBE), shifted.predict_proba(PROBE)
    spam_p = LABELS.index("spam")  # predict_proba's columns are in LABELS order
    # lower or equal: a guide rule that lifts spam to its rival plus a margin (帮我砍一刀) lands on the same logit
    assert (p_shifted[:, spam_p] <= p_plain[:, spam_p] + 1e-12).all() and (p_shifted[:, spam_p] < p_plain[:, spam_p]).sum() >= 3


@pytest.mark.slow
def test_same_seed_same_model(tmp_path):
    assert small_run(tmp_path / "a") == 0
    assert small_run(tmp_path / "b") == 0
    a = artifact.load(tmp_path / "a")[0].predict_proba(PROBE)
    b = artifact.load(tmp_path / "b")[0].predict_proba(PROBE)
    assert np.array_equal(a, b)


@pytest.mark.slow
def test_exports_are_added_and_recorded(tmp_path):
    export = tmp_path / "review.jsonl"
    rows = [{"text": f"本群专业代购日本药妆，价格私聊 {i}", "label": "advertising", "group_id": "g1"} for i in range(20)]
    rows += [{"text": f"明天下午三点开组会，记得带电脑 {i}", "label": "on_topic", "group_id": "g1"} for i in range(10)]
    export.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    assert small_run(tmp_path / "m", "--exports", str(export)) == 0  # --out without --gate: every row trained on
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert meta["train_rows"] == 1425 + 30
    assert str(export) in meta["export_files"]
    assert meta["export_rows"] == {"trained": 30, "held_out": 0, "skipped": 0, "holdout_share": 0.0}


def test_bad_export_names_the_line(tmp_path, capsys):
    export = tmp_path / "review.csv"
    export.write_text("text,label\n好的,on_topic\n买买买,ads\n", encoding="utf-8")
    # the bad row is named and skipped; what is left is one label, refused before any training
    assert small_run(tmp_path / "m", "--exports", str(export)) == 2
    err = capsys.readouterr().err
    assert "review.csv:3: unknown label 'ads'" in err and "labelled 'on_topic'" in err
    assert not (tmp_path / "m").exists()


def test_commerce_balance_weighs_a_sources_ads_and_spam_alike():
    # a source's two commerce cells move to the mean of their totals, capped; one-label sources, chat and exports stay
    from qunguard.model.dataset import Example

    rows = ([Example("t", "spam", "tg")] * 6 + [Example("a", "advertising", "tg")] * 2
            + [Example("s", "spam", "sms")] * 1 + [Example("b", "advertising", "sms")] * 9
            + [Example("c", "on_topic", "tg")] * 3 + [Example("x", "spam", "only_spam")] * 4
            + [Example("e", "spam", "export:mod")] * 1 + [Example("f", "advertising", "export:mod")] * 5)
    w = np.ones(len(rows))
    out = train.balance_commerce(rows, w, max_up=3.0)

    def total(source, label):
        return sum(x for ex, x in zip(rows, out, strict=True) if ex.source == source and ex.label == label)

    assert total("tg", "spam") == pytest.approx(4.0) and total("tg", "advertising") == pytest.approx(4.0)
    # sms: the mean is 5; its one spam row may rise only 3-fold, its ads fall to 5
    assert total("sms", "spam") == pytest.approx(3.0) and total("sms", "advertising") == pytest.approx(5.0)
    assert total("tg", "on_topic") == 3.0 and total("only_spam", "spam") == 4.0
    assert total("export:mod", "spam") == 1.0 and total("export:mod", "advertising") == 5.0
    assert np.array_equal(w, np.ones(len(rows)))  # the caller's weights are not changed in place
    with pytest.raises(ValueError, match="at least 1"):
        train.balance_commerce(rows, w, max_up=0.5)
