"""Flood windows in Redis, shared by every worker process (QUNGUARD_FLOOD_BACKEND=redis).

Same windows and counts as InMemoryFloodTracker, so both backends raise the same signals
(tests/test_flood.py runs every window test on both):
- a user's window is a list of "ts key-hash" entries, trimmed to the last `size`;
- a text's raid window is a sorted set of users scored by their latest time.
Every key expires once idle longer than its group's window (capped by ttl_s), so Redis
memory follows the live users; set Redis `maxmemory` with `volatile-lru` to cap it hard.

A whole batch is one EVALSHA of one Lua script: one round trip, and atomic, so two
workers never interleave inside one message's update. Key hashes are blake2b of the
repeat key, the same in every process (Python's hash() is salted per process).

If Redis cannot be reached, verdicts keep flowing without behaviour signals: the
text model still judges every message, `available` turns False (shown by /healthz and
/metrics), and the next batch tries again.
"""
from __future__ import annotations

import hashlib
import logging

import redis

from service.flood import (
    MAX_RAID_USERS,
    FloodSignal,
    Observation,
    is_raid_candidate,
    signals_from_counts,
    text_window_idle_s,
    user_window_idle_s,
    user_window_messages,
)

log = logging.getLogger("qunguard.flood")

# KEYS: per message, its user window and its text window ("" when it has no raid window).
# ARGV: per message, FIELDS values (see _args). Returns per message: burst, repeat, raid counts.
_OBSERVE = """
local F = 13
local out = {}
for i = 0, #KEYS / 2 - 1 do
  local ukey, kkey, a = KEYS[2 * i + 1], KEYS[2 * i + 2], i * F
  local ts, h = tonumber(ARGV[a + 1]), ARGV[a + 2]
  local burst_n, burst_w = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local repeat_n, repeat_w = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  redis.call("RPUSH", ukey, ARGV[a + 1] .. " " .. h)
  redis.call("LTRIM", ukey, -tonumber(ARGV[a + 7]), -1)
  redis.call("PEXPIRE", ukey, ARGV[a + 8])
  local burst, rep = 0, 0
  local entries = redis.call("LRANGE", ukey, 0, -1)
  if #entries >= burst_n or (h ~= "0" and #entries >= repeat_n) then
    for _, e in ipairs(entries) do
      local sp = string.find(e, " ", 1, true)
      local dt = math.abs(ts - tonumber(string.sub(e, 1, sp - 1)))
      if dt <= burst_w then burst = burst + 1 end
      if h ~= "0" and dt <= repeat_w and string.sub(e, sp + 1) == h then rep = rep + 1 end
    end
  end
  local raid = 0
  if kkey ~= "" then
    redis.call("ZADD", kkey, ts, ARGV[a + 9])
    local n = redis.call("ZCARD", kkey)
    if n > tonumber(ARGV[a + 10]) then
      redis.call("ZREMRANGEBYRANK", kkey, 0, n - tonumber(ARGV[a + 10]) - 1)
    end
    redis.call("PEXPIRE", kkey, ARGV[a + 11])
    raid = redis.call("ZCOUNT", kkey, ARGV[a + 12], ARGV[a + 13])
  end
  out[#out + 1] = burst
  out[#out + 1] = rep
  out[#out + 1] = raid
end
return out
"""


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _hash(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


class RedisFloodTracker:
    def __init__(self, url: str = "redis://127.0.0.1:6379/0", *, prefix: str = "qg:", ttl_s: float = 3600.0,
                 client: redis.Redis | None = None) -> None:
        # a bot waits on every batch: a Redis that hangs costs at most half a second, then the
        # batch goes on without behaviour signals
        self.client = client or redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.ttl_s = ttl_s
        self._observe = self.client.register_script(_OBSERVE)
        self.available = True
        self.failures = 0

    def ping(self) -> None:
        """Raise redis.RedisError if the server cannot be reached (checked once at start)."""
        self.client.ping()

    def _args(self, o: Observation, keys: list[str], argv: list) -> None:
        lim = o.limits
        h = _hash(o.key) if o.key is not None else "0"
        # the group id's length first: ids are the bots' own strings, so no separator is safe alone
        group = f"{len(o.group_id)}:{o.group_id}"
        keys.append(f"{self.prefix}u:{group}:{o.user_id}")
        raid = o.key is not None and is_raid_candidate(o.key, lim)
        keys.append(f"{self.prefix}k:{group}:{h}" if raid else "")
        argv += [repr(float(o.ts)), h, lim.burst_count, lim.burst_window_s, lim.repeat_count, lim.repeat_window_s,
                 user_window_messages(lim), _ms(user_window_idle_s(lim, self.ttl_s)),
                 o.user_id, MAX_RAID_USERS, _ms(text_window_idle_s(lim, self.ttl_s)),
                 repr(o.ts - lim.raid_window_s), repr(o.ts + lim.raid_window_s)]

    def observe_batch(self, items: list[Observation]) -> list[list[FloodSignal]]:
        if not items:
            return []
        keys: list[str] = []
        argv: list = []
        for o in items:
            self._args(o, keys, argv)
        try:
            counts = self._observe(keys=keys, args=argv)
        except redis.RedisError as exc:
            self.failures += 1
            if self.available:
                log.error("flood windows unavailable (%s): verdicts go on without burst/repeat/raid", exc)
            self.available = False
            return [[] for _ in items]
        if not self.available:
            log.warning("flood windows available again")
        self.available = True
        return [signals_from_counts(o.limits, *counts[3 * i : 3 * i + 3]) for i, o in enumerate(items)]

    def stats(self) -> dict[str, int]:
        try:
            return {"redis_keys": int(self.client.dbsize()), "redis_failures": self.failures}
        except redis.RedisError:
            return {"redis_failures": self.failures}
