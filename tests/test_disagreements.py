"""Round 4's candidates: rows a model of the other folds doubts, shown blind, joined back into a review file."""
import pytest

from qunguard.data.disagreements import candidates, doubt, join, report


def p(on_topic=0.0, spam=0.0, advertising=0.0, flooding=0.0):
    return {"on_topic": on_topic, "spam": spam, "advertising": advertising, "flooding": flooding}


def test_doubt_names_the_strong_disagreements_only():
    assert doubt("on_topic", p(on_topic=0.1, advertising=0.85)) == "on_topic->commerce"
    assert doubt("on_topic", p(on_topic=0.3, advertising=0.7)) is None  # not sure enough that it is not chat
    assert doubt("spam", p(spam=0.3, advertising=0.7)) == "spam->advertising"
    assert doubt("advertising", p(spam=0.65, advertising=0.35)) == "advertising->spam"
    assert doubt("advertising", p(on_topic=0.9, advertising=0.1)) == "advertising->on_topic"
    assert doubt("flooding", p(on_topic=0.99)) is None


def test_candidates_are_blind_and_chat_only_and_join_back():
    def row(text, label, source="game_ad_chat", rule="source_normal"):
        return {"text": text, "label": label, "source": source, "rule": rule, "raw_label": "0"}

    scored = [(row("出金币 私聊", "on_topic"), p(on_topic=0.05, advertising=0.9)),
              (row("出金币 私聊", "on_topic"), p(on_topic=0.05, advertising=0.9)),  # a repeat: once
              (row("今天下雨", "on_topic"), p(on_topic=0.95)),  # no doubt
              (row("贷款秒批", "on_topic", source="sms80w"), p(on_topic=0.05, spam=0.9)),  # not a chat source
              (row("加我看片", "spam", rule="hand_label"), p(advertising=0.9)),  # hand-labelled already
              (row("代练上分", "spam"), p(spam=0.2, advertising=0.8)),
              (row("已标过", "on_topic"), p(on_topic=0.0, spam=1.0))]  # its text is in a review file
    blind, key = candidates(scored, labelled={"已标过"}, seed=1)
    assert sorted(b["text"] for b in blind) == ["代练上分", "出金币 私聊"]
    assert all(set(b) == {"id", "text"} for b in blind)  # no source, no label, no score
    hand = [{"id": i, "label": "advertising", "unsure": False} for i in key]
    rows = join(hand, key)
    assert {r["text"]: r["label"] for r in rows} == {"代练上分": "advertising", "出金币 私聊": "advertising"}
    assert all(r["source"] == "game_ad_chat" and r["raw_label"] == "0" for r in rows)
    assert {r["text"]: r["why"] for r in rows} == {"代练上分": "spam->advertising", "出金币 私聊": "on_topic->commerce"}
    assert report(rows) == {"spam->advertising": {"advertising": 1}, "on_topic->commerce": {"advertising": 1}}
    with pytest.raises(ValueError, match="no hand label"):
        join(hand[:1], key)
