"""PC QQ's text export (消息管理器 → 导出消息记录 → .txt).

The file may open with a header (消息记录（此消息记录为文本格式，不支持重新导入）, 消息分组, 消息对象
between lines of "="), then one block a message, a blank line between blocks:

    2017-01-01 9:09:03 【管理员】16-护理-渺渺(1278678748)
    欢迎新人

The sender's id is in the last brackets of the block's first line: a QQ number, or the e-mail address
of an account that signs in with one, in () or <>; the name before it may itself hold brackets, or be
empty. Times are the exporting computer's local clock, without a zone. Lines from 系统消息(10000) (a
member joined, a message recalled, a file shared) are QQ's, not a member's, and are left out. A picture
the export could not keep leaves its block empty; the message is left out too, since a bot would pass
`[图片]` for it and QQ's export shows most pictures that way already.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from qunguard.service.chat_logs import ChatLog, ChatLogError, LoggedMessage, decodes_as, keep, skip

_HEADER = re.compile(r"(\d{4}-\d{1,2}-\d{1,2}) (\d{1,2}:\d{2}:\d{2}) (.*?)[(<]([^()<>\s]+)[)>]\s*")
_CHAT_NAME = re.compile(r"消息对象[:：]\s*(.+)")
SYSTEM_SENDER = "10000"
_Head = tuple[int, datetime, str, str]  # (line number, time, name, id) of a message's first line


def read(path: Path, tz: ZoneInfo, log: ChatLog) -> Iterator[LoggedMessage]:
    """The export's messages, a block at a time (its encoding checked over the whole file first)."""
    encoding = _encoding(path)
    head: _Head | None = None  # the open block's first line
    body: list[str] = []
    judged = 0
    # line by line, not the whole text at once: a 19 MB export of 300k messages read whole and split peaked at
    # 297 MiB, streamed at 25 (bench/bench_replay_memory.py)
    with path.open(encoding=encoding, newline="\n") as fh:
        for n, raw in enumerate(fh, start=1):
            line = raw.removesuffix("\n").rstrip("\r")
            found = _message_head(line, n)
            if found is None:
                if head is not None:
                    body.append(line)
                elif not log.name and (name := _CHAT_NAME.match(line)):
                    log.name = name.group(1).strip()
                continue
            if head is not None and (message := _close(log, head, body, tz)) is not None:
                judged += 1
                yield message
            head, body = found, []
    if head is not None and (message := _close(log, head, body, tz)) is not None:
        judged += 1
        yield message
    if not judged and not log.skipped:
        raise ChatLogError(f"{path}: no QQ message blocks (a line like '2017-01-01 9:09:03 name(123456)' "
                           "followed by the message); is it a QQ .txt export?")


def _message_head(line: str, n: int) -> _Head | None:
    """Line n as a message's first line (time, name, id), or None: a content line, or one that only looks like a
    first line (2017-02-30 and the like)."""
    found = _HEADER.fullmatch(line)
    if found is None:
        return None
    try:
        when = datetime.strptime(f"{found.group(1)} {found.group(2)}", "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return n, when, found.group(3).strip(), found.group(4)


def _close(log: ChatLog, head: _Head, body: list[str], tz: ZoneInfo) -> LoggedMessage | None:
    n, when, name, user = head
    where = f"line {n}"
    if user == SYSTEM_SENDER:
        skip(log, "QQ's system lines (joins, recalls, shared files)", where)
        return None
    ts = when.replace(tzinfo=tz).timestamp()
    return keep(log, LoggedMessage(user, "\n".join(body).strip("\n"), ts, f"L{n}", where, name))


def _encoding(path: Path) -> str:
    """The export's encoding: QQ writes UTF-8 with a BOM; older versions and re-saved files can be UTF-16 (with its
    BOM) or GBK."""
    with path.open("rb") as fh:
        bom = fh.read(2)
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        if encoding == "utf-16" and bom not in (b"\xff\xfe", b"\xfe\xff"):
            continue
        if decodes_as(path, encoding):
            return encoding
    raise ChatLogError(f"{path}: not text in UTF-8, UTF-16 or GB18030")
