"""JSON lines: one message a line, `{"user_id" | "user", "text", "ts", "message_id"?, "links"?, "forward_origin"?}`,
the last two as the API takes them (`forward_origin`: `{"type": "channel"}`, service/forwards.py).

`ts` is Unix seconds, or ISO 8601 (without a zone: the replay's --tz). A line that is not such an
object is counted and left out, with where the first one is; the rest still replay.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from qunguard.service.chat_logs import ChatLog, LoggedMessage, iso_time, keep, skip
from qunguard.service.forwards import ORIGINS


def read(path: Path, tz: ZoneInfo, log: ChatLog) -> Iterator[LoggedMessage]:
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            where = f"line {n}"
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8-sig" if n == 1 else "utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                skip(log, "not a JSON object in UTF-8", where)
                continue
            message = _message(record, n, tz, where)
            if message is None:
                skip(log, "missing or wrong user_id, text or ts", where)
                continue
            if (kept := keep(log, message)) is not None:
                yield kept


def _message(record: object, n: int, tz: ZoneInfo, where: str) -> LoggedMessage | None:
    if not isinstance(record, dict):
        return None
    user, text, ts = record.get("user_id", record.get("user")), record.get("text"), _time(record.get("ts"), tz)
    links = record.get("links", [])
    if not isinstance(user, (str, int)) or isinstance(user, bool) or not isinstance(text, str) or ts is None:
        return None
    if not isinstance(links, list) or not all(isinstance(u, str) for u in links):
        return None
    origin = record.get("forward_origin")
    forwarded = origin.get("type") if isinstance(origin, dict) else None
    if origin is not None and forwarded not in ORIGINS:
        return None
    message_id = record.get("message_id", f"L{n}")
    return LoggedMessage(str(user), text, ts, str(message_id), where, str(record.get("name", "")), tuple(links),
                         forwarded)


def _time(value: object, tz: ZoneInfo) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if math.isfinite(value) and abs(value) < 1e11 else None  # NaN and absurd times refused
    return iso_time(value, tz)
