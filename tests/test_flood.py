"""Burst, repeat and raid windows with controlled timestamps, and the tracker's memory bounds."""
import threading

import pytest

from qunguard.model.normalize import normalize
from qunguard.service.flood import (
    QUOTE_MEMORY_PER_GROUP,
    QUOTE_MEMORY_S,
    FloodLimits,
    InMemoryFloodTracker,
    Observation,
    repeat_key,
)

T0 = 1_763_900_000.0
LIMITS = FloodLimits()  # 5 in 10 s, 3 repeats in 60 s, 4 users in 60 s


def key(text):
    return repeat_key(normalize(text))


def names(signals):
    return [s.name for s in signals]


@pytest.fixture(params=["memory", "redis"])
def tracker(request):
    """Every window test runs on both backends: they must raise the same signals."""
    if request.param == "memory":
        yield InMemoryFloodTracker()
        return
    from tests.conftest import redis_tracker

    with redis_tracker() as tr:
        yield tr


def observe(tracker, group_id, user_id, k, ts, limits):
    return tracker.observe_batch([Observation(group_id, user_id, k, ts, limits)])[0]


# -- what counts as the same message --------------------------------------------------------
@pytest.mark.parametrize("a,b", [
    ("加V abc123 领取优惠!!", "加v  xyz789 领取优惠"),  # same pitch, different handle and punctuation
    ("今晚八点开会", "今晚八点开会。。。"),
    ("這個群真不錯", "这个群真不错"),  # traditional and simplified
    ("ｈｅｌｌｏ world", "hello world"),
])
def test_near_identical_texts_share_a_key(a, b):
    assert key(a) is not None and key(a) == key(b)


@pytest.mark.parametrize("text", ["[图片]", "[表情]", "😀😀", "收到", "收到！", "好的", "1", "+1", "ok", "  "])
def test_placeholders_emoji_and_roll_call_acks_have_no_key(text):
    assert key(text) is None


def test_different_texts_have_different_keys():
    assert key("今晚八点开会") != key("明早八点开会")
    assert key("https://a.example.com/x") != key("https://b.example.com/y")  # bare links key on the link


# -- burst ---------------------------------------------------------------------------------
def test_burst_fires_at_the_limit_and_reports_the_count(tracker):
    seen = [observe(tracker, "g", "u", key(f"消息{i}号内容"), T0 + i, LIMITS) for i in range(8)]
    assert [("burst" in names(s)) for s in seen] == [False] * 4 + [True] * 4
    last = next(s for s in seen[-1] if s.name == "burst")
    assert last.count == 8 and last.detail == "8 in 10 s"


def test_calm_pace_never_bursts(tracker):
    for i in range(50):
        assert "burst" not in names(observe(tracker, "g", "u", key(f"第{i}条正常发言"), T0 + 3 * i, LIMITS))


def test_burst_is_per_user_and_per_group(tracker):
    for i in range(4):
        observe(tracker, "g", "u", None, T0 + i, LIMITS)
    assert names(observe(tracker, "g", "other", None, T0 + 4, LIMITS)) == []
    assert names(observe(tracker, "g2", "u", None, T0 + 4, LIMITS)) == []
    assert "burst" in names(observe(tracker, "g", "u", None, T0 + 4, LIMITS))


def test_group_limits_apply(tracker):
    strict = FloodLimits(burst_count=3, burst_window_s=5)
    sig = [observe(tracker, "g", "u", None, T0 + i, strict) for i in range(3)]
    assert "burst" in names(sig[-1])


# -- repeat --------------------------------------------------------------------------------
def test_repeat_fires_on_the_third_copy_within_the_window(tracker):
    k = key("有没有人一起打游戏")
    out = [observe(tracker, "g", "u", k, T0 + 20 * i, LIMITS) for i in range(3)]
    assert [("repeat" in names(s)) for s in out] == [False, False, True]
    assert [s.detail for s in out[-1] if s.name == "repeat"] == ["3 in 60 s"]


def test_repeat_outside_the_window_is_not_a_flood(tracker):
    k = key("有没有人一起打游戏")
    out = [observe(tracker, "g", "u", k, T0 + 40 * i, LIMITS) for i in range(3)]
    assert all("repeat" not in names(s) for s in out)


def test_pictures_and_roll_call_never_repeat(tracker):
    for i, text in enumerate(["[图片]", "[图片]", "[图片]", "收到", "收到", "收到"]):
        assert "repeat" not in names(observe(tracker, "g", "u", key(text), T0 + 15 * i, LIMITS))


# -- raid ----------------------------------------------------------------------------------
def test_raid_fires_when_several_users_paste_the_same_text(tracker):
    text = "重磅消息！本群即将解散，所有人速度加入新群"
    out = [observe(tracker, "g", f"u{i}", key(text), T0 + i, LIMITS) for i in range(4)]
    assert [("raid" in names(s)) for s in out] == [False, False, False, True]
    assert [s.detail for s in out[-1] if s.name == "raid"] == ["4 users in 60 s"]


def test_raid_counts_a_handle_pitch_with_different_handles(tracker):
    out = [observe(tracker, "g", f"u{i}", key(f"加V abc{i}{i}{i}x 领取优惠券"), T0 + i, LIMITS) for i in range(4)]
    assert "raid" in names(out[-1])


def test_a_whole_room_cheering_is_not_a_raid(tracker):
    for i in range(30):
        assert "raid" not in names(observe(tracker, "live", f"u{i}", key("主播加油"), T0 + i, LIMITS))
    for i in range(30):
        assert names(observe(tracker, "class", f"s{i}", key("收到"), T0 + i, LIMITS)) == []


def test_raid_is_per_group(tracker):
    text = "重磅消息！本群即将解散，所有人速度加入新群"
    for i in range(3):
        observe(tracker, f"g{i}", f"u{i}", key(text), T0 + i, LIMITS)
    assert "raid" not in names(observe(tracker, "g3", "u3", key(text), T0 + 3, LIMITS))


# -- bounds and threads --------------------------------------------------------------------
def test_a_million_users_cost_at_most_the_cap():
    tr = InMemoryFloodTracker(max_users=1000, max_keys=500, ttl_s=3600)
    for i in range(20_000):
        tr.observe("g", f"u{i}", key(f"用户{chr(0x4E00 + i)}的一条很长的独特发言内容"), T0 + i * 0.01, LIMITS)
    s = tr.stats()
    assert s["users"] == 1000 and s["keys"] == 500
    assert s["evicted_users"] == 19_000


def test_idle_windows_expire_after_the_ttl():
    clock = [0.0]
    tr = InMemoryFloodTracker(ttl_s=60, clock=lambda: clock[0])
    for i in range(4):
        tr.observe("g", "u", None, T0 + i, LIMITS)
    clock[0] = 120.0  # two idle minutes later, another user speaks: the first user's window is gone
    tr.observe("g", "v", None, T0 + 5, LIMITS)
    assert tr.stats()["users"] == 1


def test_without_a_clock_windows_expire_by_the_messages_own_time():
    """A replay (service/replay.py) sends months of messages in minutes: by the wall clock no window would ever be
    idle, so every text's window stayed until the cap."""
    tr = InMemoryFloodTracker(ttl_s=3600, clock=None)
    for i in range(4):
        tr.observe("g", "u", key(f"第{i}条消息"), T0 + i, LIMITS)
    assert tr.stats()["users"] == 1
    tr.observe("g", "v", key("两个小时以后"), T0 + 7200, LIMITS)  # two hours of message time later
    assert tr.stats()["users"] == 1 and tr.stats()["keys"] <= 1
    # a repeat still counts within its window of message time
    for i in range(LIMITS.repeat_count + 1):
        signals = tr.observe("g", "w", key("一模一样的话"), T0 + 7300 + i, LIMITS)
    assert any(s.name == "repeat" for s in signals)


def test_threads_do_not_lose_counts():
    tr = InMemoryFloodTracker()
    limits = FloodLimits(burst_count=1000, burst_window_s=3600)

    def post():
        for i in range(250):
            tr.observe("g", "u", None, T0 + i * 0.001, limits)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert names(tr.observe("g", "u", None, T0, limits)) == ["burst"]


def test_memory_per_user_window_stays_small():
    import tracemalloc

    tr = InMemoryFloodTracker(max_users=1_000_000, max_keys=1_000_000)
    users = [f"user-{i:07d}" for i in range(20_000)]  # ids exist before measuring: the caller owns them
    texts = [key(f"第{chr(0x4E00 + i % 5000)}条消息，大家好，这是一条普通的发言") for i in range(20_000)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i, (u, k) in enumerate(zip(users, texts, strict=True)):
        tr.observe("g", u, k, T0 + i * 0.01, LIMITS)
    per_user = (tracemalloc.get_traced_memory()[0] - before) / len(users)
    tracemalloc.stop()
    assert per_user < 1500, f"{per_user:.0f} bytes per user (user and raid windows)"


def test_a_batch_observes_in_order(tracker):
    k = key("有没有人一起打游戏")
    out = tracker.observe_batch([Observation("g", "u", k, T0 + i, LIMITS) for i in range(5)])
    assert [names(s) for s in out] == [[], [], ["repeat"], ["repeat"], ["burst", "repeat"]]
    assert out[-1][0].detail == "5 in 10 s" and out[-1][1].detail == "5 in 60 s"


def test_redis_down_keeps_verdicts_flowing():
    from qunguard.service.flood_redis import RedisFloodTracker

    tr = RedisFloodTracker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        assert tr.observe_batch([Observation("g", "u", key("今晚八点开会"), T0, LIMITS)]) is None  # no context
        assert tr.available is False and tr.stats()["redis_failures"] == 1
    finally:
        tr.close()


def test_redis_windows_are_shared_between_processes_and_expire():
    from tests.conftest import redis_tracker

    with redis_tracker() as a, redis_tracker(prefix=a.prefix) as b:  # two workers, one Redis
        text = key("重磅消息！本群即将解散，所有人速度加入新群")
        for i in range(3):
            observe(a if i % 2 else b, "g", f"u{i}", text, T0 + i, LIMITS)
        assert "raid" in names(observe(a, "g", "u3", text, T0 + 3, LIMITS))
        ttls = [a.client.pttl(k) for k in a.client.scan_iter(match=a.prefix + "*")]
        assert ttls and all(0 < t <= 60_000 for t in ttls)  # idle windows leave with their group's window


@pytest.mark.parametrize("sep", [":", "\x00"])
def test_redis_keys_cannot_be_forged_by_ids(sep):
    from tests.conftest import redis_tracker

    with redis_tracker() as tr:
        # (f"a{sep}b", "c") and ("a", f"b{sep}c") are two users of two groups, whatever the ids hold
        for i in range(4):
            observe(tr, f"a{sep}b", "c", None, T0 + i, LIMITS)
        assert names(observe(tr, "a", f"b{sep}c", None, T0 + 4, LIMITS)) == []
        assert "burst" in names(observe(tr, f"a{sep}b", "c", None, T0 + 4, LIMITS))


# -- what the group posted lately (quotes, service/quotes.py) ------------------------------------
def said(tracker, group_id, fp, ts, user="u"):
    tracker.observe_batch([Observation(group_id, user, None, ts, LIMITS, fp)])


def test_a_group_remembers_what_it_posted_and_no_other_group_does(tracker):
    said(tracker, "g", "出二手自行车九成新", T0)
    assert tracker.posted_before([("g", "出二手自行车九成新", T0 + 60, "m"), ("g2", "出二手自行车九成新", T0 + 60, "m"),
                                  ("g", "出二手电动车九成新", T0 + 60, "m")]) == [True, False, False]


def test_words_count_as_posted_by_whoever_posted_them_last(tracker):
    said(tracker, "g", "出二手自行车九成新", T0, user="seller")
    assert tracker.posted_before([("g", "出二手自行车九成新", T0 + 60, "seller")]) == [False]  # one's own words
    said(tracker, "g", "出二手自行车九成新", T0 + 30, user="echo")
    assert tracker.posted_before([("g", "出二手自行车九成新", T0 + 60, "seller"),
                                  ("g", "出二手自行车九成新", T0 + 60, "echo")]) == [True, False]
    said(tracker, "g", "出二手自行车九成新", T0 + 10, user="late")  # arrives late, sent before echo's: echo stays
    assert tracker.posted_before([("g", "出二手自行车九成新", T0 + 60, "echo")]) == [False]


def test_words_posted_longer_ago_than_the_quote_memory_are_forgotten(tracker):
    said(tracker, "g", "明天几点集合", T0)
    assert tracker.posted_before([("g", "明天几点集合", T0 + QUOTE_MEMORY_S - 1, "m")]) == [True]
    assert tracker.posted_before([("g", "明天几点集合", T0 + QUOTE_MEMORY_S + 1, "m")]) == [False]
    said(tracker, "g", "明天几点集合", T0 + QUOTE_MEMORY_S)  # posted again: remembered from then
    assert tracker.posted_before([("g", "明天几点集合", T0 + QUOTE_MEMORY_S + 1, "m")]) == [True]


def test_nothing_asked_nothing_answered(tracker):
    assert tracker.posted_before([]) == []


def test_redis_keeps_a_groups_latest_texts_up_to_its_cap():
    import redis

    from tests.conftest import REDIS_URL, redis_tracker

    with redis_tracker() as tr:
        n = QUOTE_MEMORY_PER_GROUP + 5
        tr.observe_batch([Observation("g", "u", None, T0 + i, LIMITS, f"第{i}条") for i in range(n)])
        seen = tr.posted_before([("g", f"第{i}条", T0 + n, "m") for i in range(n)])
        assert seen == [False] * 5 + [True] * QUOTE_MEMORY_PER_GROUP
        client = redis.Redis.from_url(REDIS_URL)
        try:  # who posted each is kept for the same texts only
            assert client.hlen(tr._said_key("g") + ":who") == QUOTE_MEMORY_PER_GROUP
        finally:
            client.close()


def test_memory_keeps_the_latest_texts_of_all_groups_up_to_its_cap():
    tr = InMemoryFloodTracker(max_texts=3)
    for i in range(5):
        said(tr, f"g{i}", "同一句话", T0 + i)
    assert tr.posted_before([(f"g{i}", "同一句话", T0 + 5, "m") for i in range(5)]) == [False, False, True, True, True]
    assert tr.stats()["texts"] == 3


# -- the earlier messages a burst or a repeat counted ------------------------------------------
def observe_id(tracker, user_id, text, ts, message_id, group_id="g"):
    return tracker.observe_batch([Observation(group_id, user_id, key(text), ts, LIMITS, None, message_id)])[0]


def earlier(signals, name):
    return next((s.earlier for s in signals if s.name == name), None)


def test_the_message_that_tips_a_repeat_names_the_members_earlier_copies(tracker):
    observe_id(tracker, "u", "加群领资料速来", T0 - 120, "old")  # outside the 60 s window
    observe_id(tracker, "u", "加群领资料速来", T0, "m0")
    observe_id(tracker, "other", "加群领资料速来", T0 + 1, "x0")  # another member's copy: not this member's flood
    observe_id(tracker, "u", "今天天气不错", T0 + 2, "chat")  # the member's other words: not the repeat
    second = observe_id(tracker, "u", "加群领资料速来", T0 + 3, None)  # sent without an id: counted, not named
    assert earlier(second, "repeat") is None  # 2 in 60 s: no signal yet
    third = observe_id(tracker, "u", "加群领资料速来！", T0 + 4, "m2")
    assert earlier(third, "repeat") == ("m0",)


def test_the_message_that_tips_a_burst_names_the_members_earlier_messages(tracker):
    seen = [observe_id(tracker, "u", f"第{i}条不一样的消息", T0 + i, f"m{i}") for i in range(6)]
    assert [earlier(s, "burst") for s in seen[:4]] == [None] * 4
    assert earlier(seen[4], "burst") == ("m0", "m1", "m2", "m3")  # the message that tips the window
    assert earlier(seen[5], "burst") == ()  # flagged itself, as m4 was: nothing more to remove


def test_redis_reads_a_window_written_before_messages_had_ids():
    import redis

    from qunguard.service.flood_redis import _hash
    from tests.conftest import REDIS_URL, redis_tracker

    with redis_tracker() as tr:
        client = redis.Redis.from_url(REDIS_URL)
        try:  # two entries as the previous version wrote them: "ts hash"
            client.rpush(f"{tr.prefix}u:1:g:u", *(f"{T0 + i!r} {_hash(key('加群领资料速来'))}" for i in range(2)))
        finally:
            client.close()
        assert earlier(observe_id(tr, "u", "加群领资料速来", T0 + 2, "m2"), "repeat") == ()


def test_a_raid_names_the_other_members_copies(tracker):
    ad = "加微信 abc_8899 领取优惠券 限时包邮"
    observe_id(tracker, "r0", ad, T0 - 300, "stale")  # outside the 60 s window
    seen = [observe_id(tracker, f"r{i}", ad, T0 + i, f"m{i}" if i != 2 else None) for i in range(1, 5)]
    assert [earlier(s, "raid") for s in seen[:3]] == [None] * 3
    assert set(earlier(seen[3], "raid")) == {"m1", "m3"}  # r2 sent no id; r4's own copy is not "other"
