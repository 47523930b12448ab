"""MODEL_CARD.md: written by train.py beside the model, and buildable from an existing folder's meta.json."""
import json

from qunguard.model import artifact, model_card


def meta_with(**extra) -> dict:
    """The shipped model's metadata, with some fields changed."""
    return {**artifact.read_meta(artifact.SHIPPED), **extra}


def test_train_writes_the_card_beside_the_model(small_model_dir):
    card = (small_model_dir / model_card.CARD_FILE).read_text(encoding="utf-8")
    meta = json.loads((small_model_dir / artifact.META_FILE).read_text(encoding="utf-8"))
    for heading in ("## Intended use", "## Training data and licences", "## Metrics", "## Behaviour suite",
                    "## Leave-one-source-out", "## Calibration", "## Known failure modes"):
        assert heading in card
    assert f"| {meta['metrics']['gold']['macro_f1']:.3f} |" in card
    assert f"T = {meta['temperature']}" in card


def test_the_sources_and_licences_come_from_the_data_readme():
    sources = {s.name: s.licence for s in model_card.read_sources()}
    assert sources["`chineseharm_bench`"] == "CC BY-NC 4.0 (README)"
    assert sources["`qq_campus_adfilter`"] == "AGPL-3.0"
    assert "source" not in sources and not any(set(name) <= set("-") for name in sources)  # no header rows


def test_a_missing_readme_is_said_not_hidden(tmp_path):
    assert model_card.read_sources(tmp_path / "README.md") == []
    assert "was not found" in model_card.data_section([])


def test_a_model_trained_on_real_chat_says_so_and_reports_no_real_chat_figure():
    card = model_card.build_model_card(meta_with(trained_on_real_chat_eval=True), [], None)
    assert "--with-real-chat" in card and "Real chat: not reported" in card
    card = model_card.build_model_card(meta_with(trained_on_real_chat_eval=False), [], None)
    assert "Real chat: not reported" not in card


def test_every_measured_set_has_a_row():
    metrics = artifact.read_meta(artifact.SHIPPED)["metrics"]
    extra = {**metrics, "real_chat": {**metrics["gold"], "n": 1072}}
    card = model_card.metrics_section(extra, trained_on_real_chat=False)
    assert "realchat.jsonl.gz`) | 1,072 |" in card
    assert "scu_heldout.jsonl.gz`) | 846 |" in card


def test_leave_one_source_out_figures_when_measured(tmp_path):
    loso = {"tg_spam_zh": {"n": 1234, "macro_f1": 0.7123, "accuracy": 0.8, "f1": {"on_topic": 0.9, "spam": 0.5},
                           "support": {"on_topic": 1000, "spam": 234}}}
    path = tmp_path / "loso.json"
    path.write_text(json.dumps(loso), encoding="utf-8")
    card = model_card.build_model_card(meta_with(), [], model_card.read_loso(path))
    assert "| tg_spam_zh | 1,234 | 0.712 | 0.900 | 0.500 | – | – |" in card
    assert model_card.read_loso(tmp_path / "absent.json") is None
    assert "Not measured" in model_card.build_model_card(meta_with(), [], None)


def test_failure_modes_group_the_behaviour_failures_commonest_first():
    failures = [{"capability": "spam_lure", "text": "帮我砍一刀", "label": "spam", "predicted": "on_topic"},
                {"capability": "shopping_rebate", "text": "券后9.9", "label": "advertising", "predicted": "spam"},
                {"capability": "shopping_rebate", "text": "拍2件", "label": "advertising", "predicted": "spam"},
                {"capability": "shopping_rebate", "text": "复制打开", "label": "advertising", "predicted": "on_topic"}]
    section = model_card.failure_modes_section({"behaviour_suite": {"failures": failures}})
    rebate, lure = section.index("**shopping_rebate**: 3 failed"), section.index("**spam_lure**: 1 failed")
    assert rebate < lure
    assert "advertising → spam ×2, advertising → on_topic ×1" in section


def test_largest_confusions_name_true_and_predicted_labels():
    metrics = artifact.read_meta(artifact.SHIPPED)["metrics"]
    confusions = model_card.largest_confusions(metrics)
    assert confusions
    for name, true, predicted, count, support in confusions:
        matrix = metrics[name]["confusion"]
        labels = matrix["labels"]
        assert true != predicted and 0 < count <= support
        assert matrix["rows_true_cols_pred"][labels.index(true)][labels.index(predicted)] == count


def test_the_shipped_card_is_current():
    """Regenerate with `python -m qunguard.model.model_card model/shipped` after retraining or a new LOSO run."""
    shipped = (artifact.SHIPPED / model_card.CARD_FILE).read_text(encoding="utf-8")
    expected = model_card.build_model_card(artifact.read_meta(artifact.SHIPPED), model_card.read_sources(),
                                           model_card.read_loso())
    assert shipped == expected
    assert "--with-real-chat" in shipped


def test_the_card_of_a_folder_is_written_without_retraining(small_model_dir, tmp_path):
    import shutil

    folder = tmp_path / "m"
    shutil.copytree(small_model_dir, folder)
    (folder / model_card.CARD_FILE).unlink()
    assert model_card.main([str(folder)]) == 0
    assert (folder / model_card.CARD_FILE).read_text(encoding="utf-8").startswith("# Model card: QunGuard test")
    assert model_card.main([str(tmp_path / "not-a-model")]) == 2


def test_the_card_says_how_the_rows_were_weighed():
    card = model_card.build_model_card(meta_with(balance_sources=1500, balance_commerce=3.0), [], None)
    assert "weighs at most 1500 rows" in card and "advertising and spam weigh the same, no cell scaled by more than 3" in card
    card = model_card.build_model_card(meta_with(balance_sources=1500, balance_commerce=0.0), [], None)
    assert "weighs at most 1500 rows" in card and "advertising and spam" not in card
    card = model_card.build_model_card(meta_with(balance_sources=0, balance_commerce=0.0), [], None)
    assert "no cap on a (source, label) cell" in card
