"""Moderator accounts for the /ui page, and secrets every worker shares (the session-cookie key).

Passwords arrive here already hashed (service/ui/accounts.py hashes them); the store never sees one.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from qunguard.service.store.base import StoreBase


class UserExists(Exception):
    """`add_user` of a name that is taken."""


class UnknownUser(Exception):
    """A change to an account that does not exist."""


_USER_COLUMNS = "username, password_hash, role, created_at, disabled"


def _user(row) -> dict:
    d = dict(row)
    d["disabled"] = bool(d["disabled"])
    return d


class UserStore(StoreBase):
    # -- accounts -------------------------------------------------------------
    def add_user(self, username: str, password_hash: str, role: str) -> None:
        with self._write() as db:
            if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise UserExists(f"user {username!r} exists; `qunguard user passwd {username}` sets a new password")
            db.execute("INSERT INTO users (username, password_hash, role, created_at) VALUES (?,?,?,?)",
                       (username, password_hash, role, time.time()))

    def get_user(self, username: str) -> dict | None:
        """username, password_hash, role, created_at, disabled (bool); None if there is no such account."""
        with self._read() as db:
            row = db.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE username = ?", (username,)).fetchone()
        return _user(row) if row else None

    def list_users(self) -> list[dict]:
        with self._read() as db:
            rows = db.execute(f"SELECT {_USER_COLUMNS} FROM users ORDER BY username").fetchall()
        return [_user(r) for r in rows]

    def set_user_password(self, username: str, password_hash: str, *, enable: bool = False) -> None:
        """A new password hash (a reset, or a rehash at login); `enable` also lifts a disable."""
        sql = "UPDATE users SET password_hash = ?" + (", disabled = 0" if enable else "") + " WHERE username = ?"
        with self._write() as db:
            if db.execute(sql, (password_hash, username)).rowcount == 0:
                raise UnknownUser(f"no user {username!r}")

    def set_user_disabled(self, username: str, disabled: bool = True) -> None:
        with self._write() as db:
            if db.execute("UPDATE users SET disabled = ? WHERE username = ?", (int(disabled), username)).rowcount == 0:
                raise UnknownUser(f"no user {username!r}")

    # -- shared secrets ----------------------------------------------------------
    def shared_secret(self, name: str, make: Callable[[], str]) -> str:
        """The secret stored under `name`; made with `make()` and stored the first time. Workers starting
        together race to store it inside one write transaction each: the first wins, all read the same."""
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)", (name, make()))
            return db.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()[0]
