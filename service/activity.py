"""Traffic added up in memory and written to the store in one transaction every few seconds.

Every verdict counts toward its group's activity (per UTC hour and label), its member's row
(first and last seen, messages, flagged flooding and advertising) and, for the topic side, the
texts a group learns its profile from and its drift points. Writing each message to SQLite would
cost a transaction per message; instead `record()` adds to dicts under a lock (a few dict
operations a message) and a daemon thread writes what has piled up every `interval_s` seconds.

What a crash can lose: the counts, learning texts and drift points of the last `interval_s`
seconds (2 s by default). Never a review item: those are committed before the verdict is sent
(store/review.py). If the store cannot be written, what is pending is kept for the next flush,
up to `max_pending` entries; past that the oldest pile is dropped and counted in `dropped`.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import orjson

from qunguard.service.store import Store, StoreUnavailable
from qunguard.service.store.activity import Aggregates

log = logging.getLogger("qunguard")

FLAGGED_LABELS = ("flooding", "advertising")  # the members' columns a report ranks by
PRUNE_EVERY_S = 3600.0


class Aggregator:
    def __init__(self, store: Store, *, interval_s: float = 2.0, max_pending: int = 500_000) -> None:
        self.store = store
        self.interval_s = interval_s
        self.max_pending = max_pending
        self.dropped = 0
        # called in the flushing thread with {group: texts in its learning buffer} for groups that got some
        self.on_learning: Callable[[dict[str, int]], None] | None = None
        self._pending = Aggregates()
        self._drift_points: list[tuple[str, float, float, bool, Callable[[], list[str]]]] = []
        self._drift_states: dict[str, dict] = {}
        self._jobs: list[Callable[[], None]] = []  # slow work for the flushing thread (a profile absorbing texts)
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_prune = 0.0

    # -- the hot path: dict additions under one lock a batch ------------------------------
    def record(self, rows: list[tuple[str, str, str, bool, float]]) -> None:
        """(group, user, label, flagged, ts) of each verdict of a batch."""
        with self._lock:
            p = self._pending
            hours, members, flags = p.hours, p.members, p.flags
            for group, user, label, flagged, ts in rows:
                key = (group, int(ts // 3600), label)
                hours[key] = hours.get(key, 0) + 1
                m = members.get((group, user))
                if m is None:
                    m = members[(group, user)] = [ts, ts, 0, 0, 0]
                elif ts < m[0]:
                    m[0] = ts
                elif ts > m[1]:
                    m[1] = ts
                m[2] += 1
                if flagged and label in FLAGGED_LABELS:
                    m[3 if label == "flooding" else 4] += 1
                    fkey = (group, user, int(ts // 86400), label)
                    flags[fkey] = flags.get(fkey, 0) + 1
        if self._thread is None:
            self._start()

    def add_learning(self, items: list[tuple[str, str, float]]) -> None:
        """(group, normalised text, ts) for groups learning their profile."""
        with self._lock:
            self._pending.learning.extend(items)

    def add_drift_point(self, group: str, ts: float, drift: float, alert: bool,
                        drivers: Callable[[], list[str]]) -> None:
        """A drift history point; `drivers` is called at flush time (it segments texts: off the hot path)."""
        with self._lock:
            self._drift_points.append((group, ts, drift, alert, drivers))

    def set_drift_state(self, group: str, state: dict | None) -> None:
        """The latest drift state of a group (serialised at flush time); None forgets a pending one."""
        with self._lock:
            if state is None:
                self._drift_states.pop(group, None)
            else:
                self._drift_states[group] = state

    def add_job(self, job: Callable[[], None]) -> None:
        with self._lock:
            self._jobs.append(job)

    # -- flushing -------------------------------------------------------------
    def _start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, daemon=True, name="qunguard-activity-flush")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.flush()
            except Exception:  # the flushing thread must outlive any one bad flush
                log.exception("activity flush failed; retrying in %g s", self.interval_s)

    def flush(self) -> None:
        """Write what is pending in one transaction, then run the slow jobs. Safe from any thread."""
        with self._flush_lock:
            with self._lock:
                pending, self._pending = self._pending, Aggregates()
                points, self._drift_points = self._drift_points, []
                jobs, self._jobs = self._jobs, []
                # the live dicts the drift tracker updates: one orjson call each, which holds the GIL,
                # so a state is never read halfway through a change
                pending.drift_states.update((g, orjson.dumps(s).decode()) for g, s in self._drift_states.items())
                self._drift_states = {}
            pending.drift_points.extend((g, ts, d, a, orjson.dumps(drivers()).decode()) for g, ts, d, a, drivers in points)
            counts: dict[str, int] = {}
            if pending:
                try:
                    counts = self.store.write_aggregates(pending)
                except StoreUnavailable as exc:
                    self._keep(pending, exc)
            for job in jobs:
                try:
                    job()
                except StoreUnavailable as exc:
                    log.warning("topic profile update skipped: %s", exc)
            if counts and self.on_learning is not None:
                self.on_learning(counts)
            self._prune()

    def _keep(self, failed: Aggregates, exc: Exception) -> None:
        """Put a pile that could not be written back in front of what came since, bounded."""
        if failed.size() + self._pending.size() > self.max_pending:
            self.dropped += failed.size()
            log.error("activity counts dropped (%s): the store has been unwritable for too long", exc)
            return
        log.warning("activity flush failed (%s); kept for the next one", exc)
        with self._lock:
            newer, self._pending = self._pending, failed
            for hk, n in newer.hours.items():
                failed.hours[hk] = failed.hours.get(hk, 0) + n
            for fk, n in newer.flags.items():
                failed.flags[fk] = failed.flags.get(fk, 0) + n
            for mk, m in newer.members.items():
                old = failed.members.get(mk)
                failed.members[mk] = m if old is None else [min(old[0], m[0]), max(old[1], m[1]),
                                                           old[2] + m[2], old[3] + m[3], old[4] + m[4]]
            failed.learning.extend(newer.learning)
            failed.drift_points.extend(newer.drift_points)
            failed.drift_states = {**failed.drift_states, **newer.drift_states}

    def _prune(self) -> None:
        now = time.monotonic()
        if now - self._last_prune < PRUNE_EVERY_S:
            return
        self._last_prune = now
        try:
            self.store.prune_activity()
        except StoreUnavailable as exc:
            log.warning("activity prune skipped: %s", exc)

    def close(self) -> None:
        """Stop the thread and write what is pending (at shutdown)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=10)
        try:
            self.flush()
        except StoreUnavailable as exc:
            log.error("last activity flush failed: %s", exc)
        self._thread = None
        self._stop.clear()  # an app started again (tests, a lifespan run twice) starts a new thread
