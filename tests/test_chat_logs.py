"""Reading exported group histories (service/chat_logs): PC QQ's .txt, Telegram Desktop's JSON, JSON lines."""
import csv
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from qunguard.service import chat_logs
from qunguard.service.chat_logs import ChatLogError, Window, detect_format, read_chat_log, stream_chat_log

SHANGHAI = ZoneInfo("Asia/Shanghai")

QQ_EXPORT = """消息记录（此消息记录为文本格式，不支持重新导入）

================================================================
消息分组:我的QQ群
================================================================
消息对象:川大老乡群
================================================================

2017-01-01 8:36:52 16-护理-萧(xinli.xiao@qq.com)
好运2017，大家加油

2017-01-01 9:09:03 (376259096)
元旦快乐！谁有空帮我刷下单啊
感兴趣加QQ943265666

2017-01-01 11:33:29 16-环境-novak(loyalnovakshayne@qq.com)


2017-01-01 16:32:08 系统消息(10000)
[图片] 【金】15-会计- 分享文件 15:44:41

2017-01-02 9:39:54 【管理员】16-(护理)-渺渺(1278678748)
欢迎新人
2017-02-30 9:00:00 这一行像消息头，日期却不存在(1)

2017-01-03 2:18:18 【老司机】林肯🚓<402376637>
不耍
"""


def write(tmp_path, name, text, encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_qq_text_export_reads_blocks_ids_names_and_leaves_out_qq_lines(tmp_path):
    log = read_chat_log(write(tmp_path, "qq.txt", QQ_EXPORT))
    assert log.format == "qq" and log.name == "川大老乡群"
    got = [(m.user_id, m.name, m.text) for m in log.messages]
    assert got == [
        ("xinli.xiao@qq.com", "16-护理-萧", "好运2017，大家加油"),
        ("376259096", "", "元旦快乐！谁有空帮我刷下单啊\n感兴趣加QQ943265666"),  # no name, two lines
        # a name with brackets of its own: the id is in the last ones; a line that only looks like a header
        # (30 February) is content
        ("1278678748", "【管理员】16-(护理)-渺渺", "欢迎新人\n2017-02-30 9:00:00 这一行像消息头，日期却不存在(1)"),
        ("402376637", "【老司机】林肯🚓", "不耍"),
    ]
    first = log.messages[0]
    assert first.ts == datetime(2017, 1, 1, 8, 36, 52, tzinfo=SHANGHAI).timestamp()
    assert first.where == "line 9" and first.message_id == "L9"
    assert sum(log.skipped.values()) == 2  # the system line and the empty block
    assert any("system" in why for why in log.skipped) and any("no text" in why for why in log.skipped)


def test_qq_export_in_gbk_or_utf16_and_another_time_zone(tmp_path):
    for encoding in ("gb18030", "utf-16"):
        log = read_chat_log(write(tmp_path, f"qq-{encoding}.txt", QQ_EXPORT, encoding), "qq", tz="UTC")
        assert [m.user_id for m in log.messages][:2] == ["xinli.xiao@qq.com", "376259096"]
        assert log.messages[0].ts == datetime(2017, 1, 1, 8, 36, 52, tzinfo=ZoneInfo("UTC")).timestamp()


def test_a_file_that_is_no_qq_export_is_refused(tmp_path):
    with pytest.raises(ChatLogError, match="no QQ message blocks"):
        read_chat_log(write(tmp_path, "notes.txt", "购物清单\n牛奶\n鸡蛋\n"))


def telegram_export(messages, **top):
    return {"name": "二手交流群", "type": "public_supergroup", "id": 1234, "messages": messages, **top}


TG_MESSAGES = [
    {"id": 1, "type": "service", "date": "2024-03-01T10:00:00", "date_unixtime": "1709258400", "actor": "A",
     "actor_id": "user1", "action": "invite_members", "members": ["B"], "text": ""},
    {"id": 2, "type": "message", "date": "2024-03-01T10:01:00", "date_unixtime": "1709258460", "from": "小王",
     "from_id": "user7", "text": ["福利群 ", {"type": "text_link", "text": "点这里", "href": "https://t.me/+AbCdEf"},
                                  " 进"],
     "inline_bot_buttons": [[{"type": "url", "text": "入群", "data": "https://t.me/joinchat/Zz9"},
                             {"type": "callback", "text": "赞", "data": "like"}]]},
    {"id": 3, "type": "message", "date": "2024-03-01T10:02:00", "date_unixtime": "1709258520", "from": "小李",
     "from_id": "user8", "media_type": "sticker", "sticker_emoji": "😀", "file": "(File not included.)", "text": ""},
    {"id": 4, "type": "message", "date": "2024-03-01T10:03:00", "from": "小李", "from_id": "user8",
     "photo": "(File not included.)", "text": "看看我的新镜头"},  # an older export: local time, no date_unixtime
    {"id": 5, "type": "message", "date": "2024-03-01T10:04:00", "date_unixtime": "1709258640", "from": "频道",
     "text": "没有发送者"},
    {"id": 6, "type": "message", "date": "2024-03-01T10:05:00", "date_unixtime": "1709258700", "from": "小张",
     "from_id": "user9", "text": "坏的 \ud800 文字"},
    {"id": 7, "type": "message", "date": "2024-03-01T10:06:00", "date_unixtime": "1709258760", "from": "小张",
     "from_id": "user9", "text": "", "contact_information": {"first_name": "兼职", "last_name": "客服",
                                                             "phone_number": "+8613800000000"}},
]


def test_telegram_export_gives_text_caption_placeholders_and_hidden_links(tmp_path):
    path = tmp_path / "result.json"
    path.write_text(json.dumps(telegram_export(TG_MESSAGES), indent=1), encoding="utf-8")  # \ud800 stays an escape
    assert detect_format(path) == "telegram"
    log = read_chat_log(path, tz="Asia/Shanghai")
    assert log.name == "二手交流群"
    got = [(m.message_id, m.user_id, m.name, m.text, m.links) for m in log.messages]
    assert got == [
        ("2", "user7", "小王", "福利群 点这里 进", ("https://t.me/+AbCdEf", "https://t.me/joinchat/Zz9")),
        ("3", "user8", "小李", "[表情]", ()),
        ("4", "user8", "小李", "看看我的新镜头", ()),  # a caption is the text, as a bot passes it
        ("6", "user9", "小张", "坏的 ? 文字", ()),  # ijson's C reader writes a lone surrogate escape as "?": judged
        ("7", "user9", "小张", "[名片] 兼职 客服", ()),  # a shared contact: its name, not its number, as QQ's and WeChat's cards
    ]
    assert log.messages[0].ts == 1709258460
    assert log.messages[2].ts == datetime(2024, 3, 1, 10, 3, tzinfo=SHANGHAI).timestamp()
    assert sum(log.skipped.values()) == 2  # the service message, the one without a sender
    assert log.examples[next(w for w in log.skipped if "sender" in w)] == "message id 5"


def test_a_whole_account_export_needs_the_chat_named(tmp_path):
    doc = {"about": "", "chats": {"about": "", "list": [
        {"name": "家人", "type": "personal_chat", "id": 1, "messages": []},
        telegram_export(TG_MESSAGES[1:3])]}}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")  # one line: still a JSON document
    assert detect_format(path) == "telegram"
    with pytest.raises(ChatLogError, match="--chat.*'二手交流群' \\(1234\\)"):
        read_chat_log(path)
    assert [m.message_id for m in read_chat_log(path, chat="1234").messages] == ["2", "3"]
    assert [m.message_id for m in read_chat_log(path, chat="二手交流群").messages] == ["2", "3"]
    with pytest.raises(ChatLogError, match="no chat named"):
        read_chat_log(path, chat="nope")


def test_an_account_export_is_read_a_message_at_a_time_whatever_the_order_of_a_chats_fields(tmp_path):
    first = {"messages": TG_MESSAGES[1:3], "name": "二手交流群", "id": 1234}  # its name after its messages
    second = telegram_export(TG_MESSAGES[3:4])  # the same name again: the first is read
    doc = {"chats": {"list": [{"name": "家人", "id": 1, "messages": [TG_MESSAGES[3]]}, first, second]}}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    log = read_chat_log(path, fmt="telegram", chat="二手交流群")
    assert log.name == "二手交流群" and [m.message_id for m in log.messages] == ["2", "3"]
    assert [m.message_id for m in read_chat_log(path, fmt="telegram", chat="1").messages] == ["4"]


def test_broken_json_is_a_clear_error(tmp_path):
    path = write(tmp_path, "result.json", '{\n "name": "x",\n "messages": [', "utf-8")
    with pytest.raises(ChatLogError, match="not a JSON document"):
        read_chat_log(path)
    path.write_bytes('{"name": "\u7fa4", "messages": [{"text": "'.encode() + b"\xff\xfe" + b'"}]}')
    with pytest.raises(ChatLogError, match="not a JSON document.*invalid bytes in UTF8"):
        read_chat_log(path)
    for doc, why in (([1, 2], "a JSON list, not Telegram"), ({"name": "x", "messages": {}}, "no 'messages' list"),
                     ({"name": "x"}, "no 'messages' list")):
        path.write_text(json.dumps(doc), encoding="utf-8")
        with pytest.raises(ChatLogError, match=why):
            read_chat_log(path, fmt="telegram")


def test_json_lines_read_what_they_can_and_count_the_rest(tmp_path):
    rows = [
        json.dumps({"user_id": "u1", "text": "早上好", "ts": 1700000000}, ensure_ascii=False),
        json.dumps({"user": 42, "text": "点这里", "ts": "2023-11-15T06:13:19+08:00", "links": ["https://s.click.taobao.com/x"],
                    "message_id": "m2"}, ensure_ascii=False),
        "{broken",
        json.dumps({"user_id": "u3", "text": "没有时间"}, ensure_ascii=False),
        json.dumps({"user_id": "u4", "text": "时间不对", "ts": float("nan")}, ensure_ascii=False),
        "",
        json.dumps({"user_id": "u5", "text": "x" * 12_000, "ts": 1700000100}),
        json.dumps({"user_id": "u6", "text": "坏的 \ud800 文字", "ts": 1700000200}),  # the escape: a lone surrogate
    ]
    path = write(tmp_path, "log.jsonl", "\n".join(rows) + "\n", "utf-8")
    assert detect_format(path) == "jsonl"
    log = read_chat_log(path)
    assert [(m.user_id, m.message_id, m.links) for m in log.messages] == [
        ("42", "m2", ("https://s.click.taobao.com/x",)), ("u1", "L1", ()), ("u5", "L7", ())]  # in time order
    assert len(log.messages[2].text) == 10_000
    assert log.skipped["not a JSON object in UTF-8"] == 1 and log.examples["not a JSON object in UTF-8"] == "line 3"
    assert log.skipped["missing or wrong user_id, text or ts"] == 2
    assert log.examples["broken text (a lone surrogate)"] == "line 8"


def test_a_window_of_days_keeps_the_messages_sent_in_it_and_counts_the_rest(tmp_path):
    # 2024-03-01 15:59:59 and 16:00:00 UTC: the last second of the 1st and the first of the 2nd in Shanghai
    rows = [{"user_id": "u1", "text": f"消息{ts}", "ts": ts} for ts in (1709308799, 1709308800, 1709394000, 1709481600)]
    path = write(tmp_path, "log.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    log = read_chat_log(path, window=Window(since=date(2024, 3, 2), until=date(2024, 3, 2)))
    assert [m.ts for m in log.messages] == [1709308800, 1709394000]
    assert log.skipped == {"sent before --since": 1, "sent after --until": 1}
    assert log.examples["sent after --until"] == "line 4"
    # the same days in UTC start 8 hours later
    utc = read_chat_log(path, tz="UTC", window=Window(since=date(2024, 3, 2)))
    assert [m.ts for m in utc.messages] == [1709394000, 1709481600]
    with pytest.raises(ChatLogError, match="after --until"):
        Window(since=date(2024, 3, 2), until=date(2024, 3, 1))


def test_a_stream_puts_messages_back_in_send_order_within_its_buffer_and_counts_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(chat_logs, "REORDER", 3)
    times = [10, 11, 30, 12, 13, 14, 15, 16, 1, 17, 17, 18]  # 30 nine places early; 1 eight places late
    rows = [{"user_id": f"u{i}", "text": f"第{i}条", "ts": t} for i, t in enumerate(times)]
    path = write(tmp_path, "log.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    log, stream = stream_chat_log(path)
    got = [(m.ts, m.user_id) for m in stream]
    assert [ts for ts, _ in got] == [10, 11, 12, 13, 14, 1, 15, 16, 17, 17, 18, 30]  # 1 goes out as it comes
    assert [u for ts, u in got if ts == 17] == ["u9", "u10"]  # one second's messages keep the export's order
    assert log.out_of_order == 1
    whole = read_chat_log(path)  # read whole, every message is put in its place
    assert [m.ts for m in whole.messages] == sorted(times) and whole.out_of_order == 0


def test_a_stream_refuses_an_unreadable_export_before_its_first_message(tmp_path):
    broken = write(tmp_path, "result.json", json.dumps(telegram_export(TG_MESSAGES))[:-40], "utf-8")
    _, stream = stream_chat_log(broken)
    with pytest.raises(ChatLogError, match="not a JSON document"):
        next(stream)
    gbk_then_not = tmp_path / "group.csv"
    gbk_then_not.write_bytes(",".join(WECHAT_NEW[0]).encode("utf-8-sig") + b"\n" + b"7001,\xce\xc4\xb1\xbe\n")
    with pytest.raises(ChatLogError, match="not UTF-8"):
        next(stream_chat_log(gbk_then_not, fmt="wechat")[1])


def test_one_line_of_json_lines_is_json_lines(tmp_path):
    path = write(tmp_path, "one.jsonl", json.dumps({"user_id": "u1", "text": "早", "ts": 1700000000}) + "\n", "utf-8")
    assert detect_format(path) == "jsonl" and len(read_chat_log(path).messages) == 1


WECHAT_NEW = [
    ["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"],
    ["7001", "文本", "张三", "2024-05-01 09:00:01", "今天下午的组会改到三点", "", "张三", "more"],
    ["7002", "图片", "李四", "2024-05-01 09:00:30", "", "", "李四", "more"],
    ["7003", "拍一拍", "系统", "2024-05-01 09:01:00", '我拍了拍"张三"', "", "", "more"],
    ["7004", "引用", "王五", "2024-05-01 09:02:00", "收到，\n谢谢", "", "王五", "more"],
    ["7005", "链接", "推广员", "2024-05-01 09:03:00", "砍一刀 拼多多 https://mobile.yangkeduo.com/x.html", "", "推广员", "more"],
    ["7006", "动画表情", "李四", "2024-05-01 09:03:10", "", "", "李四", "more"],
    ["7007", "文本", "", "2024-05-01 09:04:00", "没有发送人", "", "", "more"],
]
WECHAT_OLD = [
    ["localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent", "StrTime", "Remark",
     "NickName", "Sender"],
    ["1", "217", "1", "0", "0", "1714525201", "", "大家早", "2024-05-01 09:00:01", "", "小明", "wxid_ming"],
    ["2", "217", "47", "0", "0", "1714525202", "", "", "2024-05-01 09:00:02", "", "小明", "wxid_ming"],
    ["3", "217", "1", "0", "1", "1714525203", "", "早", "2024-05-01 09:00:03", "", "", ""],
    ["4", "217", "10000", "0", "0", "1714525204", "", '"小红"撤回了一条消息', "2024-05-01 09:00:04", "", "", ""],
    ["5", "217", "49", "5", "0", "1714525205", "", ("<msg><appmsg><title>帮我砍一刀</title><des>拼多多</des><type>33</type>"
                                                  "<url>https://mobile.yangkeduo.com/y</url></appmsg></msg>"),
     "2024-05-01 09:00:05", "", "推广员", "wxid_ad"],
]


def write_csv(tmp_path, name, rows):
    """As 留痕 writes it: csv.writer, UTF-8 with a BOM."""
    path = tmp_path / name
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_wechat_csv_of_liuhen_both_headers(tmp_path):
    new = write_csv(tmp_path, "读书群.csv", WECHAT_NEW)
    assert detect_format(new) == "wechat"
    log = read_chat_log(new)
    assert log.format == "wechat" and log.name == "读书群"
    assert [(m.message_id, m.user_id, m.text) for m in log.messages] == [
        ("7001", "张三", "今天下午的组会改到三点"),
        ("7002", "李四", "[图片]"),
        ("7004", "王五", "收到，\n谢谢"),  # a quote: its text, as a bot gets it
        ("7005", "推广员", "[链接] 砍一刀 拼多多 https://mobile.yangkeduo.com/x.html"),  # the card is what is judged
        ("7006", "李四", "[动画表情]"),
    ]
    assert log.messages[0].ts == datetime(2024, 5, 1, 9, 0, 1, tzinfo=SHANGHAI).timestamp()
    assert sum(log.skipped.values()) == 2 and log.examples["no sender or no time"] == "row 8"  # as a spreadsheet counts rows

    old = write_csv(tmp_path, "old.csv", WECHAT_OLD)
    assert detect_format(old) == "wechat"
    log = read_chat_log(old)
    assert [(m.user_id, m.text[:20], m.ts) for m in log.messages] == [
        ("wxid_ming", "大家早", 1714525201), ("wxid_ming", "[动画表情]", 1714525202), ("me", "早", 1714525203),
        ("wxid_ad", "<msg><appmsg><title>", 1714525205)]  # a card's XML, which the normaliser reads
    assert sum(log.skipped.values()) == 1  # the recall


def test_a_csv_that_is_not_liuhens_is_refused(tmp_path):
    with pytest.raises(ChatLogError, match="not 留痕's"):
        read_chat_log(write(tmp_path, "x.csv", "a,b,c\n1,2,3\n"), "wechat")


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ChatLogError, match="unknown format"):
        read_chat_log(write(tmp_path, "x.txt", QQ_EXPORT), "line")
