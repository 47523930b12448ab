"""TopicProfile.score's fast paths (model/topic_profile.py) and the segmentation it shares with the classifier.

A batch is scored in a few array operations, a small one text by text, and a message whose masked text
is its text reuses the classifier's words instead of being segmented again. All three must give the
numbers of the plain definition, written out here one text at a time in float64."""
from __future__ import annotations

import math
import time

import numpy as np
import pytest

from qunguard.model import topic_profile as tp
from qunguard.model.dataset import read_jsonl_rows
from qunguard.model.normalize import normalize
from qunguard.model.topic_profile import SMALL_BATCH, TopicProfile, bigram_keys, message_words
from qunguard.service.engine import LoadedModel, Message, Moderator
from qunguard.service.flood import InMemoryFloodTracker
from qunguard.service.store import Store
from tests.test_topic_profile import CATS, CHITCHAT, DATA, STOCKS

# what real chat holds besides words: handles (masked differs from text), digits, emoji and images
# (private-use tokens), Latin words, nothing at all, words the background never saw
ODD = ["加v was4872 领红包", "3点开会,带上iphone15", "[表情][图片]猫粮到了", "ok ok lol", "", "   ",
       "咕噜咕噜喵喵酱今天又嗝屁了", "https://t.cn/abc 点这里", "。。。!!!", "qq 12345678 猫砂便宜出"]


def reference(profile: TopicProfile, text: str) -> tuple[float, float]:
    """(score, confidence) of one text from the definition in the module docstring, in float64."""
    bg = profile.bg
    words, grams = set(message_words(text)), set(bigram_keys(text))
    n_terms = len(words) + len(grams)
    lex = 0.0
    if n_terms:
        lex = (sum(profile._w_word.get(w, 0.0) for w in words) + sum(profile._w_bigram.get(g, 0.0) for g in grams)) / math.sqrt(n_terms)
    rows = [bg.vec_row[bg.index[w]] for w in words if w in bg.index and bg.vec_row[bg.index[w]] >= 0]
    sem = 0.0
    if rows:
        s = bg.vectors[rows].astype(np.float64).sum(axis=0)
        if s @ s > 0:
            centred = s / np.linalg.norm(s) - bg.mean.astype(np.float64)
            sem = float(centred @ profile._centroid.astype(np.float64)) / max(float(np.linalg.norm(centred)), 1e-6)
    raw = (lex / profile.refs[0] + sem / profile.refs[1]) / 2
    info = sum(bg.word_info(w) for w in words)
    return (1.0 - 4.0 ** -raw if raw > 0 else 0.0), 1.0 - math.exp(-info / tp.INFO_SCALE)


@pytest.fixture(scope="module")
def chat() -> list[str]:
    """600 real held-out chat messages of every kind, normalised, and the odd cases."""
    rows = read_jsonl_rows(DATA / "test.jsonl.gz")
    return [normalize(r["text"]).text for r in rows[::20][:600]] + [normalize(t).text for t in ODD + CHITCHAT]


@pytest.fixture(scope="module")
def profile() -> TopicProfile:
    return TopicProfile.from_texts([normalize(t).text for t in CATS + STOCKS], keywords=["猫咪"])


def test_batches_and_single_texts_score_as_the_definition(chat, profile):
    want = np.array([reference(profile, t) for t in chat])
    batch = np.stack(profile.score(chat), axis=1)
    one_by_one = np.array([[profile.score([t])[k][0] for k in (0, 1)] for t in chat])
    assert len(chat) >= SMALL_BATCH > 1  # the whole list takes the batch path, one text the other
    np.testing.assert_allclose(batch, want, rtol=0, atol=1e-9)
    np.testing.assert_allclose(one_by_one, want, rtol=0, atol=1e-9)
    assert 0.2 < (want[:, 0] > 0).mean() < 0.95 and want[:, 1].max() > 0.9  # the texts exercise both halves


def test_the_classifiers_words_give_the_same_scores(chat, profile, shipped):
    """A message whose masked text is its text can reuse the classifier's cut: same words, same scores."""
    featurizer = shipped[0].featurizer
    norms = [normalize(t) for t in chat]
    words = featurizer.cut_words(norms)
    cuts = [w if n.masked == n.text else None for n, w in zip(norms, words, strict=True)]
    assert 0 < sum(c is None for c in cuts) < len(cuts) / 2  # most reused, the handles and digits cut again
    texts = [n.text for n in norms]
    for size in (len(texts), 1):  # the batch path and the one-by-one path
        got = [np.concatenate(x) for x in zip(*[profile.score(texts[i:i + size], cuts[i:i + size])
                                               for i in range(0, len(texts), size)], strict=True)]
        whole = profile.score(texts)  # (to the last bit or two: SIMD sums may round apart)
        np.testing.assert_allclose(got[0], whole[0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(got[1], whole[1], rtol=0, atol=1e-12)


def test_groups_scored_together_score_as_each_alone(chat, profile):
    """score_groups(): runs of texts, each group by its own profile, in one batch or one by one."""
    stocks = TopicProfile.from_texts([normalize(t).text for t in STOCKS])
    sizes = [1, 2, tp.GROUP_MIN, 5, 40, 1, 9, 200, 3]
    parts, start = [], 0
    for k, n in enumerate(sizes):
        parts.append(((profile, stocks)[k % 2], chat[start:start + n], None))
        start += n
    for (prof, texts, _), (scores, confs) in zip(parts, tp.score_groups(parts), strict=True):
        one_by_one = [prof.score([t]) for t in texts]
        np.testing.assert_allclose(scores, [s[0] for s, _ in one_by_one], rtol=0, atol=1e-12)
        np.testing.assert_allclose(confs, [c[0] for _, c in one_by_one], rtol=0, atol=1e-12)


def test_the_engine_segments_each_message_once(tmp_path, shipped, profile, monkeypatch):
    """Scoring groups with a profile cuts again only the messages whose masked text differs, and each
    message gets its own group's score."""
    moderator = Moderator(LoadedModel(*shipped), Store(tmp_path / "t.db"), InMemoryFloodTracker())
    moderator.topics.configure(learn_messages=0, history_s=300, flush_s=60)
    stocks = TopicProfile.from_texts([normalize(t).text for t in STOCKS])
    for group, prof in (("cats", profile), ("stocks", stocks), ("lone", stocks)):
        moderator.store.put_topic_profile(group, "learned", prof.to_json())
    texts = [normalize(t).text for t in CATS[:6]] + [t for t in ODD if t.strip()]
    groups = [("cats", "stocks")[i % 2] for i in range(len(texts) - 1)] + ["lone"]
    msgs = [Message(g, f"u{i}", t, str(i), time.time()) for i, (g, t) in enumerate(zip(groups, texts, strict=True))]
    moderator.classify(msgs[:2] + msgs[-1:])  # the profiles loaded
    cut_texts: list[str] = []
    real_cut = tp._cut()
    monkeypatch.setattr(tp, "_cut", lambda: lambda text: cut_texts.append(text) or real_cut(text))
    verdicts = moderator.classify(msgs)
    norms = [normalize(t) for t in texts]
    differs = [n.text for n in norms if n.masked != n.text]
    assert len(differs) >= 2 and sorted(cut_texts) == sorted(tp._PRIVATE.sub(" ", t) for t in differs)
    stored = {"cats": profile, "stocks": stocks, "lone": stocks}
    for v, g, n in zip(verdicts, groups, norms, strict=True):
        score, conf = TopicProfile.from_json(stored[g].to_json()).score([n.text])  # the profile as stored
        assert abs(v["topic_score"] - score[0]) <= 5e-5 + 1e-12 and abs(v["topic_confidence"] - conf[0]) <= 5e-5 + 1e-12
    moderator.topics.close()


def test_word_ids_tell_apart_strings_whose_hashes_agree():
    """CPython hashes a string's bytes: '慡' (U+6161) hashes as 'aa' does, and must stay another word."""
    bg = tp.background()
    assert hash("慡") == hash("aa")
    assert bg.word_keys is not None  # the table is in use, not the dict it falls back to
    tokens = ["慡", "aa", "慢", "ba", "猫粮", "不在背景里的词qqq", "，", " "] + list(bg.index)[::97]
    want = [bg.index.get(t, -1) for t in tokens]
    assert bg.word_ids(tokens).tolist() == want
    assert want[0] != want[1]
