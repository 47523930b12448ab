"""Report counts are added up in memory and written in one transaction a flush; drift states are bounded."""
import json
import sqlite3

from qunguard.service.activity import Aggregator
from qunguard.service.drift import DriftBatch, DriftInput, InMemoryDrift
from qunguard.service.store import Store
from qunguard.service.store.activity import Aggregates

T0 = 1_763_900_000.0  # 2025-11-23 12:13:20 UTC


def _rows(db) -> tuple[list, list, list]:
    with sqlite3.connect(db) as con:  # a second connection: what is really in the file
        return (con.execute("SELECT group_id, hour, label, n FROM group_activity ORDER BY hour, label").fetchall(),
                con.execute("SELECT user_id, first_seen, last_seen, messages, flooding, advertising FROM members"
                            " ORDER BY user_id").fetchall(),
                con.execute("SELECT user_id, day, label, n FROM member_flags ORDER BY user_id").fetchall())


def test_counts_wait_in_memory_and_one_flush_writes_them(tmp_path):
    store = Store(tmp_path / "a.db")
    agg = Aggregator(store, interval_s=3600)
    rows = [("g", "u1", "on_topic", False, T0 + i) for i in range(50)]
    rows += [("g", "u2", "flooding", True, T0 + 3600), ("g", "u2", "advertising", False, T0 + 3601)]
    agg.record(rows)
    assert _rows(store.path) == ([], [], [])  # not a write per message
    agg.flush()
    hours, members, flags = _rows(store.path)
    h = int(T0 // 3600)
    assert hours == [("g", h, "on_topic", 50), ("g", h + 1, "advertising", 1), ("g", h + 1, "flooding", 1)]
    assert members == [("u1", T0, T0 + 49, 50, 0, 0), ("u2", T0 + 3600, T0 + 3601, 2, 1, 0)]  # an allowed ad is not flagged
    assert flags == [("u2", int(T0 // 86400), "flooding", 1)]
    agg.record([("g", "u1", "on_topic", False, T0 - 10)])  # an earlier message, arriving late
    agg.close()
    assert _rows(store.path)[1][0] == ("u1", T0 - 10, T0 + 49, 51, 0, 0)


def test_a_store_that_cannot_write_keeps_the_counts_for_the_next_flush(tmp_path):
    store = Store(tmp_path / "a.db")
    agg = Aggregator(store, interval_s=3600)
    agg.record([("g", "u1", "spam", True, T0)])
    store.close()
    agg.flush()  # StoreUnavailable: kept
    agg.record([("g", "u1", "spam", True, T0 + 1)])
    store.open()
    agg.flush()
    hours, members, _ = _rows(store.path)
    assert hours == [("g", int(T0 // 3600), "spam", 2)] and members == [("u1", T0, T0 + 1, 2, 0, 0)]
    agg.close()


def test_pending_counts_are_bounded_while_the_store_is_down(tmp_path):
    store = Store(tmp_path / "a.db")
    agg = Aggregator(store, interval_s=3600, max_pending=100)
    store.close()
    for k in range(5):
        agg.record([("g", f"u{k}-{i}", "on_topic", False, T0 + i) for i in range(40)])
        agg.flush()
    assert agg.dropped > 0 and agg._pending.size() <= 100
    agg._stop.set()


def test_drift_states_are_bounded_and_an_evicted_group_is_read_back(tmp_path):
    store = Store(tmp_path / "a.db")
    drift = InMemoryDrift(max_groups=3, load=store.drift_state)
    inputs = [DriftInput(0.2, 0.9, T0 + i, "这个镜头的光圈开到多大比较合适") for i in range(5)]
    first = drift.update({"g0": DriftBatch("p", 0.3, inputs)}, 300)["g0"].state
    store.write_aggregates(Aggregates(drift_states={"g0": json.dumps(first)}))  # as the flush saves it
    for k in range(1, 6):
        drift.update({f"g{k}": DriftBatch("p", 0.3, inputs)}, 300)
    assert len(drift._groups) == 3 and "g0" not in drift._groups
    state, texts = drift.current("g0")
    assert state == first and texts == []  # the state came back from SQLite; the recent texts did not


def test_the_alert_onsets_of_a_drift_history_are_found_in_the_store(tmp_path):
    """A replay of years writes hundreds of thousands of drift points: the onsets are asked for, not the points."""
    store = Store(tmp_path / "a.db")
    alerts = [False, True, True, False, False, True, False, True]  # on at points 1, 5 and 7
    points = [("g", T0 + 300 * i, 0.1 * i, on, json.dumps([f"词{i}"])) for i, on in enumerate(alerts)]
    points.append(("h", T0 + 150, 0.9, True, "[]"))  # another group's alert is not this one's
    store.write_aggregates(Aggregates(drift_points=points[::-1]))  # written out of order: time decides
    onsets = store.drift_alert_onsets("g")
    assert [(p["ts"], p["drivers"]) for p in onsets] == [(T0 + 300, ["词1"]), (T0 + 1500, ["词5"]), (T0 + 2100, ["词7"])]
    assert store.drift_alert_onsets("h")[0]["drift"] == 0.9 and store.drift_alert_onsets("nobody") == []
    store.close()
