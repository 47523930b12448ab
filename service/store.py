"""The only module that speaks SQL: review queue and group settings in SQLite.

One connection, one lock: writes are serialised and committed before the
caller returns, so a review item acknowledged to a bot survives a crash of
the process right after the response. WAL mode lets readers (the moderator
page) work while a bot writes. `synchronous=NORMAL` in WAL mode is durable
against a process crash; set `durable_fsync=True` (QUNGUARD_DB_FSYNC) to fsync
every commit and survive power loss too, at a cost per flagged message.

Every failure of SQLite leaves this module as `StoreUnavailable`: callers (and the
HTTP error handler, which answers 503 store_unavailable) never see sqlite3 errors.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson

MIGRATIONS: list[str] = [
    # 1: review queue and group settings
    """
    CREATE TABLE review_items (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id TEXT,
        group_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        text TEXT NOT NULL,
        label TEXT NOT NULL,
        action TEXT NOT NULL,
        scores TEXT NOT NULL,
        reasons TEXT NOT NULL,
        model_version TEXT NOT NULL,
        message_ts REAL NOT NULL,
        created_at REAL NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        final_label TEXT,
        reviewed_by TEXT,
        reviewed_at REAL
    );
    CREATE INDEX review_items_status ON review_items (status, id);
    CREATE INDEX review_items_group ON review_items (group_id, id);
    CREATE TABLE groups (
        group_id TEXT PRIMARY KEY,
        settings TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    """,
    # 2: change counters that worker processes follow (group settings, the model in effect)
    """
    CREATE TABLE revisions (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL,
        detail TEXT
    );
    INSERT INTO revisions (name, value) VALUES ('groups', 0), ('model', 0);
    """,
]


class StoreUnavailable(Exception):
    """The review store could not read or commit: nothing of the failed call was stored."""


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


def _enable_wal(db: sqlite3.Connection, deadline_s: float = 5.0) -> None:
    """Switch a new file to WAL. The switch needs the file to itself, and SQLite answers "locked" at
    once, without waiting on busy_timeout, when workers open a new file together: retry briefly."""
    give_up = time.monotonic() + deadline_s
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > give_up:
                raise
            time.sleep(0.01)


class Store:
    def __init__(self, path: Path | str, *, durable_fsync: bool = False) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._durable_fsync = durable_fsync
        self._db: sqlite3.Connection | None = None
        self.open()
        self._migrate()

    def open(self) -> None:
        """Connect, or reconnect after close() (an app whose lifespan runs again reopens its store)."""
        with self._lock, _unavailable_on_sqlite_error():
            if self._db is not None:
                return
            db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout=5000")
            _enable_wal(db)
            db.execute(f"PRAGMA synchronous={'FULL' if self._durable_fsync else 'NORMAL'}")
            self._db = db

    def _migrate(self) -> None:
        while self._migrate_one_step():
            pass

    def _migrate_one_step(self) -> bool:
        """Apply the next migration; False when none is left. The version is read inside the
        write transaction: workers starting together migrate once, the others find the work done."""
        with self._write() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version >= len(MIGRATIONS):
                return False
            for statement in filter(str.strip, MIGRATIONS[version].split(";")):
                db.execute(statement)
            db.execute(f"PRAGMA user_version={version + 1}")
            return True

    # -- the two ways in: a read under the lock, a write transaction ------------------
    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock, _unavailable_on_sqlite_error():
            yield self._connection()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        with self._lock, _unavailable_on_sqlite_error():
            db = self._connection()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:  # SQLite may have rolled back already (a full disk, I/O errors)
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreUnavailable(f"the review store {self.path} is closed")
        return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- health -------------------------------------------------------------
    def writable(self) -> bool:
        """True when a write transaction can be opened and committed now."""
        try:
            with self._write():
                pass
            return True
        except StoreUnavailable:
            return False

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
            return _bump(db, "groups", None)

    # -- revisions: what worker processes follow ----------------------------------
    def revisions(self) -> dict[str, tuple[int, str | None]]:
        """name -> (counter, detail): "groups" counts settings changes, "model" the model folder in effect."""
        with self._read() as db:
            rows = db.execute("SELECT name, value, detail FROM revisions").fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}

    def bump_revision(self, name: str, detail: str | None = None) -> int:
        with self._write() as db:
            return _bump(db, name, detail)


def _bump(db: sqlite3.Connection, name: str, detail: str | None) -> int:
    return db.execute("UPDATE revisions SET value = value + 1, detail = ? WHERE name = ? RETURNING value",
                      (detail, name)).fetchone()[0]


@contextmanager
def _unavailable_on_sqlite_error() -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"review store: {exc}") from exc
