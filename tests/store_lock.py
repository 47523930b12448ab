"""A real store failure for tests: another connection holds the write lock."""
from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from qunguard.service.store import Store


@contextlib.contextmanager
def write_lock_held_elsewhere(store: Store) -> Iterator[None]:
    """While inside, every write of `store` fails at once with SQLite's "database is locked"."""
    other = sqlite3.connect(str(store.path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    store._db.execute("PRAGMA busy_timeout=0")  # fail now rather than wait 5 s for the lock
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()
        store._db.execute("PRAGMA busy_timeout=5000")
