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
    # 4: topic profiles, drift and group health reports (issue 10): a profile per group (from its
    # description, examples, or learned from its first legitimate messages, buffered in topic_learning
    # so that learning survives restarts and is shared by workers), the drift state of one-process
    # services and the drift history, and activity counts: per group and UTC hour (epoch hour) and
    # label, per member, and per member, UTC day (epoch day) and flagged label. All but the profile
    # are written in aggregated flushes every few seconds (service/activity.py), never per message.
    """
    CREATE TABLE topic_profiles (
        group_id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        profile TEXT NOT NULL,
        examples TEXT,
        updated_at REAL NOT NULL
    );
    CREATE TABLE topic_learning (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        group_id TEXT NOT NULL,
        text TEXT NOT NULL,
        ts REAL NOT NULL
    );
    CREATE INDEX topic_learning_group ON topic_learning (group_id, id);
    CREATE TABLE drift_state (
        group_id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE drift_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        group_id TEXT NOT NULL,
        ts REAL NOT NULL,
        drift REAL NOT NULL,
        alert INTEGER NOT NULL,
        drivers TEXT NOT NULL
    );
    CREATE INDEX drift_history_group ON drift_history (group_id, ts);
    CREATE TABLE group_activity (
        group_id TEXT NOT NULL,
        hour INTEGER NOT NULL,
        label TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (group_id, hour, label)
    ) WITHOUT ROWID;
    CREATE TABLE members (
        group_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        messages INTEGER NOT NULL,
        flooding INTEGER NOT NULL,
        advertising INTEGER NOT NULL,
        PRIMARY KEY (group_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX members_last_seen ON members (group_id, last_seen);
    CREATE TABLE member_flags (
        group_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        label TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (group_id, day, label, user_id)
    ) WITHOUT ROWID;
    INSERT INTO revisions (name, value) VALUES ('topics', 0)
    """,
    # 5: reported messages (POST /v1/review/report): a report finds the item already queued for its message,
    # by the bot's message id, else by sender and text, without reading the group's whole queue
    """
    CREATE INDEX review_items_message ON review_items (group_id, message_id);
    CREATE INDEX review_items_sender ON review_items (group_id, user_id, id)
    """,
    # 6: who reported an item, once each: the label they suggest and why (GET /v1/review/{id}/reports), and
    # how many did (an item's `reports`)
    """
    CREATE TABLE review_reports (
        item_id INTEGER NOT NULL REFERENCES review_items (id),
        reported_by TEXT NOT NULL,
        label TEXT,
        note TEXT,
        at REAL NOT NULL,
        PRIMARY KEY (item_id, reported_by)
    ) WITHOUT ROWID
    """,
]
