"""What the groups' memory of decided texts is read from (service/campaigns.py).

The memory has no table of its own: it is the moderators' decided review items, ordered by
their latest row in review_history. A process starting reads the latest decisions of every
group; a running one follows new rows of review_history by their id, so a decision made
through any worker reaches all of them, and a restart finds the same memory again.
"""
from __future__ import annotations

from dataclasses import dataclass

from qunguard.service.store.base import StoreBase

DECIDED = ("confirmed", "relabelled", "dismissed")


@dataclass(frozen=True, slots=True)
class Decided:
    """A review item as it stands now. `seq`: the id of its latest review_history row (the order
    of decisions); `decided` is False once it is pending again (a decision undone)."""

    seq: int
    item_id: int
    group_id: str
    text: str
    final_label: str | None
    decided: bool


def _row(r) -> Decided:
    return Decided(r["seq"], r["id"], r["group_id"], r["text"], r["final_label"], r["status"] in DECIDED)


class MemoryStore(StoreBase):
    def latest_decisions(self, per_group: int, labels: tuple[str, ...]) -> tuple[list[Decided], int]:
        """Up to `per_group` latest decided items per group whose final label is in `labels`, oldest
        first; and the review_history cursor to follow from.

        The cursor is read first: a decision committed in between is in the list and again
        after the cursor, and applying it twice is harmless."""
        marks = ",".join("?" * len(labels))
        with self._read() as db:
            cursor = db.execute("SELECT COALESCE(MAX(id), 0) FROM review_history").fetchone()[0]
            rows = db.execute(
                "WITH last AS (SELECT item_id, MAX(id) AS seq FROM review_history GROUP BY item_id),"
                " decided AS (SELECT r.id, r.group_id, r.text, r.status, r.final_label, COALESCE(last.seq, 0) AS seq"
                "  FROM review_items r LEFT JOIN last ON last.item_id = r.id"
                f"  WHERE r.status IN ({','.join('?' * len(DECIDED))}) AND r.final_label IN ({marks})),"
                " ranked AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY group_id ORDER BY seq DESC, id DESC) AS rn"
                "  FROM decided)"
                " SELECT id, group_id, text, status, final_label, seq FROM ranked WHERE rn <= ? ORDER BY seq, id",
                (*DECIDED, *labels, per_group)).fetchall()
        return [_row(r) for r in rows], cursor

    def decisions_since(self, cursor: int, limit: int = 1000) -> list[Decided]:
        """Items with review_history rows after `cursor`, as they stand now, in the order of those
        rows (an item decided twice comes once per row; the later one is its current state)."""
        with self._read() as db:
            rows = db.execute(
                "SELECT h.id AS seq, r.id, r.group_id, r.text, r.status, r.final_label FROM review_history h"
                " JOIN review_items r ON r.id = h.item_id WHERE h.id > ? ORDER BY h.id LIMIT ?",
                (cursor, limit)).fetchall()
        return [_row(r) for r in rows]
