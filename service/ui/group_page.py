"""What a group's page shows: the group report (service/report.py: activity by hour, the members who
flood or advertise most, the silent ones, topic drift) and, from the review queue, the messages
flagged per label each day.

The report's own labels_per_day counts every message by its verdict's label, flagged or not; the
queue holds exactly the messages that were flagged (review or delete), so the chart of flagged
messages is counted there, over the same local days as the report.
"""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from qunguard.service.report import group_report, window_start
from qunguard.service.store import Store

MAX_ITEMS = 50_000  # flagged messages a page reads at most (newest first); the page says when it stopped there


def flagged_per_day(store: Store, group_id: str, days: int, tz: str, now: float) -> tuple[list[dict], bool]:
    """[{"day": "YYYY-MM-DD", "counts": {label: n}}] of the messages flagged in each local day, oldest first,
    and whether MAX_ITEMS cut the count short. Dismissed messages count: they were flagged."""
    zone = ZoneInfo(tz)
    day_list, start = window_start(now, days, zone)
    items = store.review_items(group_id=group_id, since=start, limit=MAX_ITEMS)
    per_day: dict[str, Counter] = defaultdict(Counter)
    for it in items:
        per_day[datetime.fromtimestamp(it["message_ts"], zone).date().isoformat()][it["label"]] += 1
    return [{"day": d.isoformat(), "counts": dict(per_day.get(d.isoformat(), {}))} for d in day_list], len(items) == MAX_ITEMS


def group_view(store: Store, group_id: str, days: int, now: float | None = None) -> dict:
    """The report plus `flagged_per_day` and `truncated`."""
    now = time.time() if now is None else now
    report = group_report(store, group_id, days, now=now)
    report["flagged_per_day"], report["truncated"] = flagged_per_day(store, group_id, days, report["timezone"], now)
    return report
