"""The blind noise check (data/label_checks.py): a sample that hides its labels, and the join after labelling."""
from __future__ import annotations

import pytest

from qunguard.data.label_checks import draw_blind, join_blind, wilson_interval


def _train() -> list[dict]:
    rows = []
    for label in ("on_topic", "spam", "advertising", "flooding"):
        rows += [{"text": f"{label} {i}", "label": label, "source": "s", "rule": "r"} for i in range(6)]
    rows += [{"text": "on_topic 0", "label": "on_topic", "source": "s", "augmented": True},  # copies never drawn
             {"text": "spam dup", "label": "spam", "source": "s"}, {"text": "spam dup", "label": "spam", "source": "s"}]
    return rows


def test_the_blind_sample_hides_its_labels_and_repeats_nothing():
    blind, key = draw_blind(_train(), skip_texts={"spam 0"}, per_label=3, seed=1)
    assert len(blind) == 12 and set(key) == {r["id"] for r in blind}
    assert all(set(r) == {"id", "source", "text"} for r in blind)  # no label in what the labeller reads
    texts = [r["text"] for r in blind]
    assert len(set(texts)) == len(texts) and "spam 0" not in texts
    assert sorted(k["data_label"] for k in key.values()).count("flooding") == 3
    assert draw_blind(_train(), skip_texts={"spam 0"}, per_label=3, seed=1) == (blind, key)  # seeded


def test_the_join_needs_every_label_and_keeps_both():
    blind, key = draw_blind(_train(), skip_texts=set(), per_label=1, seed=2)
    hand = {r["id"]: {"label": "on_topic", "unsure": r is blind[0]} for r in blind}
    rows = join_blind(blind, hand, key)
    assert [r["data_label"] for r in rows] == [key[r["id"]]["data_label"] for r in blind]
    assert all(r["label"] == "on_topic" and r["blind"] for r in rows) and rows[0]["unsure"]
    with pytest.raises(ValueError, match="no hand label"):
        join_blind(blind, dict(list(hand.items())[1:]), key)


def test_wilson_interval():
    low, high = wilson_interval(4, 100)
    assert round(low, 4) == 0.0157 and round(high, 4) == 0.0984
    assert wilson_interval(0, 100)[1] == pytest.approx(0.037, abs=0.001)  # why 100 rows cannot show <= 3 %
