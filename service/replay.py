"""A group's exported history replayed through the whole engine, in send order: what QunGuard would
have done to the group, before any bot acts on it.

Each batch of consecutive messages goes through the same `Moderator` the service runs (normalise,
model, flood windows from the members' real send times, the group's settings, the mute ladder, the
review queue in a SQLite file), and the traffic it counts (activity, the topic profile a group
learns from its first legitimate messages, drift) is written after every batch, as the service
writes it every few seconds. The SQLite file is then a store like the service's: `qunguard report`
and the moderator page read it as they read a live group's.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qunguard.service.chat_logs import LoggedMessage
from qunguard.service.engine import LoadedModel, Message, Moderator
from qunguard.service.flood import InMemoryFloodTracker
from qunguard.service.groups import GroupSettings
from qunguard.service.hidden_links import hidden, with_links
from qunguard.service.store import Store


@dataclass
class ReplayResult:
    group_id: str
    model_version: str
    messages: int = 0
    first_ts: float | None = None
    last_ts: float | None = None
    members: set[str] = field(default_factory=set)
    actions: Counter[str] = field(default_factory=Counter)
    flagged: Counter[tuple[str, str]] = field(default_factory=Counter)  # (label, action) -> verdicts
    mutes: Counter[int] = field(default_factory=Counter)  # mute_s -> verdicts asking it (> 0)
    muted: set[str] = field(default_factory=set)
    deleted: list[tuple[LoggedMessage, dict]] = field(default_factory=list)
    reviewed: list[tuple[LoggedMessage, dict]] = field(default_factory=list)
    drift_alerts: list[dict] = field(default_factory=list)  # drift points where the alert turned on
    profile_terms: list[str] = field(default_factory=list)  # the learned profile's top terms, if one was learned
    cpu_s: float = 0.0
    keep_reviewed: int | None = None  # reviews kept in `reviewed` (None: all)


def replay(messages: Iterable[LoggedMessage], *, group_id: str, model: LoadedModel, db: Path,
           settings: GroupSettings | None = None, batch: int = 20,
           on_verdict: Callable[[LoggedMessage, dict], None] | None = None,
           keep_reviewed: int | None = None) -> ReplayResult:
    """Judge `messages` (in send order, read as they are judged) as group `group_id` with `settings`, into the
    store at `db`. The result keeps every delete and the first `keep_reviewed` reviews (None: all), so a long
    history costs no memory for what is not shown; the counts are of all."""
    store = Store(db)
    clock = _MessageClock()
    # idle flood windows expire by each message's time, as they expire live by the wall clock: a replay of months
    # in minutes would keep every text's window until QUNGUARD_FLOOD_MAX_KEYS evicts it
    moderator = Moderator(model, store, InMemoryFloodTracker(clock=None))
    moderator.topics.clock = clock  # a learned profile absorbs the group's talk at most every 10 min of its time
    try:
        if settings is not None:
            moderator.put_group(group_id, settings)
        result = ReplayResult(group_id, model.version, keep_reviewed=keep_reviewed)
        pending: list[LoggedMessage] = []
        started = time.process_time()
        for m in messages:
            pending.append(m)
            if len(pending) >= batch:
                _judge(moderator, group_id, pending, result, on_verdict, clock)
                pending = []
        if pending:
            _judge(moderator, group_id, pending, result, on_verdict, clock)
        result.cpu_s = time.process_time() - started
        moderator.topics.activity.flush()
        result.drift_alerts = store.drift_alert_onsets(group_id)
        profile = moderator.topics.fresh(group_id, moderator.group(group_id)).profile
        if profile is not None:
            result.profile_terms = [term for term, _ in profile.top_terms(10)]
        return result
    finally:
        moderator.topics.close()
        store.close()


def _judge(moderator: Moderator, group_id: str, batch: list[LoggedMessage], result: ReplayResult,
           on_verdict: Callable[[LoggedMessage, dict], None] | None, clock: _MessageClock) -> None:
    clock.now = batch[-1].ts
    sent = []
    for m in batch:
        links = hidden(m.text, m.links)  # as service/hidden_links.py judges what a bot passes beside the text
        sent.append(Message(group_id, m.user_id, with_links(m.text, links), m.message_id, m.ts,
                            hidden_links=tuple(links), forwarded=m.forwarded))
    verdicts = moderator.classify(sent)
    # what the service writes every few seconds (counts, learning texts, drift): after each batch here,
    # so a group learns its profile at the message it would have live
    moderator.topics.activity.flush()
    for m, v in zip(batch, verdicts, strict=True):
        _count(result, m, v)
        if on_verdict is not None:
            on_verdict(m, v)


class _MessageClock:
    """The time of the batch being judged: what the service's wall clock would read when it came."""

    now = 0.0

    def __call__(self) -> float:
        return self.now


def _count(result: ReplayResult, m: LoggedMessage, v: dict) -> None:
    result.messages += 1
    result.first_ts = m.ts if result.first_ts is None else result.first_ts
    result.last_ts = m.ts
    result.members.add(m.user_id)
    action = v["action"]
    result.actions[action] += 1
    if action == "allow":
        return
    result.flagged[(v["label"], action)] += 1
    if action == "delete":
        result.deleted.append((m, v))
    elif result.keep_reviewed is None or len(result.reviewed) < result.keep_reviewed:
        result.reviewed.append((m, v))
    if v["mute_s"]:
        result.mutes[v["mute_s"]] += 1
        result.muted.add(m.user_id)
