"""Every schema change, numbered: the store applies the ones a file has not had, in order, once.

A file's `PRAGMA user_version` is the number of migrations it has had. Append, never edit one
that has shipped: a database made by an earlier release must reach the same schema.
"""
from __future__ import annotations

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
    # 3: the review loop (issue 9): item versions and notes, the audit trail of decisions, moderator
    # accounts for the /ui page, and secrets the workers share (the session-cookie key)
    """
    ALTER TABLE review_items ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE review_items ADD COLUMN note TEXT;
    CREATE INDEX review_items_created ON review_items (created_at, id);
    CREATE TABLE review_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        item_id INTEGER NOT NULL REFERENCES review_items (id),
        group_id TEXT NOT NULL,
        moderator TEXT NOT NULL,
        at REAL NOT NULL,
        decision TEXT NOT NULL,
        before TEXT NOT NULL,
        after TEXT NOT NULL,
        note TEXT
    );
    CREATE INDEX review_history_item ON review_history (item_id, id);
    CREATE TABLE users (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        created_at REAL NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    INSERT INTO revisions (name, value) VALUES ('review', 0)
    """,
]
