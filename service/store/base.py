"""The store's connection: one SQLite file, its migrations, and the two ways in (a read, a write).

The store is the only package that speaks SQL; each area has its own module of
methods on the one `Store` (service/store/__init__.py): review.py, groups.py, ...

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

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qunguard.service.store.migrations import MIGRATIONS


class StoreUnavailable(Exception):
    """The review store could not read or commit: nothing of the failed call was stored."""


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


class StoreBase:
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

    # -- revisions: what worker processes follow ----------------------------------
    def revisions(self) -> dict[str, tuple[int, str | None]]:
        """name -> (counter, detail): "groups" counts settings changes, "model" the model folder in effect."""
        with self._read() as db:
            rows = db.execute("SELECT name, value, detail FROM revisions").fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}

    def bump_revision(self, name: str, detail: str | None = None) -> int:
        with self._write() as db:
            return bump(db, name, detail)


def bump(db: sqlite3.Connection, name: str, detail: str | None) -> int:
    return db.execute("UPDATE revisions SET value = value + 1, detail = ? WHERE name = ? RETURNING value",
                      (detail, name)).fetchone()[0]


@contextmanager
def _unavailable_on_sqlite_error() -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"review store: {exc}") from exc
