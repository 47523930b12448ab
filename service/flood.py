"""Flooding seen by behaviour: burst, repeat and raid windows per group and user.

Text alone cannot see most floods, so the service keeps short sliding windows:
- burst:  one user posts N messages within T seconds;
- repeat: one user posts the same (normalised) text N times within T seconds;
- raid:   N different users post the same text within T seconds (copy-paste campaigns).
The same state remembers what each group posted in the last hours, so that a reply quoting one of its
messages is told from a pitch dressed up as a quote (service/quotes.py).

State lives in memory behind the `FloodTracker` protocol (InMemoryFloodTracker, one
process), or in Redis (service/flood_redis.py), shared by several worker processes.
In memory it is bounded two ways: every map is an LRU capped in size, and entries idle
longer than a TTL are dropped, so a million distinct users cost at most `max_users`
windows.
"""
from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Protocol

from qunguard.model.normalize import Normalized

# Short replies that whole groups send at once (roll call, acknowledgement, +1):
# many members saying 收到 is a group doing its job, not a flood.
ACKS = frozenset(
    """
    收到 收到收到 好的 好 好滴 好嘞 嗯 嗯嗯 ok okk 0 00 000 +0 签到 到 在 在的 谢谢 谢谢你 多谢 感谢
    辛苦了 辛苦 支持 赞 顶 早 早安 晚安 早上好 晚上好 中午好 新年快乐 生日快乐 恭喜 恭喜恭喜 哈哈 哈哈哈
    同意 同上 附议 明白 了解 知道了 好的收到 收到谢谢 已读 已收到 是的 对 对的 没问题 行 可以
    """.split()
)
_KEEP = re.compile(r"[^\w\ue010-\ue0ff]+")  # drop punctuation, spaces, and the img/sticker/emoji tokens
_TOKENS = re.compile(r"[\ue000-\ue0ff]")


def repeat_key(norm: Normalized) -> str | None:
    """The text that counts as "the same message" for repeat and raid, or None.

    Built from the masked text (handles replaced by their kind, digits by 0), without
    punctuation, spaces, emoji or picture placeholders: "加V abc123!!" and "加v xyz789"
    are the same pitch, but two [图片] are two different pictures, and a roll-call
    收到 is not a flood. A message that is only a handle keys on the handle itself.
    """
    key = _KEEP.sub("", norm.masked)
    content = _TOKENS.sub("", key)
    if not content and norm.handles:
        # a bare handle: the same handle again is a repeat, two different links are not
        return "".join(h.text for h in norm.handles)
    if len(content) < 2 or content in ACKS:
        return None
    return key


@dataclass(frozen=True, slots=True)
class FloodLimits:
    burst_count: int = 5
    burst_window_s: float = 10.0
    repeat_count: int = 3
    repeat_window_s: float = 60.0
    raid_users: int = 4
    raid_window_s: float = 60.0
    # short texts many members type on their own (主播加油, 哈哈哈哈) are not campaigns
    raid_min_chars: int = 8


@dataclass(frozen=True, slots=True)
class FloodSignal:
    name: str  # burst | repeat | raid
    detail: str  # "burst: 8 in 10 s", shown to the group's members
    count: int
    # the message that tips a window names the other messages it counted, oldest first (those sent with an id): the
    # member's earlier ones for a burst or a repeat, the other members' copies for a raid. They were allowed, so a bot
    # removes them with it; every later message of the flood is flagged itself, and names none.
    earlier: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Observation:
    group_id: str
    user_id: str
    key: str | None  # repeat_key() of the message
    ts: float
    limits: FloodLimits
    said: str | None = None  # quotes.fingerprint() of the member's words, remembered for posted_before()
    message_id: str | None = None  # the bot's id for it: the message that tips a flood window names the others by it


class FloodTracker(Protocol):
    def observe_batch(self, items: list[Observation]) -> list[list[FloodSignal]] | None:
        """Record messages in order; for each, the flood signals it raises (empty if none).

        None when the windows could not be used (Redis unreachable): verdicts then go on
        from the text alone, and say so."""
        ...

    def posted_before(self, queries: list[tuple[str, str, float, str]]) -> list[bool] | None:
        """For each (group id, fingerprint, time, user id): did someone else in the group post those words within
        QUOTE_MEMORY_S before it (as some message's `said`; the latest to post them counts)? A member quoting
        their own words posts them again. None when the state could not be read."""
        ...

    def stats(self) -> dict[str, int]:
        ...


def signals_from_counts(limits: FloodLimits, burst: int, repeat: int, raid: int, burst_ids: Sequence[str] = (),
                        repeat_ids: Sequence[str] = (), raid_ids: Sequence[str] = ()) -> list[FloodSignal]:
    """The signals a message raises, from the counts of its windows (shared by every backend); `burst_ids`,
    `repeat_ids` and `raid_ids`: the other messages each window counted."""
    out = []
    if burst >= limits.burst_count:
        out.append(FloodSignal("burst", f"{burst} in {_fmt_window(limits.burst_window_s)}", burst,
                               tuple(burst_ids[-MAX_NAMED:])))
    if repeat >= limits.repeat_count:
        out.append(FloodSignal("repeat", f"{repeat} in {_fmt_window(limits.repeat_window_s)}", repeat,
                               tuple(repeat_ids[-MAX_NAMED:])))
    if raid >= limits.raid_users:
        out.append(FloodSignal("raid", f"{raid} users in {_fmt_window(limits.raid_window_s)}", raid,
                               tuple(raid_ids[-MAX_NAMED:])))
    return out


# What both backends keep, so that they count the same:
MAX_WINDOW = 2048  # a user's window keeps at most this many recent messages (limits above it are capped)
MAX_RAID_USERS = 256  # a text's raid window keeps at most this many users
MAX_NAMED = 50  # a signal names at most this many other messages, the latest
QUOTE_MEMORY_S = 6 * 3600.0  # a quote of a message older than this is judged with its reply
QUOTE_MEMORY_PER_GROUP = 2000  # Redis keeps a group's latest texts up to this many (memory: QUOTE_MEMORY_TEXTS in all)
QUOTE_MEMORY_TEXTS = 100_000  # in memory, the latest texts of all groups together (bench/bench_quotes.py: ~26 MB)


def user_window_messages(limits: FloodLimits) -> int:
    """Messages a user's window keeps: enough for the larger of its burst and repeat limits."""
    return min(max(limits.burst_count, limits.repeat_count) * 2, MAX_WINDOW)


def user_window_idle_s(limits: FloodLimits, ttl_s: float) -> float:
    """How long a user's window outlives the user's last message."""
    return min(ttl_s, max(limits.burst_window_s, limits.repeat_window_s))


def text_window_idle_s(limits: FloodLimits, ttl_s: float) -> float:
    """How long a text's raid window outlives the last time the text was posted."""
    return min(ttl_s, limits.raid_window_s)


def is_raid_candidate(key: str, limits: FloodLimits) -> bool:
    """A campaign is a long text, or any text carrying a contact handle."""
    content = _TOKENS.sub("", key)
    return len(content) >= limits.raid_min_chars or len(content) < len(key)


def _fmt_window(s: float) -> str:
    return f"{s:g} s"


# One list per window, its first item the expiry time: a user window holds (time, key hash, message id)
# tuples, a key window a {user: (last time, message id)} dict. Tuples of numbers and strings, and dicts of
# strings to such tuples, are untracked by CPython's garbage collector once it has seen them, so each live window
# costs the collector one object, and full collections stay short however many users are live
# (a pause there stalls every request in flight).
_EXPIRES = 0


def _user_window() -> list:
    return [0.0]  # then (ts, key hash or 0, message id or None) per message, oldest first


def _key_window() -> list:
    # expiry, {user: (last time it posted this text, that message's id)}, oldest first; client timestamps may arrive
    # out of order, so a window counts both sides of a message
    return [0.0, {}]


class _BoundedLRU(OrderedDict):
    """Least-recently-used map, capped in size; entries also leave once their window has passed."""

    def __init__(self, max_size: int) -> None:
        super().__init__()
        self.max_size = max_size
        self.evicted = 0

    def add(self, key, item: list, expires: float, now: float) -> list:
        item[_EXPIRES] = expires
        self[key] = item
        self._evict(now)
        return item

    def used(self, key, item: list, expires: float) -> None:
        item[_EXPIRES] = expires
        self.move_to_end(key)

    def _evict(self, now: float) -> None:
        while len(self) > self.max_size:
            self.popitem(last=False)
            self.evicted += 1
        # the front is the least recently used: stop at the first one still live
        while self:
            first = next(iter(self.values()))
            if first[_EXPIRES] > now:
                break
            self.popitem(last=False)
            self.evicted += 1


class InMemoryFloodTracker:
    """Flood windows for one process. Thread-safe; memory bounded by max_users and max_keys, and what the groups
    posted (for quotes) by max_texts.

    A window is dropped once it is idle longer than the longest of its group's windows
    (it can no longer count toward anything), and never kept longer than `ttl_s`.
    """

    def __init__(self, max_users: int = 200_000, max_keys: int = 200_000, ttl_s: float = 3600.0,
                 clock: Callable[[], float] | None = time.monotonic, max_texts: int = QUOTE_MEMORY_TEXTS) -> None:
        """clock: what idle windows expire by; None: each message's own send time (a replay of a group's
        history, whose messages come in send order, minutes for months)."""
        self._users = _BoundedLRU(max_users)
        self._keys = _BoundedLRU(max_keys)
        # hash of (group, fingerprint) -> (the latest time the group posted it, hash of who did), oldest first
        self._said: OrderedDict[int, tuple[float, int]] = OrderedDict()
        self.max_texts = max_texts
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._clock = clock

    def observe_batch(self, items: list[Observation]) -> list[list[FloodSignal]]:
        out = [self.observe(o.group_id, o.user_id, o.key, o.ts, o.limits, o.message_id) for o in items]
        with self._lock:
            for o in items:
                if o.said is not None:
                    self._remember(hash((o.group_id, o.said)), o.ts, hash(o.user_id))
        return out

    def _remember(self, h: int, ts: float, who: int) -> None:
        said = self._said
        prev = said.pop(h, None)
        # client times may arrive out of order: the latest post wins
        said[h] = (ts, who) if prev is None or ts >= prev[0] else prev
        while len(said) > self.max_texts:
            said.popitem(last=False)

    def posted_before(self, queries: list[tuple[str, str, float, str]]) -> list[bool]:
        with self._lock:
            found = [self._said.get(hash((g, fp))) for g, fp, _, _ in queries]
        return [p is not None and p[0] >= ts - QUOTE_MEMORY_S and p[1] != hash(user)
                for p, (_, _, ts, user) in zip(found, queries, strict=True)]

    def observe(self, group_id: str, user_id: str, key: str | None, ts: float,
                limits: FloodLimits, message_id: str | None = None) -> list[FloodSignal]:
        """Record one message and return the flood signals it raises (empty if none)."""
        size = user_window_messages(limits)
        burst = repeat = raid = 0
        burst_ids: list[str] = []
        repeat_ids: list[str] = []
        raid_ids: list[str] = []
        with self._lock:
            now = self._clock() if self._clock is not None else ts
            user_expires = now + user_window_idle_s(limits, self.ttl_s)
            uw = self._users.get((group_id, user_id))
            if uw is None:
                uw = self._users.add((group_id, user_id), _user_window(), user_expires, now)
            else:
                self._users.used((group_id, user_id), uw, user_expires)
            h = (hash(key) or 1) if key is not None else 0  # 0 marks "no key"
            uw.append((ts, h, message_id))
            if len(uw) > size + 1:
                del uw[1]
            if len(uw) > limits.burst_count:  # fewer messages than the limit cannot burst
                w = limits.burst_window_s
                burst = sum(1 for t, _, _ in islice(uw, 1, None) if abs(ts - t) <= w)
                if burst == limits.burst_count:  # the earlier ones (see FloodSignal.earlier)
                    burst_ids = [m for t, _, m in islice(uw, 1, len(uw) - 1) if m is not None and abs(ts - t) <= w]

            if key is not None:
                if len(uw) > limits.repeat_count:
                    w = limits.repeat_window_s
                    repeat = sum(1 for t, k, _ in islice(uw, 1, None) if k == h and abs(ts - t) <= w)
                    if repeat == limits.repeat_count:
                        repeat_ids = [m for t, k, m in islice(uw, 1, len(uw) - 1)
                                      if m is not None and k == h and abs(ts - t) <= w]

                if is_raid_candidate(key, limits):
                    key_expires = now + text_window_idle_s(limits, self.ttl_s)
                    kw = self._keys.get((group_id, h))
                    if kw is None:
                        kw = self._keys.add((group_id, h), _key_window(), key_expires, now)
                    else:
                        self._keys.used((group_id, h), kw, key_expires)
                    users = kw[1]
                    users.pop(user_id, None)  # re-insert: newest last
                    users[user_id] = (ts, message_id)
                    if len(users) > MAX_RAID_USERS:
                        del users[next(iter(users))]
                    if len(users) >= limits.raid_users:
                        w = limits.raid_window_s
                        raid = sum(1 for t, _ in users.values() if abs(ts - t) <= w)
                        if raid == limits.raid_users:  # the other members' copies
                            for u in reversed(users):
                                t, m = users[u]
                                if u != user_id and m is not None and abs(ts - t) <= w:
                                    raid_ids.append(m)
                                    if len(raid_ids) == MAX_NAMED:
                                        break
                            raid_ids.reverse()
        return signals_from_counts(limits, burst, repeat, raid, burst_ids, repeat_ids, raid_ids)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"users": len(self._users), "keys": len(self._keys), "texts": len(self._said),
                    "evicted_users": self._users.evicted, "evicted_keys": self._keys.evicted}
