"""Drift states in Redis, shared by every worker (QUNGUARD_FLOOD_BACKEND=redis).

Per group a hash {v: version, j: state JSON (its recent repeat-key hashes included: no extra key
or round trip)} and a list of its recent off-profile texts. A batch
is one EVALSHA: for each group it pushes the batch's texts and writes the new state if the
version is still the one this worker last saw (compare and set); if another worker wrote in
between, it gets that worker's state back, applies its inputs to it and asks again. The detector
runs here, in Python, so Redis only stores; a worker that sees every batch of a group keeps
writing on its first try (one round trip), and two workers sharing a hot group take two.

It reuses the flood tracker's client and circuit breaker: when Redis fails, the breaker opens
for both, drift is not updated (topic scores still are: the profile is in this process), and
reading a drift state raises DriftUnavailable (the API answers 503). Keys expire after
`ttl_s` without a write (30 days).
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict

import orjson
import redis

from qunguard.model.topic_profile import DriftDetector
from qunguard.service.drift import DRIVER_TEXTS, DriftBatch, DriftUnavailable, DriftUpdate, advance
from qunguard.service.flood_redis import RedisFloodTracker

log = logging.getLogger("qunguard.flood")

# KEYS: per group, its state hash and its texts list.
# ARGV: ttl ms, texts kept; then per group: expected version, new state JSON, "1" to return the texts, n, n texts.
# Returns per group {1, new version, texts} when written, or {0, current version, current state JSON}.
_UPDATE = """
local ttl, keep = ARGV[1], tonumber(ARGV[2])
local a = 3
local out = {}
for i = 1, #KEYS, 2 do
  local sk, tk = KEYS[i], KEYS[i + 1]
  local expect, new, want, n = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  a = a + 4
  for j = 0, n - 1 do
    redis.call("LPUSH", tk, ARGV[a + j])
  end
  a = a + n
  if n > 0 then
    redis.call("LTRIM", tk, 0, keep - 1)
    redis.call("PEXPIRE", tk, ttl)
  end
  local v = redis.call("HGET", sk, "v") or "0"
  if v == expect then
    v = tostring(tonumber(v) + 1)
    redis.call("HSET", sk, "v", v, "j", new)
    redis.call("PEXPIRE", sk, ttl)
    local texts = {}
    if want == "1" then texts = redis.call("LRANGE", tk, 0, -1) end
    out[#out + 1] = {1, v, texts}
  else
    out[#out + 1] = {0, v, redis.call("HGET", sk, "j") or ""}
  end
end
return out
"""

MAX_TRIES = 4


class RedisDrift:
    persistent = False  # Redis holds the states

    def __init__(self, tracker: RedisFloodTracker, detector: DriftDetector | None = None, *,
                 ttl_s: float = 30 * 86400, max_cached: int = 20_000) -> None:
        self.tracker = tracker
        self.client = tracker.client
        self.prefix = tracker.prefix
        self.detector = detector or DriftDetector()
        self.ttl_ms = int(ttl_s * 1000)
        self.max_cached = max_cached
        self._update = self.client.register_script(_UPDATE)
        # the version and state this worker last wrote or saw, per group: a guess the script checks
        self._seen: OrderedDict[str, tuple[str, dict | None]] = OrderedDict()
        self._lock = threading.Lock()

    def _keys(self, group: str) -> tuple[str, str]:
        g = f"{len(group)}:{group}"  # the group id's length first, as the flood keys: no separator is safe alone
        return f"{self.prefix}d:{g}", f"{self.prefix}dt:{g}"

    def _fail(self, exc: Exception) -> None:
        self.tracker.failures += 1
        if self.tracker.breaker.trip():
            log.error("shared state unavailable (%s): drift is not updated until Redis answers", exc)

    def update(self, batch: dict[str, DriftBatch], history_s: float) -> dict[str, DriftUpdate]:
        """Apply each group's inputs; {} when Redis cannot be used (the breaker is open, or it failed now)."""
        if not batch or not self.tracker.breaker.closed:
            return {}
        out: dict[str, DriftUpdate] = {}
        with self._lock:
            todo = {g: self._seen.get(g, ("0", None)) for g in batch}
        push = True  # a batch's texts are pushed once, with the first try
        for _ in range(MAX_TRIES):
            keys: list[str] = []
            argv: list = [self.ttl_ms, DRIVER_TEXTS]
            planned = {}
            for group, (version, state) in todo.items():
                if state is not None:  # a copy: the remembered state stays as Redis had it
                    state = {**state, "s": dict(state["s"]), "r": list(state.get("r", ()))}
                new, points, keep = advance(self.detector, state, batch[group], history_s)
                planned[group] = (new, points)
                texts = keep if push else []
                keys += self._keys(group)
                argv += [version, orjson.dumps(new), "1" if points else "0", len(texts), *texts]
            try:
                replies = self._update(keys=keys, args=argv)
            except redis.RedisError as exc:
                self._fail(exc)
                return out
            push = False
            retry = {}
            for (group, (new, points)), (ok, version, rest) in zip(planned.items(), replies, strict=True):
                version = version.decode() if isinstance(version, bytes) else str(version)
                if ok == 1:
                    self._remember(group, version, new)
                    out[group] = DriftUpdate(new, points, [t.decode() for t in rest] if points else [])
                else:  # another worker wrote first: start from its state
                    retry[group] = (version, orjson.loads(rest) if rest else None)
            if not retry:
                return out
            todo = retry
        log.warning("drift of %d group(s) not updated: %d workers kept writing at once", len(todo), MAX_TRIES)
        return out

    def _remember(self, group: str, version: str, state: dict) -> None:
        with self._lock:
            self._seen[group] = (version, state)
            self._seen.move_to_end(group)
            while len(self._seen) > self.max_cached:
                self._seen.popitem(last=False)

    def current(self, group: str) -> tuple[dict | None, list[str]]:
        if not self.tracker.breaker.closed:
            raise DriftUnavailable("Redis, where the drift states live, is unreachable")
        sk, tk = self._keys(group)
        try:
            with self.client.pipeline(transaction=False) as pipe:
                pipe.hget(sk, "j")
                pipe.lrange(tk, 0, -1)
                raw, texts = pipe.execute()
        except redis.RedisError as exc:
            self._fail(exc)
            raise DriftUnavailable(f"Redis, where the drift states live, failed: {exc}") from exc
        return (orjson.loads(raw) if raw else None), [t.decode() for t in texts]

    def reset(self, group: str) -> None:
        with self._lock:
            self._seen.pop(group, None)
        try:
            self.client.delete(*self._keys(group))
        except redis.RedisError as exc:
            self._fail(exc)
            log.warning("drift state of %r not removed from Redis (%s): it restarts when its profile changes", group, exc)
