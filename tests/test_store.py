"""The SQLite review queue on a real file."""
from qunguard.service.store import ReviewItem, Store


def _item(i: int) -> ReviewItem:
    return ReviewItem(f"m{i}", "g1", f"u{i}", f"加微信 abc12{i}", "advertising", "delete",
                      {"on_topic": 0.1, "spam": 0.1, "advertising": 0.8, "flooding": 0.0},
                      [{"name": "model", "detail": "p(advertising)=0.80"}], "v1", 1000.0 + i)


def test_added_items_come_back_with_the_ids_returned(tmp_path):
    store = Store(tmp_path / "q.db")
    first = store.add_review_items([_item(0)])
    ids = store.add_review_items([_item(i) for i in range(1, 4)])
    assert len(first) == 1 and ids == [first[0] + 1, first[0] + 2, first[0] + 3]
    rows = store.review_items()  # newest first
    assert [r["id"] for r in rows] == (first + ids)[::-1]
    assert [r["message_id"] for r in rows] == ["m3", "m2", "m1", "m0"]
    assert rows[1]["reasons"] == [{"name": "model", "detail": "p(advertising)=0.80"}]
    assert rows[1]["scores"]["advertising"] == 0.8
    assert (rows[1]["version"], rows[1]["note"], rows[1]["status"]) == (1, None, "pending")


def test_items_outlive_the_connection(tmp_path):
    store = Store(tmp_path / "q.db")
    store.add_review_items([_item(i) for i in range(5)])
    store.close()
    again = Store(tmp_path / "q.db")
    assert again.count_review_items("pending") == 5
    assert again.add_review_items([]) == []


def test_a_failed_write_raises_store_unavailable_and_the_store_recovers(tmp_path):
    import sqlite3

    import pytest

    from qunguard.service.store import StoreUnavailable
    from tests.store_lock import write_lock_held_elsewhere

    store = Store(tmp_path / "q.db")
    with write_lock_held_elsewhere(store):
        with pytest.raises(StoreUnavailable) as err:
            store.add_review_items([_item(0)])
        assert isinstance(err.value.__cause__, sqlite3.OperationalError)  # the cause is kept for the log
        with pytest.raises(StoreUnavailable):
            store.put_group("g1", {"topic_description": "x"})
        assert store.writable() is False
        assert store.count_review_items("pending") == 0  # reads go on while another connection writes
    assert store.writable() is True
    assert store.add_review_items([_item(1)]) and store.count_review_items("pending") == 1


def test_a_write_that_fails_midway_leaves_nothing_behind(tmp_path):
    import pytest

    from qunguard.service.store import StoreUnavailable

    store = Store(tmp_path / "q.db")
    revision = store.revisions()["groups"][0]
    bad = _item(1)
    unbindable = ReviewItem(*[getattr(bad, f) for f in ReviewItem.__slots__[:-1]], object())  # message_ts
    with pytest.raises(StoreUnavailable):
        store.add_review_items([_item(0), unbindable])
    assert store.count_review_items("pending") == 0  # the first row was rolled back with the second
    assert store.put_group("g1", {"a": 1}) == revision + 1  # no transaction was left open
    assert store.get_group("g1") == {"a": 1}


def test_a_closed_store_is_unavailable_not_an_attribute_error(tmp_path):
    import pytest

    from qunguard.service.store import StoreUnavailable

    store = Store(tmp_path / "q.db")
    store.close()
    with pytest.raises(StoreUnavailable):
        store.review_items()
    assert store.writable() is False
    store.open()
    assert store.writable() is True


def test_opening_and_migrating_twice_is_one_migration(tmp_path):
    from qunguard.service.store import MIGRATIONS

    Store(tmp_path / "q.db").put_group("g1", {"a": 1})
    again = Store(tmp_path / "q.db")  # finds the schema done and keeps the data
    with again._read() as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert again.get_group("g1") == {"a": 1} and again.revisions()["groups"][0] == 1


def test_a_queue_made_before_reports_keeps_its_items_and_takes_reports(tmp_path):
    """A file at migration 4 (s32's schema) with a flagged item: this release migrates it in place."""
    import sqlite3

    from qunguard.service.store import MIGRATIONS, ReviewItem

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:4]:
        db.executescript(script)
    db.execute("PRAGMA user_version=4")
    db.execute("INSERT INTO review_items (message_id, group_id, user_id, text, label, action, scores, reasons,"
               " model_version, message_ts, created_at) VALUES ('m1', 'g1', 'u1', '加v abc1234', 'spam', 'review',"
               " '{}', '[]', 'old', 1.0, 1.0)")
    db.commit()
    db.close()
    store = Store(path)
    [old] = store.review_items()
    assert old["text"] == "加v abc1234" and old["reports"] == 0
    item, added = store.add_reported_item(ReviewItem("m1", "g1", "u1", "加v abc1234", "spam", "review", {}, [], "new", 2.0),
                                          "member1", "spam")
    assert not added and item["id"] == old["id"] and item["reports"] == 1
    assert store.item_reports(old["id"])[0]["reported_by"] == "member1"
