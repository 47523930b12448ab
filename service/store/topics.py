"""Topic profiles per group, the buffer a group learns its profile from, drift state and history.

A profile row holds the profile's JSON (model/topic_profile.py `TopicProfile.to_json()`), where it
came from (`description`, `examples`, `learned`) and, for `examples`, the operator's texts, so a
later change of the description can rebuild it. Every change bumps the `topics` revision, which
the other workers follow. A reset deletes the profile, the learning buffer and the drift state, and
keeps the drift history.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable

import orjson

from qunguard.service.store.base import StoreBase, bump

SOURCES = ("description", "examples", "learned")


def _profile_row(row) -> dict | None:
    if row is None:
        return None
    return {"source": row["source"], "profile": json.loads(row["profile"]),
            "examples": json.loads(row["examples"]) if row["examples"] is not None else None,
            "updated_at": row["updated_at"]}


class TopicStore(StoreBase):
    # -- profiles -------------------------------------------------------------
    def topic_profile(self, group_id: str) -> dict | None:
        """{source, profile (JSON dict), examples (list or None), updated_at}, or None."""
        with self._read() as db:
            return _profile_row(_profile_of(db, group_id))

    def topic_state(self, group_id: str) -> dict:
        """What a process needs to take a group on, in one read: its profile row (or None), and how
        many texts its learning buffer holds."""
        with self._read() as db:
            row = _profile_of(db, group_id)
            learned = db.execute("SELECT COUNT(*) FROM topic_learning WHERE group_id = ?", (group_id,)).fetchone()[0]
        return {"profile": _profile_row(row), "learning": learned}

    def put_topic_profile(self, group_id: str, source: str, profile: dict, examples: list[str] | None = None) -> int:
        """Create or replace a group's profile; its drift state starts again. Returns the topics revision."""
        if source not in SOURCES:
            raise ValueError(f"unknown profile source {source!r}")
        with self._write() as db:
            db.execute(
                "INSERT INTO topic_profiles (group_id, source, profile, examples, updated_at) VALUES (?,?,?,?,?)"
                " ON CONFLICT(group_id) DO UPDATE SET source = excluded.source, profile = excluded.profile,"
                " examples = excluded.examples, updated_at = excluded.updated_at",
                (group_id, source, orjson.dumps(profile).decode(),
                 None if examples is None else orjson.dumps(examples).decode(), time.time()))
            _restart_learning_and_drift(db, group_id)
            return bump(db, "topics", group_id)

    def reset_topic_profile(self, group_id: str) -> int:
        """Forget a group's profile, learning buffer and drift state; the drift history stays."""
        with self._write() as db:
            db.execute("DELETE FROM topic_profiles WHERE group_id = ?", (group_id,))
            _restart_learning_and_drift(db, group_id)
            return bump(db, "topics", group_id)

    def update_topic_profile(self, group_id: str, change: Callable[[dict], dict | None]) -> int | None:
        """Read, change and write a profile in one transaction (two workers absorbing at once both count).
        `change` gets the row and returns the new profile JSON, or None to leave it. Returns the revision."""
        with self._write() as db:
            row = _profile_row(_profile_of(db, group_id))
            new = change(row) if row is not None else None
            if new is None:
                return None
            db.execute("UPDATE topic_profiles SET profile = ?, updated_at = ? WHERE group_id = ?",
                       (orjson.dumps(new).decode(), time.time(), group_id))
            return bump(db, "topics", group_id)

    # -- learning from a group's own traffic -----------------------------------------------
    def learning_texts(self, group_id: str, limit: int) -> list[str]:
        """The first `limit` buffered texts of a group, oldest first."""
        with self._read() as db:
            rows = db.execute("SELECT text FROM topic_learning WHERE group_id = ? ORDER BY id LIMIT ?",
                              (group_id, limit)).fetchall()
        return [r[0] for r in rows]

    def finish_learning(self, group_id: str, profile: dict | None) -> int | None:
        """Store a learned profile unless the group got one meanwhile (another worker, an operator);
        the buffer goes either way (None: it gave no profile, learning starts again). Returns the
        topics revision, or None if nothing was stored."""
        with self._write() as db:
            db.execute("DELETE FROM topic_learning WHERE group_id = ?", (group_id,))
            if profile is None:
                return None
            cur = db.execute("INSERT INTO topic_profiles (group_id, source, profile, examples, updated_at)"
                             " VALUES (?, 'learned', ?, NULL, ?) ON CONFLICT(group_id) DO NOTHING",
                             (group_id, orjson.dumps(profile).decode(), time.time()))
            return bump(db, "topics", group_id) if cur.rowcount else None

    # -- drift ----------------------------------------------------------------
    def drift_state(self, group_id: str) -> dict | None:
        """The drift state a one-process service saved for a group (service/drift.py), or None."""
        with self._read() as db:
            row = db.execute("SELECT state FROM drift_state WHERE group_id = ?", (group_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def drift_history(self, group_id: str, since: float) -> list[dict]:
        """Drift points of a group from `since` on, oldest first: {ts, drift, alert, drivers}."""
        with self._read() as db:
            rows = db.execute("SELECT ts, drift, alert, drivers FROM drift_history WHERE group_id = ? AND ts >= ?"
                              " ORDER BY ts, id", (group_id, since)).fetchall()
        return [{"ts": r[0], "drift": r[1], "alert": bool(r[2]), "drivers": json.loads(r[3])} for r in rows]

    def drift_alert_onsets(self, group_id: str) -> list[dict]:
        """The drift points where a group's alert turned on (it stays on over several points), oldest first, found
        in SQL: a replay of years holds hundreds of thousands of points, read as a list only to find these."""
        with self._read() as db:
            rows = db.execute(
                "SELECT ts, drift, alert, drivers FROM (SELECT ts, drift, alert, drivers, id,"
                " LAG(alert, 1, 0) OVER (ORDER BY ts, id) AS was FROM drift_history WHERE group_id = ?)"
                " WHERE alert = 1 AND was = 0 ORDER BY ts, id", (group_id,)).fetchall()
        return [{"ts": r[0], "drift": r[1], "alert": bool(r[2]), "drivers": json.loads(r[3])} for r in rows]

    # -- which groups exist ---------------------------------------------------------------
    def group_known(self, group_id: str) -> bool:
        """A group is known once it has settings, a profile, or any recorded traffic."""
        with self._read() as db:
            return db.execute(
                "SELECT EXISTS (SELECT 1 FROM groups WHERE group_id = :g)"
                " OR EXISTS (SELECT 1 FROM topic_profiles WHERE group_id = :g)"
                " OR EXISTS (SELECT 1 FROM group_activity WHERE group_id = :g)"
                " OR EXISTS (SELECT 1 FROM topic_learning WHERE group_id = :g)"
                " OR EXISTS (SELECT 1 FROM drift_history WHERE group_id = :g)", {"g": group_id}).fetchone()[0] == 1


def _profile_of(db, group_id: str):
    return db.execute("SELECT source, profile, examples, updated_at FROM topic_profiles WHERE group_id = ?",
                      (group_id,)).fetchone()


def _restart_learning_and_drift(db, group_id: str) -> None:
    """A new or reset profile: the learning buffer and the drift state start again (the history stays)."""
    db.execute("DELETE FROM topic_learning WHERE group_id = ?", (group_id,))
    db.execute("DELETE FROM drift_state WHERE group_id = ?", (group_id,))
