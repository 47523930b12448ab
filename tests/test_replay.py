"""`qunguard replay`: a group's exported history through the whole engine, as an operator runs it
(a real subprocess, the shipped model, a real SQLite file), and its verdicts against the engine's own."""
import gzip
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from qunguard.model import artifact
from qunguard.model.topic_profile import TopicProfile
from qunguard.service.chat_logs import read_chat_log, stream_chat_log
from qunguard.service.engine import LoadedModel, Message, Moderator
from qunguard.service.flood import InMemoryFloodTracker
from qunguard.service.replay import replay
from qunguard.service.store import Store
from tests.terminal import run_on_a_terminal

ROOT = Path(__file__).resolve().parents[1]
CHAT = ["明天的高数课换教室了，在综合楼B302", "[表情]", "收到", "有人一起去图书馆自习吗", "👍👍",
        "选修课的作业什么时候交", "https://github.com/fxsjy/jieba 这个分词库挺好用", "晚安"]
AD = "出售游戏账号，加微信 abc12345 详聊"


def run(*args):
    return subprocess.run([sys.executable, "-m", "qunguard.service.cli", *args], capture_output=True, timeout=180,
                          check=False, text=True)  # the tests read the exit code


def qq_export(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """rows of (time, sender id, text) written as PC QQ writes its .txt export."""
    blocks = [f"{when} 群友{user[-3:]}({user})\n{text}\n" for when, user, text in rows]
    path.write_text("消息记录（此消息记录为文本格式，不支持重新导入）\n\n" + "=" * 64 + "\n消息对象:测试群\n" + "=" * 64
                    + "\n\n" + "\n".join(blocks), encoding="utf-8-sig")
    return path


def a_day_of_chat_and_an_advertiser(tmp_path: Path) -> Path:
    rows = []
    for k in range(60):  # a calm hour: 8 members taking turns, a message every minute
        rows.append((f"2024-03-01 10:{k:02d}:00", f"10000{k % 8}", CHAT[k % len(CHAT)]))
    for minute in (5, 25, 45):  # one member posts the same ad three times, 20 minutes apart
        rows.append((f"2024-03-01 11:{minute:02d}:30", "987654321", AD))
    rows.append(("2024-03-01 12:00:00", "100001", ""))  # a picture the export lost: left out
    rows.append(("2024-03-01 12:01:00", "100002", "群里别发广告了"))
    return qq_export(tmp_path / "group.txt", sorted(rows))


@pytest.mark.slow
def test_an_operator_replays_a_qq_export_and_reads_the_store_after(tmp_path):
    export, db, out = a_day_of_chat_and_an_advertiser(tmp_path), tmp_path / "trial.db", tmp_path / "verdicts.jsonl"
    res = run("replay", str(export), "--db", str(db), "-o", str(out))
    assert res.returncode == 0, res.stderr
    text = res.stdout
    assert "Replayed 64 messages of group.txt (qq export) as group '测试群'" in text
    assert "left out: 1 no text" in text
    verdicts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(verdicts) == 64
    ads = [v for v in verdicts if v["user_id"] == "987654321"]
    assert [v["action"] for v in ads] == ["delete"] * 3
    assert [v["mute_s"] for v in ads] == [0, 600, 3600]  # the default ladder: no mute, 10 min, 1 h
    chat = [v for v in verdicts if v["user_id"] != "987654321"]
    assert all(v["action"] == "allow" for v in chat), [v["text"] for v in chat if v["action"] != "allow"]
    assert "deleted                3" in text and "deletes asking a mute: 2 (10 min 1, 1 h 1); members muted: 1" in text
    assert text.count(AD) == 3 and "contact_handle: wechat" in text  # every delete listed with its reasons
    # the store is a service's store: the health report reads the replayed days
    report = run("report", "测试群", "--db", str(db), "--until", "2024-03-01", "--days", "1")
    assert report.returncode == 0, report.stderr
    assert "64 messages" in report.stdout and "987654321" in report.stdout  # the advertiser ranks first
    store = Store(db)
    try:
        assert len(store.review_items(group_id="测试群")) == 3  # the queue a moderator would review
    finally:
        store.close()


@pytest.mark.slow
def test_since_and_until_replay_only_the_days_between(tmp_path):
    rows = [(f"2024-03-0{day} 23:{k:02d}:00", f"10000{k % 8}", CHAT[k % len(CHAT)]) for day in (1, 2, 3) for k in range(10)]
    rows.append(("2024-03-02 00:00:00", "987654321", AD))  # the first second of the 2nd, Shanghai time
    export = qq_export(tmp_path / "three_days.txt", sorted(rows))
    res = run("replay", str(export), "--since", "2024-03-02", "--until", "2024-03-02", "-o", str(tmp_path / "v.jsonl"))
    assert res.returncode == 0, res.stderr
    assert "Replayed 11 messages" in res.stdout and "2024-03-02 00:00 to 2024-03-02 23:09" in res.stdout
    assert "10 sent before --since" in res.stdout and "10 sent after --until" in res.stdout
    verdicts = [json.loads(line) for line in (tmp_path / "v.jsonl").read_text(encoding="utf-8").splitlines()]
    assert verdicts[0]["user_id"] == "987654321" and verdicts[0]["action"] == "delete"


@pytest.mark.slow
def test_a_replay_shows_its_progress_on_a_terminal_only(tmp_path):
    # ten days of a busy group: long enough for the line to be drawn again after its first half second
    rows = [(f"2024-03-{1 + k // 1000:02d} {8 + k % 1000 // 60}:{k % 60:02d}:00", f"10000{k % 8}",
             CHAT[k % len(CHAT)] + str(k)) for k in range(10_000)]
    export = qq_export(tmp_path / "busy.txt", rows)
    code, err = run_on_a_terminal([sys.executable, "-m", "qunguard.service.cli", "replay", str(export), "--list", "none"])
    assert code == 0, err
    assert "messages/s" in err and re.search(r"2024-03-\d\d: \d+ messages", err), err  # the day reached, the count
    piped = run("replay", str(export), "--list", "none")
    assert piped.returncode == 0 and piped.stderr == ""  # nothing on a pipe


@pytest.mark.slow
def test_settings_from_a_file_apply_and_a_dry_run_in_them_does_not_hide_what_would_happen(tmp_path):
    export = a_day_of_chat_and_an_advertiser(tmp_path)
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"dry_run": True, "block_words": ["图书馆"], "mute": {"ladder_s": []}}),
                        encoding="utf-8")
    res = run("replay", str(export), "--settings", str(settings), "-o", str(tmp_path / "v.jsonl"), "--list", "none")
    assert res.returncode == 0, res.stderr
    verdicts = [json.loads(line) for line in (tmp_path / "v.jsonl").read_text(encoding="utf-8").splitlines()]
    blocked = [v for v in verdicts if "图书馆" in v["text"]]
    assert blocked and all(any(r["name"] == "block_word" for r in v["reasons"]) for v in blocked)
    assert all(v["action"] == "delete" and v["mute_s"] is None for v in verdicts if v["user_id"] == "987654321")
    assert "no delete asked for a mute" in res.stdout and "With --db FILE" in res.stdout


@pytest.mark.slow
def test_what_cannot_run_is_refused_with_a_reason(tmp_path):
    export = a_day_of_chat_and_an_advertiser(tmp_path)
    db = tmp_path / "kept.db"
    db.write_bytes(b"")
    res = run("replay", str(export), "--db", str(db))
    assert res.returncode == 2 and "exists; replay into a new file" in res.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"thresholds": {"spam": {"review": 2}}}), encoding="utf-8")
    res = run("replay", str(export), "--settings", str(bad))
    assert res.returncode == 2 and "--settings" in res.stderr and "thresholds.spam.review" in res.stderr
    empty = qq_export(tmp_path / "empty.txt", [("2024-03-01 10:00:00", "100001", "")])
    res = run("replay", str(empty))
    assert res.returncode == 2 and "no message to replay" in res.stderr and "no text" in res.stderr
    res = run("replay", str(export), "--tz", "Mars/Olympus")
    assert res.returncode == 2 and "unknown time zone" in res.stderr
    res = run("replay", str(export), "--since", "2024-03-02", "--until", "2024-03-01")
    assert res.returncode == 2 and "--since 2024-03-02 is after --until 2024-03-01" in res.stderr
    res = run("replay", str(export), "--since", "3/1/2024")
    assert res.returncode == 2 and "expected a day as YYYY-MM-DD" in res.stderr
    res = run("replay", str(export), "--since", "2024-03-02")
    assert res.returncode == 2 and "no message to replay" in res.stderr and "65 sent before --since" in res.stderr
    res = run("replay", str(tmp_path / "missing.txt"))
    assert res.returncode == 2 and "missing.txt" in res.stderr
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    res = run("replay", str(export), "--db", str(tmp_path / "a-file" / "trial.db"))  # no folder can be made there
    assert res.returncode == 2 and "a-file" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.slow
def test_the_real_qq_stretch_as_an_export_gets_the_engines_own_verdicts(tmp_path):
    """The QQ group's held-out stretch written back as QQ's .txt export: the replay's verdicts are those of the
    engine fed the same messages directly (bench/bench_replay.py's way), so the reader loses nothing."""
    with gzip.open(ROOT / "data" / "eval" / "scu_replay.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    export = qq_export(tmp_path / "scu.txt", [(_qq_time(r["ts"]), r["user"], r["text"]) for r in rows])
    model = LoadedModel(*artifact.load())
    log = read_chat_log(export)
    assert len(log.messages) == len(rows) and not log.skipped
    got = []
    streamed, stream = stream_chat_log(export)  # as the command reads it: a message at a time, none held
    result = replay(stream, group_id="scu", model=model, db=tmp_path / "replay.db", keep_reviewed=5,
                    on_verdict=lambda m, v: got.append((v["action"], v["label"], v["mute_s"])))
    assert not streamed.skipped and not streamed.out_of_order
    assert len(result.reviewed) == 5 < result.actions["review"]  # counted all, kept what is shown

    store = Store(tmp_path / "direct.db")
    moderator = Moderator(model, store, InMemoryFloodTracker())
    direct = []
    for i in range(0, len(rows), 20):
        direct += moderator.classify([Message("scu", r["user"], r["text"].strip(), f"L{i + k}",
                                              datetime.fromisoformat(r["ts"]).timestamp())
                                      for k, r in enumerate(rows[i:i + 20])])
    moderator.topics.close()
    store.close()
    assert got == [(v["action"], v["label"], v["mute_s"]) for v in direct]
    assert sum(a != "allow" for a, _, _ in got) > 50  # the stretch has flagged messages to compare
    # its month of talk kept the profile it learned up to date, paced by the messages' time as live: a replay
    # of a few seconds would otherwise never absorb a pile (at most one every 10 minutes)
    store = Store(tmp_path / "replay.db")
    learned = TopicProfile.from_json(store.topic_profile("scu")["profile"])
    store.close()
    assert learned.n_texts > 80


def _qq_time(iso: str) -> str:
    t = datetime.fromisoformat(iso)
    return f"{t.year}-{t.month:02d}-{t.day:02d} {t.hour}:{t.minute:02d}:{t.second:02d}"


@pytest.mark.slow
def test_a_telegram_export_judges_the_links_hidden_behind_words_and_buttons(tmp_path):
    base = {"type": "message", "from": "群友", "from_id": "user1"}
    messages = [
        {**base, "id": 1, "date_unixtime": "1709258400", "text": "今晚的分享会几点开始？"},
        {**base, "id": 2, "date_unixtime": "1709258460", "media_type": "sticker", "sticker_emoji": "👍", "text": ""},
        {**base, "id": 3, "date_unixtime": "1709258520", "from_id": "user2",
         "text": ["兼职日结，在家就能做，", {"type": "text_link", "text": "点这里", "href": "https://t.me/+AbCdEfGh"}]},
        {**base, "id": 4, "date_unixtime": "1709258580", "from_id": "user3", "text": "新人福利看下面",
         "inline_bot_buttons": [[{"type": "url", "text": "领取", "data": "https://t.me/joinchat/ZzYyXx"}]]},
    ]
    export = tmp_path / "result.json"
    export.write_text(json.dumps({"name": "读书会", "type": "private_supergroup", "id": 7, "messages": messages},
                                 ensure_ascii=False, indent=1), encoding="utf-8")
    res = run("replay", str(export), "-o", str(tmp_path / "v.jsonl"), "--list", "review")
    assert res.returncode == 0, res.stderr
    assert "(telegram export) as group '读书会'" in res.stdout
    verdicts = {v["message_id"]: v for v in map(json.loads, (tmp_path / "v.jsonl").read_text(encoding="utf-8").splitlines())}
    assert verdicts["1"]["action"] == verdicts["2"]["action"] == "allow" and verdicts["2"]["text"] == "[表情]"
    for lure, link in (("3", "https://t.me/+AbCdEfGh"), ("4", "https://t.me/joinchat/ZzYyXx")):
        assert verdicts[lure]["action"] != "allow", verdicts[lure]
        assert any(r["name"] == "hidden_link" and link in r["detail"] for r in verdicts[lure]["reasons"])


@pytest.mark.slow
def test_a_telegram_export_replays_a_channels_post_forwarded_as_a_bot_would_send_it(tmp_path):
    ad = "新款羽绒服清仓大甩卖，原价899现价199，全国包邮，数量有限先到先得"  # no contact, no link: the model alone
    base = {"type": "message", "from": "群友", "text": ad}
    messages = [{**base, "id": 1, "date_unixtime": "1709258400", "from_id": "user1"},
                {**base, "id": 2, "date_unixtime": "1709262000", "from_id": "user2", "forwarded_from": "好物推荐",
                 "forwarded_from_id": "channel1234567890"}]
    export = tmp_path / "result.json"
    export.write_text(json.dumps({"name": "读书会", "type": "private_supergroup", "id": 7, "messages": messages},
                                 ensure_ascii=False), encoding="utf-8")
    res = run("replay", str(export), "-o", str(tmp_path / "v.jsonl"))
    assert res.returncode == 0, res.stderr
    verdicts = {v["message_id"]: v for v in map(json.loads, (tmp_path / "v.jsonl").read_text(encoding="utf-8").splitlines())}
    assert verdicts["1"]["action"] == "review"  # the model alone
    assert verdicts["2"]["action"] == "delete"
    assert {"name": "forwarded", "detail": "forwarded from a channel's post"} in verdicts["2"]["reasons"]


@pytest.mark.slow
def test_a_wechat_export_of_liuhen_replays_with_its_cards_judged(tmp_path):
    import csv

    rows = [["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"]]
    for k, text in enumerate(CHAT * 3):
        rows.append([str(k), "文本", f"成员{k % 5}", f"2024-05-01 10:{k:02d}:00", text, "", "", "more"])
    rows.append(["90", "动画表情", "成员1", "2024-05-01 10:30:00", "", "", "", "more"])
    rows.append(["91", "拍一拍", "成员2", "2024-05-01 10:31:00", '我拍了拍"成员1"', "", "", "more"])
    rows.append(["92", "链接", "推广员", "2024-05-01 10:32:00", "帮我砍一刀，就差你了 拼多多 https://mobile.yangkeduo.com/x",
                 "", "", "more"])
    export = tmp_path / "考研群.csv"
    with export.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    res = run("replay", str(export), "-o", str(tmp_path / "v.jsonl"))
    assert res.returncode == 0, res.stderr
    assert "(wechat export) as group '考研群'" in res.stdout and "1 WeChat's own lines" in res.stdout
    verdicts = {v["message_id"]: v for v in map(json.loads, (tmp_path / "v.jsonl").read_text(encoding="utf-8").splitlines())}
    assert len(verdicts) == len(CHAT) * 3 + 2
    assert all(v["action"] == "allow" for k, v in verdicts.items() if k != "92"), [
        v["text"] for k, v in verdicts.items() if k != "92" and v["action"] != "allow"]
    assert verdicts["92"]["action"] != "allow" and verdicts["92"]["label"] == "spam"  # 砍一刀 begging, by the guide
