"""Each group's topic: its profile, the topic score of its messages, what it learns, its drift.

A group's profile (model/topic_profile.py) comes from, first to last:
1. examples an operator posted (POST /v1/groups/{id}/profile/examples), with the description and
   keywords if any (stored: `topic_profiles`, source `examples`);
2. the group's description and keywords (PUT /v1/groups/{id}), derived from the settings;
3. its own traffic: a group with neither learns from its first `learn_messages` legitimate
   messages (allowed, on_topic), buffered in SQLite so that learning survives restarts and counts
   every worker's messages; the learned profile then keeps up slowly: it absorbs the group's next
   legitimate messages in piles, at most one pile every ABSORB_EVERY_S per group.
A reset forgets 1 and 3 and the drift state, and keeps the drift history.

Per batch: `score()` gives each message of a group with a profile its topic score and
confidence (null for the others, who pay a dict lookup); `offtopic_policy()` applies a group's
`offtopic_as_flooding`; `observe()` counts every verdict for the reports (service/activity.py),
feeds learning, and updates the drift of groups with a profile (service/drift.py, or
service/drift_redis.py with several workers). Slow work (building a learned profile, absorbing,
finding drift drivers) runs in the activity flush thread, never in a request.
"""
from __future__ import annotations

import hashlib
import logging
import sys
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from qunguard.model.normalize import Normalized, normalize
from qunguard.model.topic_profile import DriftDetector, TopicProfile, TopicProfileError, drift_drivers, score_groups
from qunguard.service.activity import Aggregator
from qunguard.service.drift import DriftBatch, DriftInput, InMemoryDrift
from qunguard.service.groups import CompiledGroup, GroupSettings
from qunguard.service.policy import Decision, offtopic_as_flooding
from qunguard.service.store import Store, StoreUnavailable

if TYPE_CHECKING:
    from qunguard.service.drift_redis import RedisDrift
    from qunguard.service.engine import Message
    from qunguard.service.flood import FloodTracker

log = logging.getLogger("qunguard")

ABSORB_RATE = 0.05  # how much of a learned profile each absorbed pile of texts replaces
ABSORB_EVERY_S = 600.0  # a pile is absorbed at most this often per group (absorbing reads and writes the profile)
ABSORB_PILE = 400  # texts a pile holds at most (a busy group: the first 400 after its last pile)
REFRESH_S = 600.0  # a learned profile another worker absorbed into is read again after this long
# what this process keeps at hand, the oldest loaded leaving first (and read back from the store when
# needed): at most MAX_GROUPS groups, and profiles of MAX_TERMS terms in all. A profile costs ~140 bytes
# of memory a term: ~200 KiB learned from 80 messages, ~1.4 MiB at the cap absorbing keeps it under.
MAX_GROUPS = 20_000
MAX_TERMS = 3_000_000
LEARN_TEXT_CHARS = 500


@dataclass(eq=False)
class GroupTopic:
    """What one process holds of a group's topic."""

    settings: GroupSettings
    row: dict | None  # the stored profile row (examples or learned), as the store gave it
    profile: TopicProfile | None = None
    source: str | None = None
    stamp: str = ""  # names this profile for the drift state
    note: str | None = None  # why the description or the traffic gave no profile
    learning: int = 0  # texts this group has in its learning buffer, as far as this process knows
    absorb: list[str] = field(default_factory=list)
    absorbed: float = field(default_factory=time.monotonic)  # when its last pile went
    loaded: float = field(default_factory=time.monotonic)
    stale: bool = False  # set from another thread (a flush, a revision): read again before next use


def _stamp(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=8).hexdigest()


def _description_texts(s: GroupSettings) -> list[str]:
    return [normalize(s.topic_description).text] if s.topic_description.strip() else []


def resolve(settings: GroupSettings, row: dict | None) -> GroupTopic:
    """The profile a group's settings and stored row give, by the order in the module's doc."""
    t = GroupTopic(settings, row)
    desc, kw = _description_texts(settings), settings.topic_keywords
    if row is not None and row["source"] == "examples":
        try:
            texts = [normalize(x).text for x in row["examples"]] + desc
            t.profile, t.source = TopicProfile.from_texts(texts, keywords=kw), "examples"
            t.stamp = _stamp("examples", row["updated_at"], desc, kw)
            return t
        except TopicProfileError as exc:  # the description that made them enough was removed since
            t.note = f"the examples are too few without the description: {exc}"
    if desc or kw:
        try:
            t.profile, t.source = TopicProfile.from_texts(desc, keywords=kw), "description"
            t.stamp = _stamp("description", desc, kw)
            return t
        except TopicProfileError as exc:
            t.note = f"the description and keywords are too little for a profile ({exc}); learning from traffic instead"
    if row is not None and row["source"] == "learned":
        try:
            t.profile, t.source, t.stamp = TopicProfile.from_json(row["profile"]), "learned", "learned"
        except (ValueError, KeyError, TypeError) as exc:
            log.error("stored topic profile unreadable (%s): learning again", exc)
    return t


@dataclass
class TopicBatch:
    """The topic side of one batch's verdicts."""

    score: list[float | None]
    confidence: list[float | None]
    groups: dict[str, GroupTopic]
    offtopic: set[int] = field(default_factory=set)  # rows the off-topic policy made flooding


class GroupTopics:
    def __init__(self, store: Store, flood: FloodTracker | None = None, *, learn_messages: int = 80,
                 history_s: float = 300.0, flush_s: float = 2.0) -> None:
        self.store = store
        self.learn_messages = learn_messages
        self.history_s = history_s
        self.activity = Aggregator(store, interval_s=flush_s)
        self.activity.on_learning = self._learning_flushed
        self.drift: InMemoryDrift | RedisDrift = _drift_backend(flood, store)
        self._groups: OrderedDict[str, GroupTopic] = OrderedDict()
        self._terms = 0  # terms of the profiles in _groups
        self._lock = threading.Lock()
        self._rev = 0
        # paces absorbing; a replay of a group's history (service/replay.py) reads the messages' own time
        self.clock: Callable[[], float] = time.monotonic

    def configure(self, *, learn_messages: int, history_s: float, flush_s: float, drift_warmup: float | None = None) -> None:
        self.learn_messages, self.history_s, self.activity.interval_s = learn_messages, history_s, flush_s
        if drift_warmup is not None and drift_warmup != self.drift.detector.warmup:
            self.drift.detector = DriftDetector(**{**self.drift.detector.params(), "warmup": drift_warmup})

    def close(self) -> None:
        self.activity.close()

    # -- following the store ----------------------------------------------------
    def follow(self, revs: dict[str, tuple[int, str | None]]) -> None:
        """Several workers: a profile changed elsewhere (examples, reset, learned) is read again."""
        rev, detail = revs["topics"]
        if rev == self._rev:
            return
        if rev == self._rev + 1 and detail is not None:
            self._mark_stale(detail)
        else:
            with self._lock:
                for t in self._groups.values():
                    t.stale = True
        self._rev = rev

    def _own_change(self, group_id: str, rev: int) -> None:
        if rev == self._rev + 1:
            self._rev = rev  # our own change: no need to read every group again
        self._mark_stale(group_id)

    def _mark_stale(self, group_id: str) -> None:
        t = self._groups.get(group_id)
        if t is not None:
            t.stale = True

    # -- a group's topic, cached --------------------------------------------------------
    def _get(self, group_id: str, g: CompiledGroup) -> GroupTopic | None:
        t = self._groups.get(group_id)
        if t is not None and not t.stale and t.settings is g.settings and (
                t.source != "learned" or time.monotonic() - t.loaded < REFRESH_S):
            return t
        try:
            return self._load(group_id, g.settings)
        except StoreUnavailable as exc:  # verdicts go on without a topic score
            log.warning("topic of group %r not loaded: %s", group_id, exc)
            return None

    def _load(self, group_id: str, settings: GroupSettings) -> GroupTopic:
        state = self.store.topic_state(group_id)
        t = resolve(settings, state["profile"])
        t.learning = state["learning"]
        t.absorbed = self.clock()
        with self._lock:
            old = self._groups.pop(group_id, None)
            if old is not None:
                self._terms -= _terms(old.profile)
                if old.source == t.source == "learned":
                    t.absorb, t.absorbed = old.absorb, old.absorbed  # texts waiting to be absorbed stay
            self._groups[group_id] = t
            self._terms += _terms(t.profile)
            while len(self._groups) > 1 and (len(self._groups) > MAX_GROUPS or self._terms > MAX_TERMS):
                self._terms -= _terms(self._groups.popitem(last=False)[1].profile)
        return t

    # -- per batch ------------------------------------------------------------
    def score(self, messages: list[Message], norms: list[Normalized], groups: list[CompiledGroup],
              words: list[list[str]] | None = None) -> TopicBatch:
        """`words`: each message's masked text as the classifier segmented it (Scores.words), reused
        rather than segmenting again where it is the text's segmentation too."""
        n = len(messages)
        out = TopicBatch([None] * n, [None] * n, {})
        rows: dict[str, list[int]] = {}
        for i, m in enumerate(messages):
            rows.setdefault(m.group_id, []).append(i)
        scored: list[tuple[list[int], TopicProfile]] = []
        for group_id, idx in rows.items():
            t = self._get(group_id, groups[idx[0]])
            if t is None:
                continue
            out.groups[group_id] = t
            if t.profile is not None:
                scored.append((idx, t.profile))
        # every group at once: a batch of many small groups costs about what one group's batch does
        results = score_groups([(p, [norms[i].text for i in idx], _reusable_cuts(norms, words, idx)) for idx, p in scored])
        for (idx, _), (scores, conf) in zip(scored, results, strict=True):
            for i, s, c in zip(idx, scores.tolist(), conf.tolist(), strict=True):
                out.score[i], out.confidence[i] = round(s, 4), round(c, 4)
        return out

    def offtopic_policy(self, messages: list[Message], decisions: list[tuple[Decision, float]],
                        groups: list[CompiledGroup], batch: TopicBatch) -> list[tuple[Decision, float]]:
        """Groups with `offtopic_as_flooding`: strongly off-topic chatter, said with confidence, is flooding
        (a low-confidence profile never acts)."""
        for i, ((d, ts), g) in enumerate(zip(decisions, groups, strict=True)):
            s, c = batch.score[i], batch.confidence[i]
            if not g.settings.offtopic_as_flooding or s is None or c is None:
                continue
            t = batch.groups.get(messages[i].group_id)
            if t is None or t.profile is None or t.profile.low_confidence:
                continue
            changed = offtopic_as_flooding(d, g, s, c)
            if changed is not d:
                decisions[i] = (changed, ts)
                batch.offtopic.add(i)
        return decisions

    def observe(self, messages: list[Message], norms: list[Normalized], decisions: list[tuple[Decision, float]],
                batch: TopicBatch, keys: list[str | None] | None = None) -> None:
        """Count every verdict; feed learning and drift with the legitimate ones (and the chatter the
        off-topic policy flagged: it is the drift, and must not hide it). `keys`: each message's repeat
        key (flood.repeat_key, as the engine computed it), so that drift counts a repeat as no evidence.
        An edited message was counted when it was sent: its new text is judged, not counted again."""
        rows = []
        learn: list[tuple[str, str, float]] = []
        drift: dict[str, list[DriftInput]] = {}
        for i, (m, (d, ts)) in enumerate(zip(messages, decisions, strict=True)):
            if m.edited:
                continue
            rows.append((m.group_id, m.user_id, d.label, d.action != "allow", ts))
            legit = d.action == "allow" and d.label == "on_topic"
            if not legit and i not in batch.offtopic:
                continue
            t = batch.groups.get(m.group_id)
            if t is None:
                continue
            if t.profile is not None:
                s, c = batch.score[i], batch.confidence[i]
                assert s is not None and c is not None  # every message of a group with a profile is scored
                drift.setdefault(m.group_id, []).append(DriftInput(s, c, ts, norms[i].text,
                                                                   keys[i] if keys is not None else None))
                if t.source == "learned" and legit:
                    self._absorb_later(m.group_id, t, norms[i].text)
            elif t.learning < self.learn_messages:
                t.learning += 1
                learn.append((m.group_id, norms[i].text[:LEARN_TEXT_CHARS], ts))
        self.activity.record(rows)
        if learn:
            self.activity.add_learning(learn)
        if drift:
            self._update_drift(drift, batch.groups)

    def _update_drift(self, inputs: dict[str, list[DriftInput]], groups: dict[str, GroupTopic]) -> None:
        updates = self.drift.update({g: DriftBatch(groups[g].stamp, _baseline(groups[g].profile), x)
                                     for g, x in inputs.items()}, self.history_s)
        for group_id, u in updates.items():
            if self.drift.persistent:
                self.activity.set_drift_state(group_id, u.state)
            profile = groups[group_id].profile
            for ts, drift, alert in u.points:
                self.activity.add_drift_point(group_id, ts, drift, alert, partial(drivers, profile, u.texts))

    # -- learning and absorbing (in the flush thread) --------------------------------------
    def _absorb_later(self, group_id: str, t: GroupTopic, text: str) -> None:
        if len(t.absorb) < ABSORB_PILE:
            t.absorb.append(text[:LEARN_TEXT_CHARS])
        if len(t.absorb) >= (self.learn_messages or 80) and self.clock() - t.absorbed >= ABSORB_EVERY_S:
            texts, t.absorb, t.absorbed = t.absorb, [], self.clock()
            self.activity.add_job(partial(self._absorb, group_id, t, texts))

    def _absorb(self, group_id: str, t: GroupTopic, texts: list[str]) -> None:
        absorbed: list[TopicProfile] = []

        def change(row: dict) -> dict | None:
            if row["source"] != "learned":
                return None
            p = TopicProfile.from_json(row["profile"])  # as stored: another worker may have absorbed too
            p.absorb(texts, ABSORB_RATE)
            absorbed.append(p)
            return p.to_json()

        if self.store.update_topic_profile(group_id, change) is not None and t.source == "learned":
            with self._lock:
                if self._groups.get(group_id) is t:
                    self._terms += _terms(absorbed[0]) - _terms(t.profile)
                t.profile = absorbed[0]  # one assignment: a batch scores with the old profile or the new

    def _learning_flushed(self, counts: dict[str, int]) -> None:
        for group_id, n in counts.items():
            if self.learn_messages and n >= self.learn_messages:
                self._finish_learning(group_id)

    def _finish_learning(self, group_id: str) -> None:
        texts = self.store.learning_texts(group_id, self.learn_messages)
        t = self._groups.get(group_id)
        settings = t.settings if t is not None else GroupSettings.model_validate(self.store.get_group(group_id) or {})
        try:
            profile: dict | None = TopicProfile.from_texts(texts, keywords=settings.topic_keywords).to_json()
        except TopicProfileError as exc:
            profile = None
            log.info("group %r: its first %d messages gave no profile (%s); learning again", group_id, len(texts), exc)
        rev = self.store.finish_learning(group_id, profile)
        if rev is not None:
            self._own_change(group_id, rev)
        else:
            self._mark_stale(group_id)  # the buffer was emptied: count again from the store

    # -- what the API asks ------------------------------------------------------
    def fresh(self, group_id: str, g: CompiledGroup) -> GroupTopic:
        """A group's topic as the store has it now (after this process's pending writes)."""
        self.activity.flush()
        return self._load(group_id, g.settings)

    def set_examples(self, group_id: str, g: CompiledGroup, texts: list[str]) -> GroupTopic:
        """Build a profile from an operator's example messages; raises TopicProfileError if too little."""
        norm = [normalize(x).text for x in texts] + _description_texts(g.settings)
        profile = TopicProfile.from_texts(norm, keywords=g.settings.topic_keywords)  # refused before anything is stored
        # the texts are stored as sent: the profile is rebuilt with the description in effect whenever it changes
        rev = self.store.put_topic_profile(group_id, "examples", profile.to_json(), examples=list(texts))
        self._restart_drift(group_id)
        self._own_change(group_id, rev)
        return self._load(group_id, g.settings)

    def reset(self, group_id: str, g: CompiledGroup) -> GroupTopic:
        rev = self.store.reset_topic_profile(group_id)
        self._restart_drift(group_id)
        self._own_change(group_id, rev)
        return self._load(group_id, g.settings)

    def _restart_drift(self, group_id: str) -> None:
        self.activity.set_drift_state(group_id, None)
        self.drift.reset(group_id)
        t = self._groups.get(group_id)
        if t is not None:
            t.absorb = []

    def drift_now(self, group_id: str, t: GroupTopic) -> tuple[float | None, bool, list[str]]:
        """(drift, alert, drivers) of a group now; drift is None while it has no profile.
        Raises DriftUnavailable when the shared state cannot be read."""
        if t.profile is None:
            return None, False, []
        state, texts = self.drift.current(group_id)
        if state is None or state.get("p") != t.stamp:
            return 0.0, False, []  # nothing legitimate said since this profile
        return state["d"], bool(state["a"]), drivers(t.profile, texts)


def _reusable_cuts(norms: list[Normalized], words: list[list[str]] | None, idx: list[int]) -> list[list[str] | None] | None:
    """The classifier's words of each message whose masked text is its text (no handle or digit was
    masked), None for the others: TopicProfile.score() cuts those again."""
    if words is None:
        return None
    return [words[i] if norms[i].masked == norms[i].text else None for i in idx]


def _terms(profile: TopicProfile | None) -> int:
    """A profile's size in terms (its words and character bigrams): what its memory follows."""
    return 0 if profile is None else len(profile.word_df) + len(profile.bigram_df)


def _baseline(profile: TopicProfile | None) -> float | None:
    """A profile that measured itself on enough texts gives the drift its zero; another learns it from
    the group's first legitimate messages (model/topic_profile.py DriftDetector)."""
    return None if profile is None or profile.low_confidence else profile.baseline


def drivers(profile: TopicProfile | None, texts: list[str], k: int = 10) -> list[str]:
    """The terms a group's recent off-profile texts are about that its profile is not (each text counts a term once)."""
    if profile is None or not texts:
        return []
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(set(profile.terms(text)))
    return drift_drivers(profile, dict(counts), k=k)


def _drift_backend(flood: FloodTracker | None, store: Store) -> InMemoryDrift | RedisDrift:
    """In Redis when the flood windows are (one client and one circuit breaker for both), else in memory."""
    mod = sys.modules.get("qunguard.service.flood_redis")  # not imported: the windows cannot be in Redis
    if mod is not None and isinstance(flood, mod.RedisFloodTracker):
        from qunguard.service.drift_redis import RedisDrift

        return RedisDrift(flood)
    return InMemoryDrift(load=store.drift_state)
