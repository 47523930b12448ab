"""Group settings, stored as JSON per group."""
from __future__ import annotations

import json
import time

from qunguard.service.store.base import StoreBase, bump


class GroupStore(StoreBase):
    # -- group settings -------------------------------------------------------
    def get_group(self, group_id: str) -> dict | None:
        with self._read() as db:
            row = db.execute("SELECT settings FROM groups WHERE group_id = ?", (group_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def put_group(self, group_id: str, settings: dict) -> int:
        """Store a group's settings; returns the new groups revision (other workers follow it)."""
        with self._write() as db:
            db.execute(
                "INSERT INTO groups (group_id, settings, updated_at) VALUES (?,?,?)"
                " ON CONFLICT(group_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
                (group_id, json.dumps(settings, ensure_ascii=False), time.time()),
            )
            return bump(db, "groups", None)

