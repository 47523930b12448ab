"""A group's drift state: how far its recent legitimate talk sits from its topic profile.

Each group with a profile has a small state (model/topic_profile.py `DriftDetector`: a few floats)
updated with every legitimate verdict at O(1) cost, and a short window of its recent
off-profile texts, from which the terms it talks about instead (the drivers) are found when
someone asks, never on the hot path. Both backends hold the same JSON-able state dict:

    {"s": detector state, "d": drift, "a": alert, "h": time of the last history point, "p": profile stamp,
     "m": the group's usual topic score, "r": hashes of its last REPEAT_WINDOW repeat keys}

`p` names the profile the state was measured against: a state of another profile (the operator
changed the description, posted examples) starts again. `r` tells a message that repeats one of the
group's last REPEAT_WINDOW legitimate ones (a meme, a red-packet password, the same question again):
it says nothing new about the topic, so the detector counts it as no evidence (without this, the QQ
replay of bench/bench_drift.py raises ~7x more false alerts). Short hashes (crc32 of the flood
windows' repeat key) keep the state small in SQLite and in Redis (~200 bytes more, the same round trip). A history point is due every
`history_s` seconds of message time per group, and whenever the alert turns on or off.

InMemoryDrift is one process's (its states are saved to SQLite by the activity flush, so a
restart keeps them, but not the recent texts: the drivers fill again with the next off-profile
messages); service/drift_redis.py shares them between workers.
"""
from __future__ import annotations

import threading
import zlib
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from qunguard.model.topic_profile import DriftDetector

DRIVER_TEXTS = 50  # recent off-profile texts a group keeps for its drivers
# a text is off-profile when it scores at most this share of the group's usual topic score (an EWMA
# of its messages' scores, "m" in the state): relative, so it holds whatever a profile's scores run to
OFF_PROFILE = 0.5
USUAL_ALPHA = 0.05
TEXT_CHARS = 120  # of each kept text
REPEAT_WINDOW = 20  # a message repeating one of the group's last 20 legitimate messages is no evidence


class DriftUnavailable(Exception):
    """The shared drift state cannot be read now (Redis unreachable)."""


# not frozen: a frozen dataclass is built several times slower, and these are built per message
@dataclass(slots=True)
class DriftInput:
    score: float
    confidence: float
    ts: float
    text: str  # the normalised text, kept for the drivers if the message is off-profile
    key: str | None = None  # the flood windows' repeat key (flood.repeat_key): None never repeats


@dataclass(slots=True)
class DriftUpdate:
    state: dict
    points: list[tuple[float, float, bool]]  # (ts, drift, alert) history points due
    texts: list[str]  # the group's recent off-profile texts, when a point is due (for its drivers)


@dataclass(slots=True)
class DriftBatch:
    """A group's inputs of one batch, and the profile they are measured against."""

    stamp: str  # names the profile
    baseline: float | None  # the profile's own drift zero (TopicProfile.baseline), None: learn it from the first messages
    inputs: list[DriftInput]


def new_state(detector: DriftDetector, stamp: str, baseline: float | None) -> dict:
    return {"s": detector.new_state(baseline), "d": 0.0, "a": False, "h": None, "p": stamp, "m": None, "r": []}


def key_hash(key: str | None) -> int | None:
    """A repeat key's short stable hash (the same in every worker, unlike hash())."""
    return None if key is None else zlib.crc32(key.encode("utf-8"))


def advance(detector: DriftDetector, state: dict | None, batch: DriftBatch,
            history_s: float) -> tuple[dict, list[tuple[float, float, bool]], list[str]]:
    """Apply a batch's inputs to a group's state (a fresh one if it measured another profile).
    Returns the state, the history points due, and the off-profile texts to keep for the drivers."""
    if state is None or state.get("p") != batch.stamp:
        state = new_state(detector, batch.stamp, batch.baseline)
    inputs = batch.inputs
    points, keep = [], []
    recent = state.setdefault("r", [])  # a state saved before repeats were tracked has none
    for x in inputs:
        h = key_hash(x.key)
        repeat = h is not None and h in recent
        recent.append(h)
        if len(recent) > REPEAT_WINDOW:
            del recent[0]
        if x.confidence > 0 and not repeat:  # chit-chat and repeats tell nothing about the topic, either way
            usual = state["m"]
            if x.score <= OFF_PROFILE * (usual if usual is not None else 1.0):
                keep.append(x.text[:TEXT_CHARS])
            state["m"] = x.score if usual is None else usual + USUAL_ALPHA * x.confidence * (x.score - usual)
        was = state["a"]
        drift, alert = detector.update(state["s"], x.score, x.confidence, x.ts, repeat=repeat)
        state["d"], state["a"] = round(drift, 4), alert
        last = state["h"]
        if alert != was or last is None or abs(x.ts - last) >= history_s:
            state["h"] = x.ts
            points.append((x.ts, state["d"], alert))
    return state, points, keep


class InMemoryDrift:
    """Drift states of one process, LRU-bounded over groups. The caller saves the states to the
    store (the activity flush); a group this process does not hold is read back with `load`
    (after a restart, or once evicted): one SQLite read, the first time only."""

    persistent = True  # the caller saves states to the store

    def __init__(self, detector: DriftDetector | None = None, *, max_groups: int = 10_000,
                 load: Callable[[str], dict | None] | None = None) -> None:
        self.detector = detector or DriftDetector()
        self.max_groups = max_groups
        self.load = load
        self._groups: OrderedDict[str, tuple[dict | None, deque[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def _entry(self, group: str) -> tuple[dict | None, deque[str]]:
        """Under the lock: a group's state and recent texts, read back from the store if not held."""
        entry = self._groups.get(group)
        if entry is None:
            entry = (self.load(group) if self.load is not None else None, deque(maxlen=DRIVER_TEXTS))
            self._groups[group] = entry
            while len(self._groups) > self.max_groups:
                self._groups.popitem(last=False)
        else:
            self._groups.move_to_end(group)
        return entry

    def update(self, batch: dict[str, DriftBatch], history_s: float) -> dict[str, DriftUpdate]:
        out = {}
        with self._lock:
            for group, b in batch.items():
                old, texts = self._entry(group)
                state, points, keep = advance(self.detector, old, b, history_s)
                texts.extend(keep)
                if state is not old:  # a fresh state: this group's first, or a new profile's
                    self._groups[group] = (state, texts)
                out[group] = DriftUpdate(state, points, list(texts) if points else [])
        return out

    def current(self, group: str) -> tuple[dict | None, list[str]]:
        with self._lock:
            state, texts = self._entry(group)
            return state, list(texts)

    def reset(self, group: str) -> None:
        with self._lock:
            self._groups.pop(group, None)
