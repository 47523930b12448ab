"""Group activity for health reports, and the one aggregated write that carries it.

Counts are kept per group, UTC hour (`hour` = Unix seconds // 3600) and verdict label; per member
(first and last seen, messages, flagged flooding and advertising); and per member, UTC day and
flagged label, so a report over N days can rank members within those days. The service adds them
up in memory and writes them here in one transaction every few seconds (service/activity.py),
together with the topic rows that come from traffic (learning texts, drift points, drift state).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from qunguard.service.store.base import StoreBase

# counts older than this (behind a group's newest count) leave: a report looks back 90 days at most
KEEP_S = 92 * 86400


@dataclass
class Aggregates:
    """What traffic adds to the store between two flushes."""

    hours: dict[tuple[str, int, str], int] = field(default_factory=dict)  # (group, hour, label) -> messages
    members: dict[tuple[str, str], list] = field(default_factory=dict)  # (group, user) -> [first, last, n, flooding, advertising]
    flags: dict[tuple[str, str, int, str], int] = field(default_factory=dict)  # (group, user, day, label) -> flagged
    learning: list[tuple[str, str, float]] = field(default_factory=list)  # (group, normalised text, ts)
    drift_points: list[tuple[str, float, float, bool, str]] = field(default_factory=list)  # group, ts, drift, alert, drivers JSON
    drift_states: dict[str, str] = field(default_factory=dict)  # group -> drift state JSON (one-process services)

    def __bool__(self) -> bool:
        return bool(self.hours or self.members or self.learning or self.drift_points or self.drift_states)

    def size(self) -> int:
        return len(self.hours) + len(self.members) + len(self.flags) + len(self.learning) + len(self.drift_points)


class ActivityStore(StoreBase):
    def write_aggregates(self, agg: Aggregates) -> dict[str, int]:
        """Add a flush's counts and rows in one transaction; returns, for each group that got learning
        texts, how many its buffer holds now."""
        learning_groups = {g for g, _, _ in agg.learning}
        now = time.time()
        with self._write() as db:
            db.executemany("INSERT INTO group_activity (group_id, hour, label, n) VALUES (?,?,?,?)"
                           " ON CONFLICT(group_id, hour, label) DO UPDATE SET n = n + excluded.n",
                           [(g, h, label, n) for (g, h, label), n in agg.hours.items()])
            db.executemany(
                "INSERT INTO members (group_id, user_id, first_seen, last_seen, messages, flooding, advertising)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT(group_id, user_id) DO UPDATE SET"
                " first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),"
                " messages = messages + excluded.messages, flooding = flooding + excluded.flooding,"
                " advertising = advertising + excluded.advertising",
                [(g, u, *m) for (g, u), m in agg.members.items()])
            db.executemany("INSERT INTO member_flags (group_id, user_id, day, label, n) VALUES (?,?,?,?,?)"
                           " ON CONFLICT(group_id, day, label, user_id) DO UPDATE SET n = n + excluded.n",
                           [(g, u, d, label, n) for (g, u, d, label), n in agg.flags.items()])
            db.executemany("INSERT INTO topic_learning (group_id, text, ts) VALUES (?,?,?)", agg.learning)
            db.executemany("INSERT INTO drift_history (group_id, ts, drift, alert, drivers) VALUES (?,?,?,?,?)",
                           [(g, ts, d, int(a), drivers) for g, ts, d, a, drivers in agg.drift_points])
            db.executemany("INSERT INTO drift_state (group_id, state, updated_at) VALUES (?,?,?)"
                           " ON CONFLICT(group_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                           [(g, s, now) for g, s in agg.drift_states.items()])
            return {g: db.execute("SELECT COUNT(*) FROM topic_learning WHERE group_id = ?", (g,)).fetchone()[0]
                    for g in learning_groups}

    def prune_activity(self, keep_s: float = KEEP_S) -> None:
        """Drop hourly counts, member flags and drift points older than `keep_s` behind each group's newest."""
        keep_h, keep_d = int(keep_s // 3600), int(keep_s // 86400)
        with self._write() as db:
            db.execute("DELETE FROM group_activity AS a WHERE hour < (SELECT MAX(hour) FROM group_activity"
                       " WHERE group_id = a.group_id) - ?", (keep_h,))
            db.execute("DELETE FROM member_flags AS f WHERE day < (SELECT MAX(day) FROM member_flags"
                       " WHERE group_id = f.group_id) - ?", (keep_d,))
            db.execute("DELETE FROM drift_history AS h WHERE ts < (SELECT MAX(ts) FROM drift_history"
                       " WHERE group_id = h.group_id) - ?", (keep_s,))

    # -- what a report reads --------------------------------------------------------
    def activity_hours(self, group_id: str, since_hour: int, until_hour: int) -> list[tuple[int, str, int]]:
        """(UTC hour, label, messages) of a group in [since_hour, until_hour]."""
        with self._read() as db:
            rows = db.execute("SELECT hour, label, n FROM group_activity WHERE group_id = ? AND hour BETWEEN ? AND ?",
                              (group_id, since_hour, until_hour)).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def top_flagged_members(self, group_id: str, label: str, since_day: int, limit: int = 10) -> list[dict]:
        """The members with the most flagged `label` verdicts from UTC day `since_day` on."""
        with self._read() as db:
            rows = db.execute("SELECT user_id, SUM(n) AS c FROM member_flags WHERE group_id = ? AND day >= ? AND label = ?"
                              " GROUP BY user_id ORDER BY c DESC, user_id LIMIT ?",
                              (group_id, since_day, label, limit)).fetchall()
        return [{"user_id": r[0], "count": r[1]} for r in rows]

    def silent_members(self, group_id: str, quiet_since: float, limit: int = 100) -> list[dict]:
        """Members seen before, with nothing since `quiet_since`: the longest silent first."""
        with self._read() as db:
            rows = db.execute("SELECT user_id, last_seen, messages FROM members WHERE group_id = ? AND last_seen < ?"
                              " ORDER BY last_seen, user_id LIMIT ?", (group_id, quiet_since, limit)).fetchall()
        return [{"user_id": r[0], "last_seen": r[1], "messages": r[2]} for r in rows]
