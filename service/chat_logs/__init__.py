"""A group's history as the chat client exported it, read into one shape for `qunguard replay`.

Each reader turns one export format into `LoggedMessage`s, one at a time as they are asked for (a busy
group's export runs to millions of messages: `stream_chat_log` holds none of them, `read_chat_log` all), and
counts what it left out (system lines, service messages, messages with no text a bot would pass, days outside
--since/--until) so that the replay can say so. Formats:
  - `qq`: PC QQ's 消息管理器 → 导出为 .txt (blocks of `2017-01-01 9:09:03 昵称(QQ号)` + content lines);
  - `telegram`: Telegram Desktop's "Export chat history" as JSON (`result.json`);
  - `wechat`: the CSV that 留痕 (WeChatMsg / MemoTrace) exports of a WeChat chat (WeChat itself exports nothing);
  - `jsonl`: one object a line with `user_id` (or `user`), `text` and `ts` (Unix seconds or ISO 8601),
    optionally `message_id` and `links`: what a bot logged, or a converted export.
"""
from __future__ import annotations

import codecs
import heapq
import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from qunguard.service.forwards import Origin

FORMATS = ("qq", "telegram", "wechat", "jsonl")
DEFAULT_TZ = "Asia/Shanghai"  # QQ writes local clock times without a zone; Chinese groups' clocks
MAX_CHARS = 10_000  # a longer message is judged on its first MAX_CHARS characters, as the API accepts them
_CUT = f"cut to {MAX_CHARS:,} characters (judged on those)"


class ChatLogError(ValueError):
    """The file cannot be read as the format asked for; the message says where and why."""


@dataclass(frozen=True, slots=True)
class LoggedMessage:
    user_id: str
    text: str
    ts: float
    message_id: str
    where: str  # where in the file, for a reader to find it: "line 120" or "message 4411"
    name: str = ""  # the sender's display name in the export
    links: tuple[str, ...] = ()  # links the export keeps beside the words (Telegram's text_link, URL buttons)
    forwarded: Origin | None = None  # where a forwarded message was first posted (Telegram's forwarded_from_id)


@dataclass
class ChatLog:
    format: str
    name: str  # the chat's name in the export, if it has one
    messages: list[LoggedMessage] = field(default_factory=list)  # read_chat_log's; stream_chat_log holds none
    skipped: Counter[str] = field(default_factory=Counter)  # why -> how many left out
    examples: dict[str, str] = field(default_factory=dict)  # why -> where the first one is
    bounds: tuple[float, float] = (-math.inf, math.inf)  # [start, end) Unix seconds: only messages sent in it are kept
    out_of_order: int = 0  # stream_chat_log: messages further than REORDER from their place, judged where they stood


@dataclass(frozen=True)
class Window:
    """The days to replay: from `since`'s first second to `until`'s last (either end may be open)."""

    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ChatLogError(f"--since {self.since} is after --until {self.until}")

    def bounds(self, zone: ZoneInfo) -> tuple[float, float]:
        """[start, end) in Unix seconds, the days read in `zone`."""
        start = datetime.combine(self.since, time(), zone).timestamp() if self.since else -math.inf
        end = datetime.combine(self.until + timedelta(days=1), time(), zone).timestamp() if self.until else math.inf
        return start, end


def detect_format(path: Path) -> str:
    """`wechat` for 留痕's CSV, `telegram` for a JSON document, `jsonl` for JSON lines, else `qq`, from the file's
    first bytes."""
    from qunguard.service.chat_logs import wechat_csv

    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if wechat_csv.sniff(head):
        return "wechat"
    if not head.startswith(b"{"):
        return "qq"
    try:
        record = json.loads(head.split(b"\n", 1)[0])
    except ValueError:  # "{" alone (Telegram pretty-prints its export), or a compact document longer than 4 KB
        return "telegram"
    return "telegram" if isinstance(record, dict) and ("messages" in record or "chats" in record) else "jsonl"


def read_chat_log(path: Path, fmt: str = "auto", tz: str = DEFAULT_TZ, chat: str | None = None,
                  window: Window | None = None) -> ChatLog:
    """The messages of `path` in send order (stable), read as `fmt` (`auto`: detect_format), all held in
    `log.messages`; with a window, only those sent in it (the rest are counted as left out)."""
    log, messages = _reader(path, fmt, tz, chat, window)
    log.messages = sorted(messages, key=lambda m: m.ts)  # stable: messages of one second keep the export's order
    return log


def stream_chat_log(path: Path, fmt: str = "auto", tz: str = DEFAULT_TZ, chat: str | None = None,
                    window: Window | None = None) -> tuple[ChatLog, Iterator[LoggedMessage]]:
    """The messages of `path` one at a time, in send order, none of them held beyond a reordering buffer: the log
    (its name, and what was left out, counted as the messages are read) and the messages.

    Exports are written in send order; one that is not is put back in order within REORDER messages (as a stable
    sort would), and a message further out of place is judged where it stands and counted (`log.out_of_order`).
    An export that cannot be read at all (broken JSON, an encoding it is not in) is refused before the first
    message, as read_chat_log refuses it."""
    log, messages = _reader(path, fmt, tz, chat, window)
    return log, _in_send_order(messages, log)


REORDER = 10_000  # messages a stream puts back in send order (~5 MB of them)


def _in_send_order(messages: Iterator[LoggedMessage], log: ChatLog) -> Iterator[LoggedMessage]:
    heap: list[tuple[float, int, LoggedMessage]] = []  # (time, place in the export, message): a stable order
    last = -math.inf  # the latest time let out

    def let_out() -> LoggedMessage:
        nonlocal last
        ts, _, first = heapq.heappop(heap)
        log.out_of_order += ts < last
        last = max(last, ts)
        return first

    for seq, m in enumerate(messages):
        heapq.heappush(heap, (m.ts, seq, m))
        if len(heap) > REORDER:
            yield let_out()
    while heap:
        yield let_out()


def _reader(path: Path, fmt: str, tz: str, chat: str | None,
            window: Window | None) -> tuple[ChatLog, Iterator[LoggedMessage]]:
    """The log and its messages in the export's own order, read as they are asked for; the whole file is checked
    first (its encoding, or its JSON), so that what cannot be read is refused before any message."""
    from qunguard.service.chat_logs import jsonl, qq_txt, telegram_json, wechat_csv

    if fmt == "auto":
        fmt = detect_format(path)
    zone = ZoneInfo(tz)
    log = ChatLog(format=fmt, name="", bounds=window.bounds(zone) if window else (-math.inf, math.inf))
    messages: Iterator[LoggedMessage]
    if fmt == "qq":
        messages = qq_txt.read(path, zone, log)
    elif fmt == "telegram":
        messages = telegram_json.read(path, zone, log, chat)
    elif fmt == "wechat":
        messages = wechat_csv.read(path, zone, log)
    elif fmt == "jsonl":
        messages = jsonl.read(path, zone, log)
    else:
        raise ChatLogError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    return log, messages


def decodes_as(path: Path, encoding: str) -> bool:
    """Whether the whole file is text in `encoding`, read a chunk at a time."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def iso_time(value: object, tz: ZoneInfo) -> float | None:
    """Unix seconds of an ISO 8601 time (one without a zone read in `tz`), or None if it is none."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=tz)).timestamp()


def keep(log: ChatLog, message: LoggedMessage) -> LoggedMessage | None:
    """The message as the replay will judge it, cut to MAX_CHARS, or None: left out (and counted), as a blank
    text, a lone surrogate or a time outside the window is."""
    from qunguard.service.surrogates import has_lone_surrogate

    start, end = log.bounds
    if not start <= message.ts < end:  # outside --since/--until: counted, never held
        skip(log, "sent before --since" if message.ts < start else "sent after --until", message.where)
        return None
    text = message.text.strip()
    if not text:
        skip(log, "no text (media a bot would not pass, or an empty message)", message.where)
        return None
    if has_lone_surrogate(text):
        skip(log, "broken text (a lone surrogate)", message.where)
        return None
    if len(text) > MAX_CHARS:
        skip(log, _CUT, message.where)  # counted with what was left out, though it is judged
        text = text[:MAX_CHARS]
    return replace(message, text=text)


def skip(log: ChatLog, why: str, where: str) -> None:
    log.skipped[why] += 1
    log.examples.setdefault(why, where)
