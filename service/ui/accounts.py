"""Moderator accounts: password hashes (Argon2id), checking a login, and slowing down guessing.

Used by the login form (service/ui/routes.py) and by `qunguard user` (service/commands/users.py).
"""
from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict, deque
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from qunguard.service.store import Store

ROLES = ("moderator", "admin")
USERNAME = re.compile(r"^[\w.@-]{1,64}$")  # \w is Unicode: 版主 is a fine name
MIN_PASSWORD, MAX_PASSWORD = 8, 1024

# Argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): ~70 ms of one core here. argon2-cffi's
# default (64 MiB, 3 passes, 4 lanes) took 0.7 s on this 2-core machine under load, and a login's hash competes with
# the classifier for the same cores. A hash made with other parameters is upgraded at the next login.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def check_username(username: str) -> str | None:
    """What is wrong with a new account's name, or None."""
    if not USERNAME.match(username):
        return "a user name is 1-64 letters, digits or . _ - @ (no spaces)"
    return None


def check_password(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"a password needs {MIN_PASSWORD}+ characters"
    if len(password) > MAX_PASSWORD:
        return f"a password has at most {MAX_PASSWORD} characters"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("no such user: compared so that a wrong name costs as long as a wrong password")


def authenticate(store: Store, username: str, password: str) -> dict | None:
    """The account, if the name and password match an enabled one; None otherwise.

    An unknown or disabled name still costs one Argon2 verification: the time taken does not
    tell which names exist. A hash made with weaker parameters than today's is upgraded here."""
    user = store.get_user(username) if USERNAME.match(username) and len(password) <= MAX_PASSWORD else None
    stored = user["password_hash"] if user and not user["disabled"] else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or user["disabled"]:
        return None
    if _hasher.check_needs_rehash(stored):
        store.set_user_password(username, hash_password(password))
        user = store.get_user(username)
    return user


def session_stamp(user: dict) -> str:
    """Changes when the password does: a session made before `qunguard user passwd` stops working."""
    return hashlib.sha256(user["password_hash"].encode()).hexdigest()[:16]


class LoginThrottle:
    """Refuses logins for a while after repeated failures, per user name and per client address.

    Modest on purpose: 5 failures for a name (or 20 from an address) in 15 minutes lock that
    name (address) until the oldest failure leaves the window. Kept in memory, per worker
    process: it slows a guesser down by orders of magnitude without a shared store round trip."""

    def __init__(self, per_user: int = 5, per_address: int = 20, window_s: float = 900.0, max_keys: int = 10_000) -> None:
        self.per_user, self.per_address, self.window_s, self.max_keys = per_user, per_address, window_s, max_keys
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, username: str, address: str, now: float | None = None) -> float:
        """Seconds until this name and address may try again; 0 when they may now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = [self._wait(("user", username.lower()), self.per_user, now),
                     self._wait(("addr", address), self.per_address, now)]
        return max(waits)

    def failed(self, username: str, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in (("user", username.lower()), ("addr", address)):
                times = self._failures.pop(key, None) or deque()
                times.append(now)
                self._failures[key] = times  # most recent last: the oldest keys are dropped first
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("user", username.lower()), None)

    def _wait(self, key: tuple[str, str], limit: int, now: float) -> float:
        times = self._failures.get(key)
        if not times:
            return 0.0
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if len(times) < limit:
            return 0.0
        return times[-limit] + self.window_s - now
