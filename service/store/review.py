"""The review queue: flagged messages, the moderators' decisions on them, and their audit trail.

A decision (confirm, relabel, dismiss; or undo, which restores the state before the latest
decision not yet undone) changes an item's status, final_label, reviewed_by, reviewed_at and
note, adds 1 to its version, writes a row to review_history (who, when, the state before and
after, the note) and bumps the `review` revision, all in one transaction.
"""
from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import orjson

from qunguard.model.labels import LABELS
from qunguard.service.store.base import StoreBase, bump

STATUSES = ("pending", "confirmed", "relabelled", "dismissed")
DECISIONS = ("confirm", "relabel", "dismiss")
STATUS_OF = {"confirm": "confirmed", "relabel": "relabelled", "dismiss": "dismissed"}
# the part of an item a decision changes: what review_history keeps as before/after
STATE_FIELDS = ("status", "final_label", "reviewed_by", "reviewed_at", "version", "note")
# the columns the API declares (ReviewItemOut), named: a column added later is not sent unannounced
ITEM_COLUMNS = ("id, message_id, group_id, user_id, text, label, action, scores, reasons, model_version,"
                " message_ts, created_at, status, final_label, reviewed_by, reviewed_at, version, note,"
                " (SELECT COUNT(*) FROM review_reports WHERE item_id = review_items.id) AS reports")
EXPORT_PAGE = 500


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


class ReviewItemNotFound(LookupError):
    """No review item has this id."""

    def __init__(self, item_id: int) -> None:
        super().__init__(f"review item {item_id} does not exist")
        self.item_id = item_id


class VersionConflict(Exception):
    """The caller decided on a version of the item that is no longer the current one."""

    def __init__(self, item: dict, expected_version: int) -> None:
        super().__init__(f"review item {item['id']} is at version {item['version']} (status {item['status']}"
                         f"{', by ' + item['reviewed_by'] if item['reviewed_by'] else ''}), not {expected_version}:"
                         " someone decided it meanwhile; reload it and decide again")
        self.item, self.expected_version = item, expected_version


class NothingToUndo(Exception):
    """Every decision on the item has been undone already, or it never had one."""

    def __init__(self, item: dict) -> None:
        super().__init__(f"review item {item['id']} has no decision left to undo (status {item['status']})")
        self.item = item


def _item(row) -> dict:
    d = dict(row)
    d["scores"] = orjson.loads(d["scores"])
    d["reasons"] = orjson.loads(d["reasons"])
    return d


def _state(item: dict) -> dict:
    return {k: item[k] for k in STATE_FIELDS}


def check_decision(decision: str, label: str | None) -> None:
    """ValueError unless this is a decision: relabel names one of the labels, confirm and dismiss none."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
    if decision == "relabel" and label not in LABELS:
        raise ValueError(f"relabel needs a label, one of {', '.join(LABELS)}; got {label!r}")
    if decision != "relabel" and label is not None:
        raise ValueError(f"label is given only with relabel, not with {decision}")


def final_label(item: dict, decision: str, label: str | None) -> str:
    """confirm: the verdict was right; relabel: the moderator's label; dismiss: the message was fine."""
    if decision == "relabel" and label is not None:
        return label
    return "on_topic" if decision == "dismiss" else item["label"]


class ReviewStore(StoreBase):
    # -- review queue ---------------------------------------------------------
    def add_review_items(self, items: list[ReviewItem]) -> list[int]:
        """Insert and commit; returns the new ids. Raises StoreUnavailable if it could not commit."""
        if not items:
            return []
        with self._write() as db:
            _insert(db, items, time.time())
            # one writer inside one transaction: AUTOINCREMENT ids are consecutive
            last = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        return list(range(last - len(items) + 1, last + 1))

    def add_reported_item(self, item: ReviewItem, reported_by: str, label: str | None = None,
                          note: str | None = None) -> tuple[dict, bool]:
        """Queue a reported message unless it is queued already, and record the report (once per reporter and
        item): (the item, whether it was added now).

        The same message is the latest item of its group with the bot's message id, or, without one, a
        pending item of the same sender and text. Looked up, added and recorded in one transaction, so two
        workers taking two reports of one message queue it once."""
        with self._write() as db:
            if item.message_id:
                row = db.execute("SELECT id FROM review_items WHERE group_id = ? AND message_id = ? ORDER BY id DESC"
                                 " LIMIT 1", (item.group_id, item.message_id)).fetchone()
            else:
                row = db.execute("SELECT id FROM review_items WHERE group_id = ? AND user_id = ? AND text = ?"
                                 " AND status = 'pending' ORDER BY id DESC LIMIT 1",
                                 (item.group_id, item.user_id, item.text)).fetchone()
            added = row is None
            if added:
                _insert(db, [item], time.time())
            item_id = db.execute("SELECT last_insert_rowid()").fetchone()[0] if added else row[0]
            db.execute("INSERT OR IGNORE INTO review_reports (item_id, reported_by, label, note, at) VALUES (?,?,?,?,?)",
                       (item_id, reported_by, label, note, time.time()))
            return _item(db.execute(f"SELECT {ITEM_COLUMNS} FROM review_items WHERE id = ?", (item_id,)).fetchone()), added

    def item_reports(self, item_id: int) -> list[dict]:
        """Who reported an item, oldest first: reported_by, the label they suggested, their note, when."""
        with self._read() as db:
            rows = db.execute("SELECT reported_by, label, note, at FROM review_reports WHERE item_id = ? ORDER BY at,"
                              " reported_by", (item_id,)).fetchall()
        return [dict(r) for r in rows]

    def review_items(self, *, status: str | Sequence[str] | None = None, group_id: str | None = None,
                     label: str | None = None, action: str | None = None, min_score: float | None = None,
                     max_score: float | None = None, since: float | None = None, until: float | None = None,
                     before_id: int | None = None, limit: int = 100) -> list[dict]:
        """Items newest first (id descending). `status`: one or several (None: any); scores bound the
        score of the item's own label; since (inclusive) and until (exclusive) bound the message time;
        `before_id`: the page after the one that ended with this id."""
        where: list[str] = ["1"]
        args: list = []
        statuses = [status] if isinstance(status, str) else list(status or ())
        if statuses:
            where.append(f"status IN ({','.join('?' * len(statuses))})")
            args += statuses
        _add_filters(where, args, (("group_id = ?", group_id), ("label = ?", label), ("action = ?", action),
                                   ("json_extract(scores, '$.' || label) >= ?", min_score),
                                   ("json_extract(scores, '$.' || label) <= ?", max_score),
                                   ("message_ts >= ?", since), ("message_ts < ?", until), ("id < ?", before_id)))
        sql = f"SELECT {ITEM_COLUMNS} FROM review_items WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?"
        with self._read() as db:
            rows = db.execute(sql, [*args, limit]).fetchall()
        return [_item(r) for r in rows]

    def member_offences(self, members: Sequence[tuple[str, str, float, float, bool]]
                        ) -> dict[tuple[str, str], list[float]]:
        """Per (group, user, since, until, trial): the times of the member's offences in [since, until], in order
        (service/mutes.py): a deleted message no moderator took back (quiet hours' deletes are the group's schedule,
        no offence), or any message a moderator confirmed or relabelled as flagged. A dry run's items count only
        while `trial` (the group is in its dry run still): nothing was done to the member. One indexed look-up per
        member (review_items_sender)."""
        out: dict[tuple[str, str], list[float]] = {}
        with self._read() as db:
            for group_id, user_id, since, until, trial in members:
                rows = db.execute(
                    "SELECT message_ts FROM review_items WHERE group_id = ? AND user_id = ? AND message_ts >= ?"
                    " AND message_ts <= ? AND ((action = 'delete' AND status = 'pending' AND instr(reasons,"
                    " '\"quiet_hours\"') = 0) OR (status != 'pending' AND final_label != 'on_topic'))"
                    " AND (? OR instr(reasons, '\"dry_run\"') = 0) ORDER BY message_ts",
                    (group_id, user_id, since, until, trial)).fetchall()
                out[(group_id, user_id)] = [r[0] for r in rows]
        return out

    def count_review_items(self, status: str = "pending") -> int:
        with self._read() as db:
            return db.execute("SELECT COUNT(*) FROM review_items WHERE status = ?", (status,)).fetchone()[0]

    def get_review_item(self, item_id: int) -> dict | None:
        with self._read() as db:
            row = db.execute(f"SELECT {ITEM_COLUMNS} FROM review_items WHERE id = ?", (item_id,)).fetchone()
        return _item(row) if row else None

    # -- decisions --------------------------------------------------------------
    def decide_review_item(self, item_id: int, *, decision: str, moderator: str, label: str | None = None,
                           note: str | None = None, expected_version: int | None = None) -> dict:
        """Record one decision; returns the item after it. Raises ValueError (a bad decision or
        label), ReviewItemNotFound, or VersionConflict when `expected_version` is not the current one."""
        check_decision(decision, label)
        with self._write() as db:
            item = _current(db, item_id, expected_version)
            after = _decide(db, item, decision, label, moderator, note, time.time())
            bump(db, "review", f"{decision} {item_id}")
        return after

    def decide_review_items(self, ids: list[int], *, decision: str, moderator: str, label: str | None = None,
                            note: str | None = None) -> list[dict]:
        """The same decision on every id (each once, in the order given), in one transaction: a missing
        id raises ReviewItemNotFound and nothing is changed. Returns the items after it."""
        check_decision(decision, label)
        ids = list(dict.fromkeys(ids))
        now = time.time()
        with self._write() as db:
            items = [_current(db, item_id, None) for item_id in ids]  # every id checked before any change
            out = [_decide(db, item, decision, label, moderator, note, now) for item in items]
            if out:
                bump(db, "review", f"{decision} {len(out)} items")
        return out

    def undo_review_decision(self, item_id: int, *, moderator: str, expected_version: int | None = None) -> dict:
        """Restore the state before the latest decision not yet undone (with a new version); recorded
        as decision "undo". Undo again to go one more decision back. Raises ReviewItemNotFound,
        VersionConflict, or NothingToUndo."""
        with self._write() as db:
            item = _current(db, item_id, expected_version)
            undone = 0  # walking back: every undo row cancels the decision before it
            target = None
            for row in db.execute("SELECT decision, before FROM review_history WHERE item_id = ? ORDER BY id DESC",
                                  (item_id,)):
                if row[0] == "undo":
                    undone += 1
                elif undone:
                    undone -= 1
                else:
                    target = orjson.loads(row[1])
                    break
            if target is None:
                raise NothingToUndo(item)
            restored = {**item, **target, "version": item["version"] + 1}
            _save(db, item, restored, "undo", moderator, None, time.time())
            bump(db, "review", f"undo {item_id}")
        return restored

    def review_history(self, item_id: int) -> list[dict]:
        """Every decision on the item, oldest first: id, item_id, group_id, moderator, at, decision,
        before and after (status, final_label, reviewed_by, reviewed_at, version, note), note."""
        with self._read() as db:
            rows = db.execute("SELECT id, item_id, group_id, moderator, at, decision, before, after, note"
                              " FROM review_history WHERE item_id = ? ORDER BY id", (item_id,)).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["before"], d["after"] = orjson.loads(d["before"]), orjson.loads(d["after"])
            out.append(d)
        return out

    # -- export ---------------------------------------------------------------------
    def decided_review_items(self, *, group_id: str | None = None, since: float | None = None,
                             until: float | None = None) -> Iterator[dict]:
        """Every decided (not pending) item in id order, read a page at a time: the lock is held
        for one page, never across the consumer's work, so bots keep writing during a long export."""
        where = ["status != 'pending'", "id > ?"]
        args: list = []
        _add_filters(where, args, (("group_id = ?", group_id), ("message_ts >= ?", since), ("message_ts < ?", until)))
        sql = f"SELECT {ITEM_COLUMNS} FROM review_items WHERE {' AND '.join(where)} ORDER BY id LIMIT {EXPORT_PAGE}"
        last = 0
        while True:
            with self._read() as db:
                rows = db.execute(sql, [last, *args]).fetchall()
            yield from (_item(r) for r in rows)
            if len(rows) < EXPORT_PAGE:
                return
            last = rows[-1]["id"]


def _insert(db, items: list[ReviewItem], now: float) -> None:
    dumps = orjson.dumps
    db.executemany(
        "INSERT INTO review_items (message_id, group_id, user_id, text, label, action, scores, reasons,"
        " model_version, message_ts, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [(it.message_id, it.group_id, it.user_id, it.text, it.label, it.action, dumps(it.scores).decode(),
          dumps(it.reasons).decode(), it.model_version, it.message_ts, now) for it in items])


def _add_filters(where: list[str], args: list, clauses: tuple[tuple[str, object], ...]) -> None:
    """Each clause whose value is given (not None) joins the WHERE, its value the arguments."""
    for clause, value in clauses:
        if value is not None:
            where.append(clause)
            args.append(value)


# -- inside a write transaction ---------------------------------------------------------
def _current(db, item_id: int, expected_version: int | None) -> dict:
    row = db.execute(f"SELECT {ITEM_COLUMNS} FROM review_items WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise ReviewItemNotFound(item_id)
    item = _item(row)
    if expected_version is not None and expected_version != item["version"]:
        raise VersionConflict(item, expected_version)
    return item


def _decide(db, item: dict, decision: str, label: str | None, moderator: str, note: str | None, now: float) -> dict:
    after = {**item, "status": STATUS_OF[decision], "final_label": final_label(item, decision, label), "reviewed_by": moderator,
             "reviewed_at": now, "version": item["version"] + 1, "note": note}
    _save(db, item, after, decision, moderator, note, now)
    return after


def _save(db, before: dict, after: dict, decision: str, moderator: str, note: str | None, now: float) -> None:
    db.execute("UPDATE review_items SET status = ?, final_label = ?, reviewed_by = ?, reviewed_at = ?, version = ?,"
               " note = ? WHERE id = ?", (*(after[k] for k in STATE_FIELDS), after["id"]))
    db.execute("INSERT INTO review_history (item_id, group_id, moderator, at, decision, before, after, note)"
               " VALUES (?,?,?,?,?,?,?,?)",
               (after["id"], after["group_id"], moderator, now, decision, orjson.dumps(_state(before)).decode(),
                orjson.dumps(_state(after)).decode(), note))
