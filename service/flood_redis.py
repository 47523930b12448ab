"""Flood windows in Redis, shared by every worker process (QUNGUARD_FLOOD_BACKEND=redis).

Same windows and counts as InMemoryFloodTracker, so both backends raise the same signals
(tests/test_flood.py runs every window test on both):
- a user's window is a list of "ts key-hash message-id" entries, trimmed to the last `size`;
- a text's raid window is a sorted set of users scored by their latest time, and a hash of their messages' ids.
- what a group posted lately (for quotes, service/quotes.py) is a sorted set of text hashes scored by time,
  its latest QUOTE_MEMORY_PER_GROUP kept, and a hash of who posted each last.
Every key expires once idle longer than its group's window (capped by ttl_s), so Redis
memory follows the live users; set Redis `maxmemory` with `volatile-lru` to cap it hard.

A whole batch is one EVALSHA of one Lua script: one round trip, and atomic, so two
workers never interleave inside one message's update. Key hashes are blake2b of the
repeat key, the same in every process (Python's hash() is salted per process).

If Redis cannot be reached, verdicts keep flowing without behaviour signals. A hung Redis
(stopped, not refusing) costs one socket timeout, once: a circuit breaker then skips Redis
and every batch goes on from the text alone at once (observe_batch returns None, and the
engine says so in the verdict's reasons). A background thread probes Redis, after 1 s,
then 2, 4 ... up to 30 s, and closes the breaker when it answers. `available` is the
breaker's state, read by /healthz and /metrics without a network call.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable

import redis

from qunguard.service.flood import (
    MAX_NAMED,
    MAX_RAID_USERS,
    QUOTE_MEMORY_PER_GROUP,
    QUOTE_MEMORY_S,
    FloodLimits,
    FloodSignal,
    Observation,
    is_raid_candidate,
    signals_from_counts,
    text_window_idle_s,
    user_window_idle_s,
    user_window_messages,
)

log = logging.getLogger("qunguard.flood")

# KEYS: per message, its user window, its text window ("" when it has no raid window) and its group's texts.
# ARGV: the constants below, K limit sets of L values each (a batch's groups share few: each set is sent once),
# then per message M values (see _args). Returns per message: the burst, repeat and raid counts, then 0, or the ids
# of the other messages each counted ({burst ids, repeat ids, raid ids}; only where the count is at its limit).
_OBSERVE = """
local MAX_RAID_USERS, SAID_CAP, SAID_MS, MAX_NAMED = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local L, M = 9, 6
local sets, first = {}, 6 + tonumber(ARGV[5]) * L
for s = 0, tonumber(ARGV[5]) - 1 do
  local b = 5 + s * L
  sets[s + 1] = {burst_n = tonumber(ARGV[b + 1]), burst_w = tonumber(ARGV[b + 2]), repeat_n = tonumber(ARGV[b + 3]),
                 repeat_w = tonumber(ARGV[b + 4]), size = tonumber(ARGV[b + 5]), user_ms = ARGV[b + 6],
                 text_ms = ARGV[b + 7], raid_w = tonumber(ARGV[b + 8]), raid_n = tonumber(ARGV[b + 9])}
end
local out = {}
for i = 0, #KEYS / 3 - 1 do
  local ukey, kkey, skey, a = KEYS[3 * i + 1], KEYS[3 * i + 2], KEYS[3 * i + 3], first + i * M
  local ts, h, user, said, id = tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
  local lim = sets[tonumber(ARGV[a + 5])]
  redis.call("RPUSH", ukey, ARGV[a] .. " " .. h .. " " .. id)
  redis.call("LTRIM", ukey, -lim.size, -1)
  redis.call("PEXPIRE", ukey, lim.user_ms)
  local burst, rep, burst_ids, rep_ids, raid_ids = 0, 0, {}, {}, {}
  local entries = redis.call("LRANGE", ukey, 0, -1)
  if #entries >= lim.burst_n or (h ~= "0" and #entries >= lim.repeat_n) then
    for j, e in ipairs(entries) do
      -- "ts hash id": the id is the rest (an entry of an older version has none)
      local sp = string.find(e, " ", 1, true)
      local sp2 = string.find(e, " ", sp + 1, true)
      local eh = sp2 and string.sub(e, sp + 1, sp2 - 1) or string.sub(e, sp + 1)
      local eid = sp2 and string.sub(e, sp2 + 1) or ""
      local earlier = j < #entries and eid ~= ""
      local dt = math.abs(ts - tonumber(string.sub(e, 1, sp - 1)))
      if dt <= lim.burst_w then
        burst = burst + 1
        if earlier then burst_ids[#burst_ids + 1] = eid end
      end
      if h ~= "0" and dt <= lim.repeat_w and eh == h then
        rep = rep + 1
        if earlier then rep_ids[#rep_ids + 1] = eid end
      end
    end
  end
  local raid = 0
  if kkey ~= "" then
    local ikey = kkey .. ":ids"  -- each member's message id of this text
    redis.call("ZADD", kkey, ts, user)
    redis.call("HSET", ikey, user, id)
    local n = redis.call("ZCARD", kkey)
    if n > MAX_RAID_USERS then
      local old = redis.call("ZRANGE", kkey, 0, n - MAX_RAID_USERS - 1)
      redis.call("ZREMRANGEBYRANK", kkey, 0, n - MAX_RAID_USERS - 1)
      redis.call("HDEL", ikey, unpack(old))
    end
    redis.call("PEXPIRE", kkey, lim.text_ms)
    redis.call("PEXPIRE", ikey, lim.text_ms)
    local lo, hi = string.format("%.17g", ts - lim.raid_w), string.format("%.17g", ts + lim.raid_w)
    raid = redis.call("ZCOUNT", kkey, lo, hi)
    if raid == lim.raid_n then  -- the message that tips the window: the other members' copies, oldest first
      local users = redis.call("ZREVRANGEBYSCORE", kkey, hi, lo, "LIMIT", 0, MAX_NAMED + 1)
      local ids = redis.call("HMGET", ikey, unpack(users))
      for j = #users, 1, -1 do
        if users[j] ~= user and ids[j] and ids[j] ~= "" then raid_ids[#raid_ids + 1] = ids[j] end
      end
    end
  end
  if said ~= "0" then
    local wkey = skey .. ":who"
    if redis.call("ZADD", skey, "GT", "CH", ts, said) == 1 then  -- added, or posted later than it was: who did
      redis.call("HSET", wkey, said, user)
    end
    local n = redis.call("ZCARD", skey)
    if n > SAID_CAP then
      local old = redis.call("ZRANGE", skey, 0, n - SAID_CAP - 1)
      redis.call("ZREMRANGEBYRANK", skey, 0, n - SAID_CAP - 1)
      redis.call("HDEL", wkey, unpack(old))
    end
    redis.call("PEXPIRE", skey, SAID_MS)
    redis.call("PEXPIRE", wkey, SAID_MS)
  end
  out[#out + 1] = burst
  out[#out + 1] = rep
  out[#out + 1] = raid
  if burst ~= lim.burst_n then burst_ids = {} end  -- only the message that tips a window names the others
  if rep ~= lim.repeat_n then rep_ids = {} end
  if #burst_ids + #rep_ids + #raid_ids > 0 then
    out[#out + 1] = {burst_ids, rep_ids, raid_ids}
  else
    out[#out + 1] = 0
  end
end
return out
"""


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _group(group_id: str) -> str:
    # the group id's length first: ids are the bots' own strings, so no separator is safe alone
    return f"{len(group_id)}:{group_id}"


def _hash(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


class CircuitBreaker:
    """Closed: calls go through. Open: callers skip the dependency until a probe gets an answer.

    `trip()` opens it and starts one daemon thread that runs `probe` after a back-off
    (first_backoff_s, doubled after each failed probe, up to max_backoff_s) and closes the
    breaker on the first probe that does not raise. Nothing here runs on the caller's thread.
    """

    def __init__(self, probe: Callable[[], object], *, first_backoff_s: float = 1.0, max_backoff_s: float = 30.0,
                 name: str = "breaker-probe") -> None:
        self._probe = probe
        self.first_backoff_s = first_backoff_s
        self.max_backoff_s = max_backoff_s
        self.name = name
        self._closed = threading.Event()
        self._closed.set()
        self._stopped = threading.Event()
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def trip(self) -> bool:
        """Open the breaker and start probing; False if it was open already (one prober at a time)."""
        with self._lock:
            if not self._closed.is_set() or self._stopped.is_set():
                return False
            self._closed.clear()
        threading.Thread(target=self._probe_until_answered, daemon=True, name=self.name).start()
        return True

    def stop(self) -> None:
        """End the probing thread (at shutdown, or when a test is done with the tracker)."""
        self._stopped.set()

    def _probe_until_answered(self) -> None:
        delay = self.first_backoff_s
        while not self._stopped.wait(delay):
            try:
                self._probe()
            except Exception as exc:  # noqa: BLE001 - any failure keeps it open; a dead prober would keep it open for ever
                delay = min(delay * 2, self.max_backoff_s)
                log.debug("probe failed (%r); next in %g s", exc, delay)
                continue
            self._closed.set()
            return


class RedisFloodTracker:
    def __init__(self, url: str = "redis://127.0.0.1:6379/0", *, prefix: str = "qg:", ttl_s: float = 3600.0,
                 client: redis.Redis | None = None, first_backoff_s: float = 1.0, max_backoff_s: float = 30.0) -> None:
        # a bot waits on every batch: a Redis that hangs costs one batch half a second, then the
        # breaker opens and the batches after it skip Redis
        self.client = client or redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.ttl_s = ttl_s
        self._observe = self.client.register_script(_OBSERVE)
        self.breaker = CircuitBreaker(self._probe, first_backoff_s=first_backoff_s, max_backoff_s=max_backoff_s,
                                      name="qunguard-redis-probe")
        self.failures = 0

    @property
    def available(self) -> bool:
        """Whether batches use the flood windows now (the breaker is closed): no network call."""
        return self.breaker.closed

    def _probe(self) -> None:
        self.client.ping()
        log.warning("flood windows available again")

    def close(self) -> None:
        self.breaker.stop()
        self.client.close()

    def ping(self) -> None:
        """Raise redis.RedisError if the server cannot be reached (checked once at start)."""
        self.client.ping()

    def _args(self, o: Observation, limit_set: int, keys: list[str], argv: list) -> None:
        h = _hash(o.key) if o.key is not None else "0"
        group = _group(o.group_id)
        keys.append(f"{self.prefix}u:{group}:{o.user_id}")
        raid = o.key is not None and is_raid_candidate(o.key, o.limits)
        keys.append(f"{self.prefix}k:{group}:{h}" if raid else "")
        keys.append(self._said_key(o.group_id))
        argv += [repr(float(o.ts)), h, o.user_id, _hash(o.said) if o.said is not None else "0", o.message_id or "",
                 limit_set]

    def _limit_values(self, lim: FloodLimits) -> list:
        """One limit set's L values, in the script's order."""
        return [lim.burst_count, lim.burst_window_s, lim.repeat_count, lim.repeat_window_s, user_window_messages(lim),
                _ms(user_window_idle_s(lim, self.ttl_s)), _ms(text_window_idle_s(lim, self.ttl_s)), lim.raid_window_s,
                lim.raid_users]

    def _said_key(self, group_id: str) -> str:
        return f"{self.prefix}t:{_group(group_id)}"

    def observe_batch(self, items: list[Observation]) -> list[list[FloodSignal]] | None:
        """The signals of each message, or None when the windows could not be used (no context)."""
        if not items:
            return []
        if not self.breaker.closed:
            return None  # open: no network on the request path until the probe has an answer
        sets: dict[FloodLimits, int] = {}  # each group's limits, sent once a batch
        keys: list[str] = []
        per_message: list = []
        for o in items:
            self._args(o, sets.setdefault(o.limits, len(sets) + 1), keys, per_message)
        argv: list = [MAX_RAID_USERS, QUOTE_MEMORY_PER_GROUP, _ms(QUOTE_MEMORY_S), MAX_NAMED, len(sets)]
        for lim in sets:
            argv += self._limit_values(lim)
        try:
            out = self._observe(keys=keys, args=argv + per_message)
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        signals = []
        for i, o in enumerate(items):
            burst, rep, raid, named = out[4 * i : 4 * i + 4]
            ids = [[b.decode() for b in part] for part in named] if named else ()
            signals.append(signals_from_counts(o.limits, burst, rep, raid, *ids))
        return signals

    def _failed(self, exc: redis.RedisError) -> None:
        self.failures += 1
        if self.breaker.trip():
            log.error("flood windows unavailable (%s): verdicts go on from the text alone; "
                      "probing Redis in the background", exc)

    def posted_before(self, queries: list[tuple[str, str, float, str]]) -> list[bool] | None:
        if not queries:
            return []
        if not self.breaker.closed:
            return None
        pipe = self.client.pipeline(transaction=False)
        for group_id, fp, _, _ in queries:
            key, h = self._said_key(group_id), _hash(fp)
            pipe.zscore(key, h)
            pipe.hget(key + ":who", h)
        try:
            found = pipe.execute()
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        return [t is not None and t >= ts - QUOTE_MEMORY_S and who != user.encode()
                for t, who, (_, _, ts, user) in zip(found[::2], found[1::2], queries, strict=True)]

    def stats(self) -> dict[str, int]:
        if not self.breaker.closed:  # /metrics must not wait on a Redis that does not answer
            return {"redis_failures": self.failures}
        try:
            return {"redis_keys": int(self.client.dbsize()), "redis_failures": self.failures}
        except redis.RedisError:
            return {"redis_failures": self.failures}
