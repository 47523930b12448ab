"""The scikit-learn estimator contract, written by hand (common checks skip text input)."""
import pickle

import numpy as np
import pytest
from sklearn.base import clone

from qunguard.model.errors import NotFittedError
from qunguard.model.features import MessageFeaturizer
from qunguard.model.normalize import normalize
from qunguard.model.shape import SHAPE_NAMES

DOCS = ["加我微信 Was4872 领取优惠券", "今天天气不错", "哈哈哈哈哈哈哈", "沟买请私聊", "[图片][图片][图片]"]


def test_clone_keeps_params():
    f = MessageFeaturizer(max_features=4096, min_df=1, char_max_n=2, segmenter="jieba", shape_weight=0.5)
    assert clone(f).get_params() == f.get_params()


def test_fit_returns_self_and_sets_learned_attributes():
    f = MessageFeaturizer(min_df=1)
    assert f.fit(DOCS) is f
    assert f.idf_.shape == (f.n_tokens,)
    assert f.n_features_out_ == f.n_tokens + len(SHAPE_NAMES)
    assert len(f.gram_keys_) and len(f.word_vocab_)


def test_transform_before_fit_raises():
    with pytest.raises(NotFittedError):
        MessageFeaturizer().transform(DOCS)


@pytest.mark.parametrize("bad", ["just one string", b"bytes"], ids=["str", "bytes"])
def test_single_string_is_refused(bad):
    with pytest.raises(ValueError, match="single string"):
        MessageFeaturizer(min_df=1).fit(bad)


def test_empty_input_is_refused():
    with pytest.raises(ValueError, match="empty"):
        MessageFeaturizer(min_df=1).fit([])


def test_pickle_round_trip_gives_identical_output():
    f = MessageFeaturizer(min_df=1).fit(DOCS)
    g = pickle.loads(pickle.dumps(f))
    assert np.array_equal(f.transform(DOCS).toarray(), g.transform(DOCS).toarray())


def test_min_df_drops_rare_tokens():
    f1 = MessageFeaturizer(min_df=1).fit(DOCS)
    f2 = MessageFeaturizer(min_df=2).fit(DOCS)
    assert f2.n_tokens < f1.n_tokens
    names = set(f2.named_columns(normalize("沟买请私聊")).values())
    assert "沟买" not in names and "^" in names  # 沟买 is in one message only; the start mark is in all


def test_max_features_caps_the_vocabulary():
    assert MessageFeaturizer(min_df=1, max_features=50).fit(DOCS).n_tokens == 50


def test_homophones_share_pinyin_tokens():
    f = MessageFeaturizer(min_df=1).fit(DOCS + ["购买请私聊"])
    a = set(f.named_columns(normalize("沟买")).values())
    b = set(f.named_columns(normalize("购买")).values())
    assert "pinyin gou mai" in a & b


def test_char_ngrams_are_named_exactly():
    f = MessageFeaturizer(min_df=1).fit(DOCS)
    names = set(f.named_columns(normalize("今天天气不错")).values())
    assert {"今", "今天", "今天天", "^今天", "错$"} <= names


def test_without_chinese_unigrams_single_characters_are_no_tokens():
    f = MessageFeaturizer(min_df=1, chinese_unigrams=False).fit(DOCS)
    names = set(f.named_columns(normalize("今天天气不错")).values())
    assert {"今天", "今天天", "^今", "错$", "^", "$"} <= names  # longer grams and other characters stay
    assert not names & set("今天气不错")
    # a model that kept them (the default, every model before s39) reads the same text with them
    assert "今" in MessageFeaturizer(min_df=1).fit(DOCS).named_columns(normalize("今天")).values()


def test_handles_are_masked_so_numbers_do_not_matter():
    f = MessageFeaturizer(min_df=1).fit(DOCS)
    x = f.transform(["加微信 abc12345 详聊", "加微信 xyz98765 详聊"]).toarray()
    assert np.allclose(x[0], x[1])


def _columns_by_token_strings(f, norms):
    """The reference: look up each of word_tokens() in word_vocab_, one string at a time."""
    return [sorted(f.word_vocab_[t] for t in f.word_tokens(n) if t in f.word_vocab_) for n in norms]


def _columns_by_word_ids(f, norms):
    rows, cols = f._word_columns(norms)
    out = [[] for _ in norms]
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        out[r].append(c)
    return [sorted(c) for c in out]


def test_word_columns_by_id_match_the_token_strings_on_real_messages(shipped):
    from tests.conftest import read_gold

    f = shipped[0].featurizer
    norms = [normalize(row["text"]) for row in read_gold()]
    assert _columns_by_word_ids(f, norms) == _columns_by_token_strings(f, norms)


def test_word_columns_by_id_with_underscores_in_words():
    # "a_b" the word and (a, b) the bigram are one token string: both must find its column
    docs = ["user_name 加 我", "user name 加我", "_ _ 好", "a__b 的 c", "加我 微信 加我 微信"] * 2
    f = MessageFeaturizer(min_df=1).fit(docs)
    norms = [normalize(d) for d in docs + ["user_name", "name_加", "加我_微信", "_"]]
    assert _columns_by_word_ids(f, norms) == _columns_by_token_strings(f, norms)


def test_derived_tables_are_built_at_load_and_never_pickled(shipped):
    f = shipped[0].featurizer
    assert all(name in f.__dict__ for name in f._DERIVED)  # artifact.load() prepared them
    state = pickle.loads(pickle.dumps(f)).__dict__
    assert not any(name in state for name in f._DERIVED)
    assert all(name in f.__dict__ for name in f._DERIVED)  # pickling left the live object prepared


def test_refit_forgets_the_old_vocabulary():
    f = MessageFeaturizer(min_df=1).fit(DOCS)
    f.transform(DOCS)  # builds the derived tables
    g = MessageFeaturizer(min_df=1).fit(["完全不同的一句话", "另外一句"])
    f.fit(["完全不同的一句话", "另外一句"])
    assert np.array_equal(f.transform(DOCS).toarray(), g.transform(DOCS).toarray())
