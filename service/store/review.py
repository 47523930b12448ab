"""The review queue: flagged messages, the moderators' decisions on them, and their audit trail."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

import orjson

from qunguard.service.store.base import StoreBase


@dataclass(frozen=True, slots=True)
class ReviewItem:
    message_id: str | None
    group_id: str
    user_id: str
    text: str
    label: str
    action: str
    scores: dict[str, float]
    reasons: list[dict[str, str]]
    model_version: str
    message_ts: float



class ReviewStore(StoreBase):
    # -- review queue ---------------------------------------------------------
    def add_review_items(self, items: list[ReviewItem]) -> list[int]:
        """Insert and commit; returns the new ids. Raises StoreUnavailable if it could not commit."""
        if not items:
            return []
        now = time.time()
        dumps = orjson.dumps
        rows = [(it.message_id, it.group_id, it.user_id, it.text, it.label, it.action, dumps(it.scores).decode(),
                 dumps(it.reasons).decode(), it.model_version, it.message_ts, now) for it in items]
        with self._write() as db:
            db.executemany(
                "INSERT INTO review_items (message_id, group_id, user_id, text, label, action, scores, reasons,"
                " model_version, message_ts, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            # one writer inside one transaction: AUTOINCREMENT ids are consecutive
            last = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        return list(range(last - len(rows) + 1, last + 1))

    def review_items(self, *, status: str | None = "pending", group_id: str | None = None, after_id: int = 0, limit: int = 100) -> list[dict]:
        # the columns the API declares (ReviewItemOut), named: a column added later is not sent unannounced
        sql = ("SELECT id, message_id, group_id, user_id, text, label, action, scores, reasons, model_version,"
               " message_ts, created_at, status, final_label, reviewed_by, reviewed_at FROM review_items WHERE id > ?")
        args: list = [after_id]
        if status:
            sql += " AND status = ?"
            args.append(status)
        if group_id:
            sql += " AND group_id = ?"
            args.append(group_id)
        sql += " ORDER BY id LIMIT ?"
        args.append(limit)
        with self._read() as db:
            rows = db.execute(sql, args).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["scores"] = json.loads(d["scores"])
            d["reasons"] = json.loads(d["reasons"])
            out.append(d)
        return out

    def count_review_items(self, status: str = "pending") -> int:
        with self._read() as db:
            return db.execute("SELECT COUNT(*) FROM review_items WHERE status = ?", (status,)).fetchone()[0]

