"""TopicProfile and DriftDetector (model/topic_profile.py): the interface the service codes against.

Real text where it matters: the QQ group's later stretch (data/eval/scu_replay.jsonl.gz, in time
order) and game-community chat of the test split (data/test.jsonl.gz)."""
from __future__ import annotations

import json
import random
from collections import deque
from pathlib import Path

import numpy as np
import pytest

from qunguard.model.dataset import read_jsonl_rows
from qunguard.model.normalize import normalize
from qunguard.model.topic_profile import (
    MAX_WORDS,
    DriftDetector,
    TopicProfile,
    TopicProfileError,
    drift_drivers,
)

DATA = Path(__file__).resolve().parents[1] / "data"

CATS = [
    "我家猫今天又不吃猫粮了怎么办", "猫砂多久换一次比较好", "小猫打疫苗要去哪个宠物医院", "布偶猫掉毛好严重",
    "猫咪绝育以后要注意什么", "有没有推荐的冻干猫粮", "猫抓板被挠烂了再买一个", "橘猫太胖了要减肥",
    "猫咪呕吐毛球正常吗", "新来的小猫一直躲在床底下", "猫粮换牌子要慢慢过渡", "宠物医院说猫咪有耳螨",
    "猫砂盆放在阳台可以吗", "英短和美短哪个好养", "猫咪驱虫多久一次", "给猫洗澡它一直叫",
    "猫咪晚上跑酷吵得睡不着", "猫罐头可以天天喂吗", "小猫几个月可以绝育", "猫咪喝水少怎么办",
]
STOCKS = [
    "今天大盘又跌了百分之二", "这只股票明天还能涨停吗", "券商板块拉升了", "基金净值跌破一了",
    "北向资金今天净流入", "茅台股价又创新高", "明天开盘先减仓", "创业板指数放量下跌",
    "这波行情主力在出货", "银行股分红到账了", "新股申购中签了", "医药板块连续三天调整",
]
CHITCHAT = ["好的", "哈哈哈", "在吗", "[表情]", "[图片]", "嗯嗯", "收到", "谢谢", "晚安", "666"]


def texts(raw):
    return [normalize(t).text for t in raw]


@pytest.fixture(scope="module")
def qq_log() -> list[str]:
    """The real QQ group's later stretch, normalised, in time order."""
    return [t for t in texts(r["text"] for r in read_jsonl_rows(DATA / "eval" / "scu_replay.jsonl.gz")) if t.strip()]


@pytest.fixture(scope="module")
def game_chat() -> list[str]:
    rows = read_jsonl_rows(DATA / "test.jsonl.gz")
    return texts(r["text"] for r in rows if r["source"] == "game_chat_spam" and r["label"] == "on_topic")


def test_refuses_empty_and_tiny_input_with_a_clear_message():
    with pytest.raises(TopicProfileError, match="at least 5 distinct informative words"):
        TopicProfile.from_texts([])
    with pytest.raises(TopicProfileError, match="chit-chat"):
        TopicProfile.from_texts(texts(CHITCHAT * 10))  # many messages, but nothing a topic is made of
    with pytest.raises(TypeError, match="not one string"):
        TopicProfile.from_texts("猫粮猫砂宠物医院")  # type: ignore[arg-type]


def test_small_input_or_a_description_is_marked_low_confidence():
    described = TopicProfile.from_texts(texts(["养猫交流群：猫粮、猫砂、疫苗、绝育和宠物医院"]), keywords=["猫咪", "布偶"])
    assert described.low_confidence and described.n_texts == 1
    assert TopicProfile.from_texts(texts(CATS[:8])).low_confidence
    assert not TopicProfile.from_texts(texts(CATS * 3)).low_confidence
    on, _ = described.score(texts(CATS[:6]))
    off, _ = described.score(texts(STOCKS[:6]))
    assert on.mean() > off.mean() + 0.2  # even a description alone tells the topic apart


def test_scores_in_range_and_held_out_on_topic_above_off_topic():
    prof = TopicProfile.from_texts(texts(CATS[:16]))
    on, on_conf = prof.score(texts(CATS[16:]))
    off, off_conf = prof.score(texts(STOCKS))
    assert on.min() > off.max()
    for a in (on, on_conf, off, off_conf):
        assert a.dtype == np.float64 and ((a >= 0) & (a <= 1)).all()
    assert prof.score([]) [0].shape == (0,)


def test_chitchat_has_low_confidence_and_content_high(qq_log):
    prof = TopicProfile.from_texts(qq_log[:80])
    _, chat_conf = prof.score(texts(CHITCHAT))
    assert chat_conf.max() < 0.2
    _, conf = prof.score(texts(CATS + STOCKS))
    assert conf.min() > 0.5


def test_terms_top_terms_and_json_round_trip():
    prof = TopicProfile.from_texts(texts(CATS), keywords=["猫咪"])
    assert "冻干" in prof.terms(normalize("有没有推荐的冻干猫粮").text)
    assert prof.terms(normalize("好的哈哈哈[表情]").text) == []
    assert "猫咪" in [t for t, _ in prof.top_terms(5)]
    d = json.loads(json.dumps(prof.to_json()))
    back = TopicProfile.from_json(d)
    probe = texts(STOCKS + CATS + CHITCHAT)
    for a, b in zip(prof.score(probe), back.score(probe), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert (back.n_texts, back.low_confidence, back.baseline) == (prof.n_texts, prof.low_confidence, prof.baseline)
    with pytest.raises(ValueError, match="format"):
        TopicProfile.from_json({**d, "format": 99})


def test_absorb_moves_the_profile_slowly_and_stays_bounded(qq_log, game_chat):
    prof = TopicProfile.from_texts(qq_log[:80])
    probe_game, probe_qq = game_chat[:200], qq_log[500:700]
    before = prof.score(probe_game)[0].mean()
    prof.absorb(game_chat[200:400], rate=0.05)
    after = prof.score(probe_game)[0].mean()
    assert before < after  # it moved toward what it absorbed
    assert prof.score(probe_qq)[0].mean() > after  # and is still the QQ group's profile
    for i in range(0, 3000, 100):
        prof.absorb(qq_log[i % 3800:i % 3800 + 100] + game_chat[i % 1000:i % 1000 + 100], rate=0.2)
    assert len(prof.word_df) <= MAX_WORDS
    with pytest.raises(ValueError, match="rate"):
        prof.absorb(qq_log[:5], rate=1.5)


def _replay(det, prof, stream, state, t0=1_000_000.0):
    """Each message through the detector, one a minute; a text the group sent among its last 20 is a repeat
    (as the service's flood windows tell)."""
    s, c = prof.score(stream)
    recent: deque[str] = deque(maxlen=20)
    out = []
    for i, (si, ci) in enumerate(zip(s, c, strict=True)):
        out.append(det.update(state, float(si), float(ci), ts=t0 + 60 * i, repeat=stream[i] in recent))
        recent.append(stream[i])
    return out


def test_drift_stays_calm_on_a_real_group_and_alerts_when_it_turns_into_another(qq_log, game_chat):
    prof = TopicProfile.from_texts(qq_log[::40][:80])  # what the group talks about over its weeks
    det = DriftDetector()
    state = det.new_state(baseline=prof.baseline)
    # its talk in random order: the same group, without the real excursions (a week on the army, say)
    # that the bench lists; those may alert, same-as-ever talk must not
    shuffled = [t for i, t in enumerate(qq_log) if i % 40]
    random.Random(0).shuffle(shuffled)
    calm = _replay(det, prof, shuffled[:1000], state)
    assert not any(alert for _, alert in calm)
    assert all(d == 0.0 for d, _ in calm[:20])  # learning the group's usual level first
    switched = _replay(det, prof, game_chat[:150], state, t0=1_060_000.0)
    delay = next(i for i, (_, alert) in enumerate(switched) if alert)
    assert delay <= 50
    assert switched[50][0] > np.mean([d for d, _ in calm[-100:]]) + 0.15  # the drift score rises clearly
    counts: dict[str, float] = {}
    for t in game_chat[:150]:
        for term in prof.terms(t):
            counts[term] = counts.get(term, 0.0) + 1.0
    drivers = drift_drivers(prof, counts)
    assert drivers and not set(drivers) & {t for t, _ in prof.top_terms(30)}
    # back on topic, the alert clears (hysteresis: not at the first calm message)
    back = _replay(det, prof, shuffled[1000:2000], state, t0=1_069_000.0)
    assert back[0][1] and not back[-1][1]


def test_drift_warms_up_without_a_baseline_and_fades_over_silence(qq_log, game_chat):
    prof = TopicProfile.from_texts(qq_log[::40][:80])
    det = DriftDetector()
    state = det.new_state()
    warm = _replay(det, prof, game_chat[:40], state)
    assert all(d == 0.0 and not a for d, a in warm)  # learning its zero, no alert meanwhile, whatever is said
    state = det.new_state(baseline=prof.baseline)
    _replay(det, prof, qq_log[1:400:2] + qq_log[401:800:2] + game_chat[:200], state)
    assert state["alert"] == 1.0 and state["cusum"] > 0
    level = state["cusum"]
    det.update(state, 0.5, 0.0, ts=state["ts"] + 30 * 86400)  # a month later, one message without signal
    assert state["cusum"] < level / 100 and state["alert"] == 0.0


def test_drift_state_is_a_few_floats_and_does_not_grow(qq_log, game_chat):
    prof = TopicProfile.from_texts(qq_log[:80])
    det = DriftDetector()
    for state in (det.new_state(), det.new_state(baseline=prof.baseline)):
        keys = set(state)
        assert all(isinstance(v, float) for v in state.values()) and len(keys) <= 8
        _replay(det, prof, qq_log[:500] + game_chat[:500], state)
        assert set(state) == keys and all(isinstance(v, float) for v in state.values())
        json.dumps(state)
