"""The SQLite store: the review queue, its decisions and audit trail, group settings, accounts.

`Store` is one connection (service/store/base.py) with the methods of every area mixed in;
schema changes are the numbered list in service/store/migrations.py.
"""
from __future__ import annotations

from qunguard.service.store.activity import ActivityStore
from qunguard.service.store.base import StoreUnavailable
from qunguard.service.store.groups import GroupStore
from qunguard.service.store.memory import MemoryStore
from qunguard.service.store.migrations import MIGRATIONS
from qunguard.service.store.review import (
    NothingToUndo,
    ReviewItem,
    ReviewItemNotFound,
    ReviewStore,
    VersionConflict,
)
from qunguard.service.store.topics import TopicStore
from qunguard.service.store.users import UserStore


class Store(ReviewStore, GroupStore, UserStore, MemoryStore, TopicStore, ActivityStore):
    """Every area's methods on one connection."""


__all__ = ["MIGRATIONS", "NothingToUndo", "ReviewItem", "ReviewItemNotFound", "Store", "StoreUnavailable",
           "VersionConflict"]
