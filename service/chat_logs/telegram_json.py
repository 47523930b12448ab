"""Telegram Desktop's chat export as JSON ("Export chat history", format JSON: `result.json`).

One chat: `{"name", "type", "id", "messages": [...]}`; a whole account's export ("Export Telegram data")
holds its chats under `chats.list`, and `chat` picks one by name or id. Each message of type "message"
has `from_id` ("user123…"), `date_unixtime` (older exports: `date`, the exporting computer's local time),
and `text`: a string, or a list of strings and entities (`{"type": "text_link", "text": "点这里", "href":
"https://…"}`). What a bot would pass (README, "From a bot"): the text or caption; a bare picture,
sticker or voice as `[图片]`, `[表情]`, `[语音]`; the addresses of `text_link` entities and of URL
buttons (`inline_bot_buttons`) as `links`. Service messages (joins, pins, title changes) are left out.
"""
from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

from qunguard.service.chat_logs import ChatLog, ChatLogError, LoggedMessage, iso_time, keep, skip

# what a bot passes for a message without text or caption (the export's media_type, or its photo field)
_SHOWN = {"photo": "[图片]", "sticker": "[表情]", "animation": "[动画表情]", "voice_message": "[语音]",
          "video_message": "[视频]", "video_file": "[视频]", "audio_file": "[文件]", "file": "[文件]"}


def read(path: Path, tz: ZoneInfo, chat: str | None = None) -> ChatLog:
    try:
        with path.open("rb") as fh:
            doc = json.load(fh)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ChatLogError(f"{path}: not a JSON document ({exc}); JSON lines need --format jsonl") from None
    doc = _pick_chat(path, doc, chat)
    messages = doc.get("messages")
    if not isinstance(messages, list):
        raise ChatLogError(f"{path}: no 'messages' list: is it Telegram Desktop's JSON export?")
    log = ChatLog(format="telegram", name=str(doc.get("name") or ""))
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            skip(log, "not a message object", f"message #{i + 1}")
            continue
        where = f"message id {m.get('id', '?')}"
        if m.get("type") != "message":
            skip(log, "Telegram's service messages (joins, pins, title changes)", where)
            continue
        ts = _time(m, tz)
        if ts is None or not isinstance(m.get("from_id"), str):
            skip(log, "no sender or no time", where)
            continue
        words, links = _words_and_links(m.get("text"))
        text = words if words.strip() else _shown(m)
        keep(log, LoggedMessage(m["from_id"], text, ts, str(m.get("id", i)), where, str(m.get("from") or ""),
                                tuple(links + _button_links(m))))
    return log


def _pick_chat(path: Path, doc: object, chat: str | None) -> dict:
    if not isinstance(doc, dict):
        raise ChatLogError(f"{path}: a JSON {type(doc).__name__}, not Telegram Desktop's export (an object)")
    chats = doc.get("chats")
    if not isinstance(chats, dict) or "messages" in doc:
        return doc  # one chat's export
    listed = [c for c in chats.get("list", []) if isinstance(c, dict)]
    names = ", ".join(f"{c.get('name')!r} ({c.get('id')})" for c in listed[:20])
    if chat is None:
        raise ChatLogError(f"{path} is a whole account's export with {len(listed)} chats; pick one with --chat NAME "
                           f"or ID: {names}")
    for c in listed:
        if chat in (str(c.get("name")), str(c.get("id"))):
            return c
    raise ChatLogError(f"{path}: no chat named or numbered {chat!r}; the chats: {names}")


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
    return _SHOWN.get(str(m.get("media_type")), "[文件]" if "file" in m else "")
