"""The export of moderator-labelled messages: GET /v1/export and `qunguard export`, read back by
the training reader (qunguard.model.dataset.read_export)."""
import csv
import io
import json
import threading

import pytest

from qunguard.model.dataset import read_export
from qunguard.service import cli
from qunguard.service.exports import FIELDS
from qunguard.service.store import ReviewItem, Store
from tests.conftest import auth

MOD = auth("moderator")
# a text with what CSV must quote: a comma, a quote, a line break, and non-ASCII
AWKWARD = '限时优惠, "正品" 加V\n看朋友圈'


def item(i: int, group: str = "g1", text: str | None = None) -> ReviewItem:
    return ReviewItem(f"m{i}", group, f"u{i}", text or f"广告 {i} 加微信 ab{i}", "advertising", "delete",
                      {"on_topic": 0.1, "spam": 0.2, "advertising": 0.6, "flooding": 0.1},
                      [{"name": "model", "detail": "p(advertising)=0.60"}], "v-test", 1000.0 + i)


def decided_store(store) -> dict[int, str]:
    """Four items: relabelled (spam), confirmed, dismissed, pending; returns id -> the final label expected."""
    a, b, c, _pending = store.add_review_items([item(0, text=AWKWARD), item(1), item(2, group="g2"), item(3)])
    store.decide_review_item(a, decision="relabel", label="spam", moderator="alice", note="a scam")
    store.decide_review_item(b, decision="confirm", moderator="bob")
    store.decide_review_item(c, decision="dismiss", moderator="alice")
    return {a: "spam", b: "advertising", c: "on_topic"}


def jsonl(raw: bytes) -> list[dict]:
    return [json.loads(line) for line in raw.decode("utf-8").splitlines()]


# --- the API ---------------------------------------------------------------------------------
def test_jsonl_holds_the_decided_items_with_their_final_label_and_not_the_pending(client):
    expected = decided_store(client.app.state.moderator.store)
    res = client.get("/v1/export", headers=MOD)
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == "application/x-ndjson"
    assert 'filename="qunguard-export.jsonl"' in res.headers["content-disposition"]
    records = jsonl(res.content)
    assert {r["id"]: r["label"] for r in records} == expected
    first = records[0]
    assert tuple(first) == FIELDS
    assert first["text"] == AWKWARD and first["predicted_label"] == "advertising" and first["decision"] == "relabelled"
    assert first["moderator"] == "alice" and first["note"] == "a scam" and first["scores"]["advertising"] == 0.6
    assert (first["group_id"], first["user_id"], first["message_ts"], first["model_version"]) == ("g1", "u0", 1000.0, "v-test")
    assert first["decided_at"] > 1e9
    assert [r["decision"] for r in records] == ["relabelled", "confirmed", "dismissed"]


def test_csv_has_a_header_and_the_same_records(client):
    expected = decided_store(client.app.state.moderator.store)
    res = client.get("/v1/export?format=csv", headers=MOD)
    assert res.status_code == 200
    assert res.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(res.content.decode("utf-8"), newline="")))
    assert tuple(rows[0]) == FIELDS
    assert {int(r["id"]): r["label"] for r in rows} == expected
    assert rows[0]["text"] == AWKWARD
    assert json.loads(rows[0]["scores"])["spam"] == 0.2  # scores as a JSON string
    assert rows[1]["note"] == ""  # no note: an empty cell


@pytest.mark.parametrize("query, kept", [("group_id=g2", [2]), ("since=1001", [1, 2]), ("until=1001", [0]),
                                         ("group_id=g1&since=1000.5&until=1002", [1])])
def test_filters_bound_the_export(client, query, kept):
    ids = list(decided_store(client.app.state.moderator.store))
    records = jsonl(client.get(f"/v1/export?{query}", headers=MOD).content)
    assert [r["id"] for r in records] == [ids[k] for k in kept]


def test_an_empty_export_is_empty_and_csv_still_has_its_header(client):
    client.app.state.moderator.store.add_review_items([item(0)])  # pending only
    assert client.get("/v1/export", headers=MOD).content == b""
    assert client.get("/v1/export?format=csv", headers=MOD).text.splitlines() == [",".join(FIELDS)]


def test_a_bad_format_is_422(client):
    res = client.get("/v1/export?format=xml", headers=MOD)
    assert res.status_code == 422 and res.json()["error"]["field"] == "format"


def test_decisions_made_through_the_api_are_exported(client):
    client.put("/v1/groups/g1", json={"thresholds": {"advertising": {"review": 0.01, "delete": 0.02},
                                                     "spam": {"review": 0.01, "delete": 0.02}}}, headers=MOD)
    text = "本店新品上架全场八折，需要的加微信 abc_8899"
    client.post("/v1/classify", json={"group_id": "g1", "user_id": "u1", "text": text}, headers=auth("bot"))
    [flagged] = client.get("/v1/review", headers=MOD).json()["data"]
    client.post(f"/v1/review/{flagged['id']}", json={"decision": "dismiss", "moderator": "alice"}, headers=MOD)
    [record] = jsonl(client.get("/v1/export", headers=MOD).content)
    assert (record["text"], record["label"], record["predicted_label"]) == (text, "on_topic", flagged["label"])


# --- the store reads a page at a time ----------------------------------------------------------
def test_export_reads_in_pages_and_lets_writers_in_between(tmp_path, monkeypatch):
    from qunguard.service.store import review

    monkeypatch.setattr(review, "EXPORT_PAGE", 7)
    store = Store(tmp_path / "q.db")
    ids = store.add_review_items([item(i) for i in range(30)])
    store.decide_review_items(ids[::2], decision="confirm", moderator="a")
    seen: list[int] = []

    def consume():
        for d in store.decided_review_items():
            seen.append(d["id"])
            if len(seen) == 3:  # a write while the export is under way: it would deadlock if the lock were held
                store.decide_review_item(ids[-1], decision="dismiss", moderator="b")

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    t.join(timeout=10)
    assert not t.is_alive(), "the export held the store's lock across pages"
    assert seen == ids[::2] + [ids[-1]]  # every decided item once, in id order, across 3 pages


# --- `qunguard export` --------------------------------------------------------------------------
@pytest.fixture
def db(tmp_path):
    store = Store(tmp_path / "q.db")
    expected = decided_store(store)
    store.close()
    return tmp_path / "q.db", expected


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_cli_export_is_read_back_by_the_training_reader(db, tmp_path, capsys, suffix):
    path, expected = db
    out = tmp_path / f"labels.{suffix}"
    assert cli.main(["export", "--db", str(path), "-o", str(out)]) == 0  # the format from the suffix
    assert "exported 3 decided review items" in capsys.readouterr().err
    read = read_export(out)
    assert read.problems == []
    assert [(e.text, e.label) for e in read.examples] == [(AWKWARD, "spam"), ("广告 1 加微信 ab1", "advertising"),
                                                     ("广告 2 加微信 ab2", "on_topic")]
    assert len(read.examples) == len(expected)


def test_cli_writes_the_same_bytes_as_the_api(make_client, tmp_path, capsys):
    client = make_client()
    decided_store(client.app.state.moderator.store)
    for fmt in ("jsonl", "csv"):
        assert cli.main(["export", "--db", str(client.app.state.settings.db_path), "--format", fmt]) == 0
        assert capsys.readouterr().out == client.get(f"/v1/export?format={fmt}", headers=MOD).text


def test_cli_filters(db, tmp_path, capsys):
    path, _ = db
    assert cli.main(["export", "--db", str(path), "--group", "g1", "--since", "1000.5"]) == 0
    records = jsonl(capsys.readouterr().out.encode())
    assert [(r["user_id"], r["label"]) for r in records] == [("u1", "advertising")]


def test_cli_without_a_database_says_so_and_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "nope.db"
    assert cli.main(["export", "--db", str(missing), "-o", str(tmp_path / "out.jsonl")]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not missing.exists() and not (tmp_path / "out.jsonl").exists()


def test_cli_unwritable_output_is_exit_2(db, tmp_path, capsys):
    path, _ = db
    assert cli.main(["export", "--db", str(path), "-o", str(tmp_path / "no-such-dir" / "out.jsonl")]) == 2
    assert "error:" in capsys.readouterr().err


def test_cli_failing_midway_keeps_the_old_file_and_leaves_no_partial_one(db, tmp_path, monkeypatch, capsys):
    from qunguard.service.commands import export
    from qunguard.service.store import StoreUnavailable

    def broken(items, fmt):
        yield b'{"partial": true}\n'
        raise StoreUnavailable("review store: disk I/O error")

    path, _ = db
    out = tmp_path / "labels.jsonl"
    out.write_text("the previous export\n")
    monkeypatch.setattr(export, "export_chunks", broken)
    assert cli.main(["export", "--db", str(path), "-o", str(out)]) == 2
    assert "disk I/O error" in capsys.readouterr().err
    assert out.read_text() == "the previous export\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".labels")]


@pytest.mark.parametrize("value", ["nan", "-5", "soon"])
def test_cli_refuses_a_bad_time(db, value, capsys):
    path, _ = db
    with pytest.raises(SystemExit) as exit_:
        cli.main(["export", "--db", str(path), "--since", value])
    assert exit_.value.code == 2 and "Unix seconds" in capsys.readouterr().err


@pytest.mark.slow
def test_qunguard_export_runs_as_a_command(db, tmp_path):
    import subprocess
    import sys

    path, _ = db
    out = tmp_path / "labels.csv"
    run = subprocess.run([sys.executable, "-m", "qunguard.service.cli", "export", "--db", str(path), "-o", str(out)],
                         check=False, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert [e.label for e in read_export(out).examples] == ["spam", "advertising", "on_topic"]
