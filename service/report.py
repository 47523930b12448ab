"""A group's health report: what the group talks about when, who floods or advertises, who went
quiet, and how its talk drifts from its topic. GET /v1/groups/{id}/report, `qunguard report`,
and the moderator page's group page all show this one dict.

The window is the last `days` calendar days in the group's time zone (its quiet hours' zone, else
Asia/Shanghai), today included. Counts come from the store's activity tables, which the service
writes every few seconds (service/activity.py): a report can miss the last few seconds.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from qunguard.model.labels import LABELS
from qunguard.service.store import Store

DEFAULT_TZ = "Asia/Shanghai"
MAX_DAYS = 90
TOP_MEMBERS = 10
SILENT_MEMBERS = 100


def group_timezone(settings: dict | None) -> str:
    q = (settings or {}).get("quiet_hours") or {}
    return q.get("timezone") or DEFAULT_TZ


def window_start(now: float, days: int, tz: ZoneInfo) -> tuple[list[date], float]:
    """The window's local days, oldest first, and the Unix time its first day starts."""
    today = datetime.fromtimestamp(now, tz).date()
    day_list = [today - timedelta(days=k) for k in range(days - 1, -1, -1)]
    start = datetime(day_list[0].year, day_list[0].month, day_list[0].day, tzinfo=tz).timestamp()
    return day_list, start


def group_report(store: Store, group_id: str, days: int, now: float | None = None) -> dict:
    """{group_id, days, timezone, messages_per_hour (24), labels_per_day, top_members, silent_members, drift}."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1 to {MAX_DAYS}, got {days}")
    now = time.time() if now is None else now
    tz_name = group_timezone(store.get_group(group_id))
    tz = ZoneInfo(tz_name)
    day_list, start = window_start(now, days, tz)

    per_hour = [0] * 24
    per_day = {d: dict.fromkeys(LABELS, 0) for d in day_list}
    for hour, label, n in store.activity_hours(group_id, int(start // 3600), int(now // 3600)):
        local = datetime.fromtimestamp(hour * 3600, tz)
        counts = per_day.get(local.date())
        if counts is None:  # an hour that starts before the window's first local midnight (a zone off by minutes)
            continue
        per_hour[local.hour] += n
        counts[label] = counts.get(label, 0) + n

    since_day = int(start // 86400)
    return {
        "group_id": group_id,
        "days": days,
        "timezone": tz_name,
        "messages_per_hour": per_hour,
        "labels_per_day": [{"day": d.isoformat(), "counts": per_day[d]} for d in day_list],
        "top_members": {label: store.top_flagged_members(group_id, label, since_day, TOP_MEMBERS)
                        for label in ("flooding", "advertising")},
        "silent_members": store.silent_members(group_id, start, SILENT_MEMBERS),
        "drift": [[p["ts"], p["drift"]] for p in store.drift_history(group_id, start) if p["ts"] <= now],
    }
