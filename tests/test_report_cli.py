"""`qunguard report GROUP`: the health report as a table and as PNG charts, from a real store."""
import re
import sys
import time

import pytest

from qunguard.service.cli import main
from qunguard.service.engine import Message, Moderator
from qunguard.service.flood import InMemoryFloodTracker
from qunguard.service.groups import GroupSettings
from qunguard.service.store import Store
from tests.test_topic_api import OFF_TALK, PHOTO_EXAMPLES, PHOTO_TALK


@pytest.fixture
def store_with_traffic(tmp_path, loaded_model):
    """A photography group's day: talk, a flooder, a member silent for 10 days, a drift at the end."""
    db = tmp_path / "q.db"
    m = Moderator(loaded_model, Store(db), InMemoryFloodTracker())
    m.topics.configure(learn_messages=80, history_s=120, flush_s=60)
    m.put_group("photo", GroupSettings(name="摄影群"))
    m.topics.set_examples("photo", m.group("photo"), PHOTO_EXAMPLES)
    now = time.time()
    m.classify([Message("photo", "ghost", "好久不见大家", ts=now - 10 * 86400)])
    talk = PHOTO_TALK * 2 + OFF_TALK * 3
    verdicts = m.classify([Message("photo", f"u{i % 7}", t, ts=now - 4 * 3600 + 60 * i) for i, t in enumerate(talk)])
    verdicts += m.classify([Message("photo", "flooder", f"刷屏第{i}条消息来了兄弟们", ts=now - 600 + i) for i in range(8)])
    m.topics.close()  # what a service's shutdown does: the counts in memory are written
    m.store.close()
    return db, verdicts


def test_the_table_shows_every_part_of_the_report(store_with_traffic, capsys):
    db, verdicts = store_with_traffic
    assert main(["report", "photo", "--db", str(db), "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert f"Group photo: last 7 days (Asia/Shanghai), {len(verdicts):,} messages" in out
    for heading in ("Messages per hour of day", "Labels per day", "Members who flood most",
                    "Members who advertise most", "Silent members (seen before, nothing in the last 7 days): 1",
                    "Drift from the topic profile, per day"):
        assert heading in out
    # one row per hour; matched whole, as a "last seen 15:00" line would also hold ":00  "
    assert len(re.findall(r"^  \d\d:00 +[\d,]+ ", out, flags=re.MULTILINE)) == 24
    assert "ghost" in out and "flooder" in out
    assert "mean " in out and "no drift measured" not in out


def test_charts_are_written_as_png(store_with_traffic, tmp_path, capsys):
    db, _ = store_with_traffic
    folder = tmp_path / "charts"
    assert main(["report", "photo", "--db", str(db), "--png", str(folder)]) == 0
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["drift.png", "hours.png", "labels.png", "members.png"]
    for p in folder.iterdir():
        data = p.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    assert "charts: " in capsys.readouterr().out


def test_without_matplotlib_png_says_how_to_install_it(store_with_traffic, tmp_path, monkeypatch, capsys):
    db, _ = store_with_traffic
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # an import of it raises ImportError
    assert main(["report", "photo", "--db", str(db), "--png", str(tmp_path / "c")]) == 2
    assert "pip install 'qunguard[report]'" in capsys.readouterr().err


def test_unknown_group_missing_store_and_bad_days(store_with_traffic, tmp_path, capsys):
    db, _ = store_with_traffic
    assert main(["report", "nobody", "--db", str(db)]) == 1
    assert "group 'nobody' has no settings, profile or traffic" in capsys.readouterr().err
    assert main(["report", "photo", "--db", str(tmp_path / "none.db")]) == 2
    assert "no store at" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()  # a report never creates a store
    for days in ("0", "91", "x"):
        with pytest.raises(SystemExit) as exc:
            main(["report", "photo", "--db", str(db), "--days", days])
        assert exc.value.code == 2
        assert "days" in capsys.readouterr().err


def test_the_store_path_comes_from_the_environment(store_with_traffic, monkeypatch, capsys):
    db, _ = store_with_traffic
    monkeypatch.setenv("QUNGUARD_DB_PATH", str(db))
    assert main(["report", "photo", "--days", "1"]) == 0
    assert "Group photo: last 1 day " in capsys.readouterr().out
