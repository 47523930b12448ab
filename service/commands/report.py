"""`qunguard report GROUP`: a group's health report, as a table, and as PNG charts with --png.

    qunguard report GROUP [--days N] [--until DAY] [--db PATH] [--png DIR]

The same report as GET /v1/groups/{id}/report (service/report.py), read from the store:
messages per hour of day, each label's count per day, the members with the most flagged
flooding and advertising, the members gone silent (seen before, nothing in the last N days:
the candidates to prune), and the drift trend. The window ends today, or with --until DAY (YYYY-MM-DD, in
the group's time zone) for an older stretch, e.g. a history `qunguard replay --db` judged. --png DIR writes hours.png, labels.png,
members.png and drift.png there; it needs matplotlib (`pip install 'qunguard[report]'`).
The store is QUNGUARD_DB_PATH unless --db names another. A running service writes its counts
every QUNGUARD_ACTIVITY_FLUSH_S seconds: the last few seconds may be missing.

Exit status: 0 done; 1 unknown group; 2 no store, or the charts could not be written.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from qunguard.model.labels import LABELS
from qunguard.service.commands.common import parse_day, store_path

BAR = 30  # characters of the longest bar in the terminal


def _days(value: str) -> int:
    from qunguard.service.report import MAX_DAYS

    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of days") from None
    if not 1 <= n <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"days must be 1 to {MAX_DAYS}, got {n}")
    return n


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommand to the `qunguard` parser."""
    p = sub.add_parser("report", help="a group's health report: activity, labels, members, drift (table, PNG charts)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("group", help="the group id")
    p.add_argument("--days", type=_days, default=7, help="the last N days, 1 to 90 (default 7)")
    p.add_argument("--until", type=parse_day, metavar="DAY", help="the window's last day, YYYY-MM-DD (default: today)")
    p.add_argument("--db", type=Path, help="SQLite file (default: QUNGUARD_DB_PATH, else ./qunguard.db)")
    p.add_argument("--png", type=Path, metavar="DIR", help="also write PNG charts to this folder (needs matplotlib)")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from qunguard.service.report import group_report
    from qunguard.service.store import Store, StoreUnavailable

    path = store_path(args.db)
    if not Path(path).exists():
        print(f"error: no store at {path} (QUNGUARD_DB_PATH, or --db)", file=sys.stderr)
        return 2
    try:
        store = Store(path)
        try:
            if not store.group_known(args.group):
                print(f"error: group {args.group!r} has no settings, profile or traffic in {path}", file=sys.stderr)
                return 1
            now = None if args.until is None else _end_of(args.until, store, args.group)
            report = group_report(store, args.group, args.days, now)
        finally:
            store.close()
    except StoreUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_report(report, sys.stdout)
    if args.png is not None:
        try:
            written = write_charts(report, args.png)
        except ImportError:
            print("error: --png needs matplotlib: pip install 'qunguard[report]'", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"error: cannot write charts to {args.png}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"\ncharts: {', '.join(str(p) for p in written)}")
    return 0


def _end_of(day: date, store, group_id: str) -> float:
    """The last second of `day` in the group's time zone: a report's `now`."""
    from qunguard.service.report import group_timezone

    tz = ZoneInfo(group_timezone(store.get_group(group_id)))
    after = day + timedelta(days=1)
    return datetime(after.year, after.month, after.day, tzinfo=tz).timestamp() - 1


# -- the table -----------------------------------------------------------------------------
def _bar(n: int, top: int) -> str:
    eighths = round(BAR * 8 * n / top) if top else 0
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


def _local(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M")


def print_report(r: dict, out: TextIO) -> None:
    tz = ZoneInfo(r["timezone"])

    def w(line: str = "") -> None:
        out.write(line + "\n")

    total = sum(r["messages_per_hour"])
    w(f"Group {r['group_id']}: last {r['days']} day{'s' if r['days'] > 1 else ''} ({r['timezone']}), {total:,} messages")

    w("\nMessages per hour of day")
    top = max(r["messages_per_hour"]) or 1
    for hour, n in enumerate(r["messages_per_hour"]):
        w(f"  {hour:02d}:00  {n:>7,}  {_bar(n, top)}")

    w("\nLabels per day")
    w("  " + "day".ljust(12) + "".join(label.rjust(13) for label in LABELS))
    for row in r["labels_per_day"]:
        w("  " + row["day"].ljust(12) + "".join(f"{row['counts'].get(label, 0):>13,}" for label in LABELS))

    for label, who in (("flooding", "flood"), ("advertising", "advertise")):
        members = r["top_members"][label]
        w(f"\nMembers who {who} most (flagged {label} verdicts)")
        if not members:
            w("  none")
        for m in members:
            w(f"  {m['user_id']:<24} {m['count']:>7,}")

    silent = r["silent_members"]
    w(f"\nSilent members (seen before, nothing in the last {r['days']} days): {len(silent)}")
    for m in silent:
        n = m["messages"]
        w(f"  {m['user_id']:<24} last seen {_local(m['last_seen'], tz)}  {n:>7,} message{'s' if n != 1 else ''} before")

    w("\nDrift from the topic profile, per day (0 on topic, 1 far off)")
    per_day: dict[str, list[float]] = {}
    for ts, drift in r["drift"]:
        per_day.setdefault(datetime.fromtimestamp(ts, tz).date().isoformat(), []).append(drift)
    if not per_day:
        w("  no drift measured (no topic profile, or no legitimate messages since it was set)")
    for day, values in per_day.items():
        mean = sum(values) / len(values)
        w(f"  {day}  mean {mean:.2f}  max {max(values):.2f}  {_bar(round(mean * 100), 100)}")


# -- the charts ----------------------------------------------------------------------------
def write_charts(r: dict, folder: Path) -> list[Path]:
    """hours.png, labels.png, members.png and drift.png in `folder`; raises ImportError without matplotlib."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    folder.mkdir(parents=True, exist_ok=True)
    title = f"{r['group_id']}, last {r['days']} days"
    written = []

    def save(fig, name: str) -> None:
        fig.tight_layout()
        path = folder / name
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)

    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.bar(range(24), r["messages_per_hour"], color="#4c78a8")
    ax.set(title=f"Messages per hour of day ({r['timezone']}), {title}", xlabel="hour", ylabel="messages",
           xticks=range(0, 24, 2))
    save(fig, "hours.png")

    fig, ax = plt.subplots(figsize=(8, 3.5))
    days = [row["day"][5:] for row in r["labels_per_day"]]
    bottom = [0] * len(days)
    for label, color in zip(LABELS, ("#54a24b", "#e45756", "#f58518", "#b279a2"), strict=True):
        counts = [row["counts"].get(label, 0) for row in r["labels_per_day"]]
        ax.bar(days, counts, bottom=bottom, label=label, color=color)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set(title=f"Labels per day, {title}", ylabel="messages")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    ax.tick_params(axis="x", labelrotation=45 if len(days) > 10 else 0, labelsize="small")
    save(fig, "labels.png")

    fig, axes = plt.subplots(1, 2, figsize=(8, 3.5))
    for ax, label in zip(axes, ("flooding", "advertising"), strict=True):
        members = r["top_members"][label][::-1]
        ax.barh([m["user_id"] for m in members], [m["count"] for m in members], color="#e45756")
        ax.set(title=f"Most flagged {label}", xlabel="verdicts")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    save(fig, "members.png")

    fig, ax = plt.subplots(figsize=(8, 3.5))
    if r["drift"]:
        from matplotlib import dates

        tz = ZoneInfo(r["timezone"])
        ax.plot(dates.date2num([datetime.fromtimestamp(ts, tz) for ts, _ in r["drift"]]), [d for _, d in r["drift"]],
                color="#4c78a8")
        ax.xaxis_date(tz)
    ax.set(title=f"Drift from the topic profile, {title}", ylabel="drift", ylim=(0, 1))
    fig.autofmt_xdate()
    save(fig, "drift.png")
    return written
