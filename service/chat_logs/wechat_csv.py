"""WeChat's history as 留痕 (WeChatMsg / MemoTrace) exports it to CSV: WeChat itself exports nothing.

Two headers are known:
  - 消息ID,类型,发送人,时间,内容,备注,昵称,更多信息 (留痕 since 2024): the type by name (文本, 图片, 动画表情,
    引用, 链接…), the sender's display name (the only id it writes), the local time as YYYY-MM-DD HH:MM:SS;
  - localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender (留痕 0.2.x):
    WeChat's numeric type (1 text, 3 picture, 34 voice, 43 video, 47 sticker, 49 card, file or quote, 10000 and
    10002 the client's own lines), Unix seconds, the sender's wxid.
What a bot would pass is what is judged: the text of a text or a quote; a picture, sticker, voice, video or file as
`[图片]`, `[动画表情]`, `[语音]`, `[视频]`, `[文件]`; a card (链接, 小程序) as `[链接]` and what the export wrote of it,
since a card can be the ad. WeChat's own lines (a recall, 拍一拍, a member joining) are left out.
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from qunguard.service.chat_logs import ChatLog, ChatLogError, LoggedMessage, decodes_as, iso_time, keep, skip

NEW_HEADER = ("消息ID", "类型", "发送人", "时间", "内容")
OLD_HEADER = ("localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent", "StrTime")
# the type as 留痕 names it -> what a bot passes instead of the content (None: the content itself; "" left out;
# ending in a space: put before the content, as a card's kind before its title)
_BY_NAME = {"文本": None, "引用": None, "图片": "[图片]", "动画表情": "[动画表情]", "表情": "[动画表情]",
            "语音": "[语音]", "视频": "[视频]", "文件": "[文件]", "位置": "[位置]", "链接": "[链接] ", "小程序": "[小程序] ",
            "音乐": "[链接] ", "系统消息": "", "撤回消息": "", "拍一拍": ""}
_BY_NUMBER = {"1": None, "3": "[图片]", "34": "[语音]", "43": "[视频]", "47": "[动画表情]", "48": "[位置]",
              "49": None, "10000": "", "10002": ""}
_CLIENT_LINES = "WeChat's own lines (recalls, 拍一拍, joins)"


def sniff(head: bytes) -> bool:
    """Does a file that starts with `head` hold one of 留痕's CSV headers."""
    first = head.decode("utf-8-sig", errors="ignore").split("\n", 1)[0]
    return first.startswith((",".join(NEW_HEADER), ",".join(OLD_HEADER)))


def read(path: Path, tz: ZoneInfo, log: ChatLog) -> Iterator[LoggedMessage]:
    """The export's messages, a row at a time (its encoding checked over the whole file first)."""
    # row by row, not the whole text at once: a 26 MB export of 300k messages read whole peaked at 319 MiB,
    # streamed at 26 (bench/bench_replay_memory.py)
    if not decodes_as(path, "utf-8-sig"):
        raise ChatLogError(f"{path}: not UTF-8 text")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        yield from _read_rows(path, csv.reader(fh), tz, log)


def _read_rows(path: Path, reader: Iterator[list[str]], tz: ZoneInfo, log: ChatLog) -> Iterator[LoggedMessage]:
    header = next(reader, [])
    log.name = path.stem
    if tuple(header[:len(NEW_HEADER)]) == NEW_HEADER:
        rows = _new_rows
    elif tuple(header[:len(OLD_HEADER)]) == OLD_HEADER:
        rows = _old_rows
    else:
        raise ChatLogError(f"{path}: the header is not 留痕's ({','.join(NEW_HEADER)},… or "
                           f"{','.join(OLD_HEADER[:4])},…): {','.join(header[:8])}")
    for n, row in enumerate(reader, start=2):
        where = f"row {n}"
        if not any(row):
            continue
        message = rows(dict(zip(header, row, strict=False)), n, tz, where)
        if message is None:
            skip(log, _CLIENT_LINES, where)
        elif isinstance(message, str):
            skip(log, message, where)
        elif (kept := keep(log, message)) is not None:
            yield kept


def _new_rows(r: dict, n: int, tz: ZoneInfo, where: str) -> LoggedMessage | str | None:
    shown = _BY_NAME.get(r.get("类型", "").strip())
    if shown == "":
        return None
    ts = iso_time(r.get("时间", "").strip().replace(" ", "T", 1), tz)
    sender = r.get("发送人", "").strip()
    if ts is None or not sender:
        return "no sender or no time"
    return LoggedMessage(sender, _text(shown, r.get("内容", "")), ts, r.get("消息ID") or f"R{n}", where,
                         r.get("昵称", "") or sender)


def _old_rows(r: dict, n: int, tz: ZoneInfo, where: str) -> LoggedMessage | str | None:
    shown = _BY_NUMBER.get(r.get("Type", "").strip())
    if shown == "":
        return None
    created = r.get("CreateTime", "").strip()
    ts = float(created) if created.isdigit() else iso_time(r.get("StrTime", "").strip().replace(" ", "T", 1), tz)
    sender = "me" if r.get("IsSender", "").strip() == "1" else (r.get("Sender") or r.get("NickName") or "").strip()
    if ts is None or not sender:
        return "no sender or no time"
    # a card (49) keeps its content: its XML is read as the card's kind, title and link (model/normalize/platform_codes.py)
    return LoggedMessage(sender, _text(shown, r.get("StrContent", "")), ts, r.get("localId") or f"R{n}", where,
                         r.get("NickName", "") or sender)


def _text(shown: str | None, content: str) -> str:
    if shown is None:
        return content
    return shown + content.strip() if shown.endswith(" ") else shown
