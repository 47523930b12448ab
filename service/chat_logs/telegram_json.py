"""Telegram Desktop's chat export as JSON ("Export chat history", format JSON: `result.json`).

One chat: `{"name", "type", "id", "messages": [...]}`; a whole account's export ("Export Telegram data")
holds its chats under `chats.list`, and `chat` picks one by name or id. Each message of type "message"
has `from_id` ("user123…"), `date_unixtime` (older exports: `date`, the exporting computer's local time),
and `text`: a string, or a list of strings and entities (`{"type": "text_link", "text": "点这里", "href":
"https://…"}`). What a bot would pass (README, "From a bot"): the text or caption; a bare picture,
sticker or voice as `[图片]`, `[表情]`, `[语音]`, a shared contact as `[名片]` and its name; the addresses of
`text_link` entities and of URL buttons (`inline_bot_buttons`) as `links`; a forward's origin from `forwarded_from_id`
(service/forwards.py). Service messages (joins, pins, title changes) are left out.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import ijson

from qunguard.service import forwards
from qunguard.service.chat_logs import ChatLog, ChatLogError, LoggedMessage, iso_time, keep, skip

# what a bot passes for a message without text or caption (the export's media_type, or its photo field)
_SHOWN = {"photo": "[图片]", "sticker": "[表情]", "animation": "[动画表情]", "voice_message": "[语音]",
          "video_message": "[视频]", "video_file": "[视频]", "audio_file": "[文件]", "file": "[文件]"}


def read(path: Path, tz: ZoneInfo, log: ChatLog, chat: str | None = None) -> Iterator[LoggedMessage]:
    """The chat's messages, a message at a time (the whole file's JSON checked first, so that a broken export is
    refused before any message: one pass of ijson's C parser, 1.0 s of the 4.7 s an 88 MB export of 300k messages
    takes to stream: bench/bench_replay_memory.py)."""
    try:
        with path.open("rb") as fh:
            for _ in ijson.parse(fh):
                pass
    except ijson.JSONError as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ChatLogError(f"{path}: not a JSON document ({' '.join(detail.split())}); JSON lines need --format "
                           "jsonl") from None
    with path.open("rb") as fh:
        yield from _stream(ijson.parse(fh, use_float=True), path, tz, chat, log)


# Streamed, not loaded: a busy group's export runs to hundreds of MB, and json.load holds all of it as Python
# objects (an 88 MB export of 300k messages peaked at 772 MiB; streamed, at 22: bench/bench_replay_memory.py),
# so each message is built alone. ijson's C backend reads a lone surrogate escape (\ud800) as "?".
_ONE_CHAT = "messages.item"
_ACCOUNT_CHAT = "chats.list.item"
_ACCOUNT_MESSAGE = "chats.list.item.messages.item"


class _Chat:
    """A chat of a whole account's export, as far as its events have come."""

    def __init__(self) -> None:
        self.name: str | None = None
        self.id: str | None = None
        self.held: list[object] = []  # its messages, while it is not yet known whether it is the chat asked for

    def is_(self, chat: str) -> bool:
        return chat in (self.name, self.id)

    def known(self) -> bool:
        return self.name is not None and self.id is not None


def _stream(events: Iterator[tuple[str, str, object]], path: Path, tz: ZoneInfo, chat: str | None,
            log: ChatLog) -> Iterator[LoggedMessage]:
    """The messages of the export's events: one chat's, or those of the chat `chat` of a whole account's."""
    top: set[str] = set()  # the document's keys
    listed: list[_Chat] = []  # an account's chats (their names and ids, for a message that lists them)
    current: _Chat | None = None
    found = False  # an account's chat `chat` has been read (the first of that name or id)
    builder: ijson.ObjectBuilder | None = None
    building = ""
    for prefix, event, value in events:
        if builder is not None:  # inside a message: build it
            builder.event(event, value)
            if prefix == building and event in ("end_map", "end_array"):
                yield from _take(builder.value, current, chat, log, tz)
                builder = None
            continue
        if prefix in (_ONE_CHAT, _ACCOUNT_MESSAGE):
            if prefix == _ACCOUNT_MESSAGE and (current is None or chat is None or found
                                               or (current.known() and not current.is_(chat))):
                continue  # no chat asked for (the error lists them), or not this one
            if event in ("start_map", "start_array"):
                builder, building = ijson.ObjectBuilder(), prefix
                builder.event(event, value)
            else:
                yield from _take(value, current, chat, log, tz)
        elif prefix == "" and event == "map_key":
            top.add(str(value))
        elif prefix == "" and event in ("start_array", "string", "number", "boolean", "null"):
            kind = {"start_array": "list", "string": "str", "number": "number", "boolean": "bool", "null": "null"}
            raise ChatLogError(f"{path}: a JSON {kind[event]}, not Telegram Desktop's export (an object)")
        elif prefix == "name" and event == "string":
            log.name = str(value)
        elif prefix == "messages" and event not in ("start_array", "end_array"):
            raise ChatLogError(f"{path}: no 'messages' list: is it Telegram Desktop's JSON export?")
        elif prefix == _ACCOUNT_CHAT and event == "start_map" and "messages" not in top:
            current = _Chat()
            listed.append(current)
        elif current is not None and prefix in (f"{_ACCOUNT_CHAT}.name", f"{_ACCOUNT_CHAT}.id"):
            setattr(current, prefix.rsplit(".", 1)[1], _scalar(value))
        elif current is not None and prefix == _ACCOUNT_CHAT and event == "end_map":
            if chat is not None and not found and current.is_(chat):
                found, log.name = True, current.name or ""
                for m in current.held:  # a chat whose name or id came after its messages
                    if (message := _message(m, log, tz)) is not None:
                        yield message
            current.held, current = [], None
    if "messages" in top:
        return
    if "chats" not in top:
        raise ChatLogError(f"{path}: no 'messages' list: is it Telegram Desktop's JSON export?")
    names = ", ".join(f"{c.name!r} ({c.id})" for c in listed[:20])
    if chat is None:
        raise ChatLogError(f"{path} is a whole account's export with {len(listed)} chats; pick one with --chat NAME "
                           f"or ID: {names}")
    if not found:
        raise ChatLogError(f"{path}: no chat named or numbered {chat!r}; the chats: {names}")


def _scalar(value: object) -> str | None:
    """A chat's name or id as --chat names it (an id is a JSON number)."""
    return None if value is None else str(int(value) if isinstance(value, float) and value.is_integer() else value)


def _take(m: object, current: _Chat | None, chat: str | None, log: ChatLog, tz: ZoneInfo) -> Iterator[LoggedMessage]:
    """A message of one chat's export, or of the account's chat being read: judged, held or passed over."""
    if current is None or (chat is not None and current.is_(chat)):  # one chat's export, or the chat asked for
        if current is not None and not log.name:
            log.name = current.name or ""
        if (message := _message(m, log, tz)) is not None:
            yield message
    elif not current.known():
        current.held.append(m)  # its name or id may still match


def _message(m: object, log: ChatLog, tz: ZoneInfo) -> LoggedMessage | None:
    if not isinstance(m, dict):
        skip(log, "not a message object", "an item of a messages list that is not a JSON object")
        return None
    where = f"message id {_scalar(m.get('id')) or '?'}"
    if m.get("type") != "message":
        skip(log, "Telegram's service messages (joins, pins, title changes)", where)
        return None
    ts = _time(m, tz)
    if ts is None or not isinstance(m.get("from_id"), str):
        skip(log, "no sender or no time", where)
        return None
    words, links = _words_and_links(m.get("text"))
    text = words if words.strip() else _shown(m)
    message_id = _scalar(m.get("id")) or f"T{ts:.0f}"  # Telegram numbers every message; a hand-made file may not
    # a forward has the keys, whatever their values (a hidden account: a name and no id)
    forwarded = (forwards.from_export_id(m.get("forwarded_from_id"))
                 if "forwarded_from" in m or "forwarded_from_id" in m else None)
    return keep(log, LoggedMessage(m["from_id"], text, ts, message_id, where, str(m.get("from") or ""),
                                   tuple(links + _button_links(m)), forwarded))


def _time(m: dict, tz: ZoneInfo) -> float | None:
    unix = m.get("date_unixtime")
    if isinstance(unix, (str, int)) and str(unix).isdigit():
        return float(unix)
    return iso_time(m.get("date"), tz)


def _words_and_links(text: object) -> tuple[str, list[str]]:
    if isinstance(text, str):
        return text, []
    if not isinstance(text, list):
        return "", []
    words, links = [], []
    for part in text:
        if isinstance(part, str):
            words.append(part)
        elif isinstance(part, dict):
            words.append(str(part.get("text", "")))
            if part.get("type") == "text_link" and isinstance(part.get("href"), str):
                links.append(part["href"])
    return "".join(words), links


def _button_links(m: dict) -> list[str]:
    rows = m.get("inline_bot_buttons")
    if not isinstance(rows, list):
        return []
    return [b["data"] for row in rows if isinstance(row, list) for b in row
            if isinstance(b, dict) and b.get("type") == "url" and isinstance(b.get("data"), str)]


def _shown(m: dict) -> str:
    if "photo" in m:
        return _SHOWN["photo"]
    if isinstance(poll := m.get("poll"), dict):
        return str(poll.get("question", ""))
    if "location_information" in m:
        return "[位置]"
    if isinstance(card := m.get("contact_information"), dict):  # a shared contact: its name, as the QQ and WeChat cards
        name = " ".join(str(card.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
        return f"[名片] {name}" if name else "[名片]"
    return _SHOWN.get(str(m.get("media_type")), "[文件]" if "file" in m else "")
