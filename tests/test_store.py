"""The SQLite review queue on a real file."""
from service.store import ReviewItem, Store


def _item(i: int) -> ReviewItem:
    return ReviewItem(f"m{i}", "g1", f"u{i}", f"加微信 abc12{i}", "advertising", "delete",
                      {"on_topic": 0.1, "spam": 0.1, "advertising": 0.8, "flooding": 0.0},
                      [{"name": "model", "detail": "p(advertising)=0.80"}], "v1", 1000.0 + i)


def test_added_items_come_back_with_the_ids_returned(tmp_path):
    store = Store(tmp_path / "q.db")
    first = store.add_review_items([_item(0)])
    ids = store.add_review_items([_item(i) for i in range(1, 4)])
    assert len(first) == 1 and ids == [first[0] + 1, first[0] + 2, first[0] + 3]
    rows = store.review_items()
    assert [r["id"] for r in rows] == first + ids
    assert [r["message_id"] for r in rows] == ["m0", "m1", "m2", "m3"]
    assert rows[2]["reasons"] == [{"name": "model", "detail": "p(advertising)=0.80"}]
    assert rows[2]["scores"]["advertising"] == 0.8


def test_items_outlive_the_connection(tmp_path):
    store = Store(tmp_path / "q.db")
    store.add_review_items([_item(i) for i in range(5)])
    store.close()
    again = Store(tmp_path / "q.db")
    assert again.count_review_items("pending") == 5
    assert again.add_review_items([]) == []
