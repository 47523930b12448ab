"""`qunguard replay`: what QunGuard would have done to a group, from the group's own exported history.

    qunguard replay EXPORT [--format auto|qq|telegram|wechat|jsonl] [--group G] [--settings FILE]
                    [--db FILE] [-o VERDICTS] [--list delete|review|none] [--tz ZONE] [--chat NAME]
                    [--since DAY] [--until DAY]

EXPORT is PC QQ's text export (消息管理器 → 导出 .txt), Telegram Desktop's JSON export (result.json),
the CSV that 留痕 (WeChatMsg / MemoTrace) exports of a WeChat chat, or JSON lines (`user_id`, `text`,
`ts`, optional `message_id` and `links`). Its messages go through
the whole engine in send order, as a bot would have sent them (flood windows from the real send
times, the group's settings, the mute ladder, the review queue), and the command prints what would
have been allowed, sent to review, deleted and muted, every deleted message with its reasons, and the
drift alerts of the profile the group learns from its first legitimate messages. Nothing is sent
anywhere: it is a dry run over the past, to set a group's thresholds before a bot acts on them.

--settings FILE is the group's settings as `PUT /v1/groups/{id}` takes them (JSON); a dry_run in them
is ignored, since the replay is one. --db FILE keeps the store (a new SQLite file): then
`qunguard report G --db FILE --until DAY` shows the group's health report, and a service started with
QUNGUARD_DB_PATH=FILE shows the review queue on its moderator page. -o writes every verdict as JSON
lines. Times without a zone (QQ's, older Telegram exports) are read in --tz (default Asia/Shanghai).
--since and --until replay the days between them only (a year's export, last month): the rest is counted as
left out and never held in memory, and the group starts from nothing on --since, as a new bot would.

Exit status: 0 replayed; 2 nothing could run (unreadable export, bad settings, a --db that exists or cannot
be made, bad model).
"""
from __future__ import annotations

import argparse
import itertools
import shlex
import sys
import tempfile
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qunguard.model import artifact
from qunguard.service.chat_logs import DEFAULT_TZ, FORMATS, REORDER
from qunguard.service.commands.common import parse_day
from qunguard.service.mutes import duration

SHOWN_REVIEWS = 20  # review items listed without --list review
TEXT_CHARS = 120  # characters of a listed message


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommand to the `qunguard` parser."""
    p = sub.add_parser("replay", help="replay a group's exported history (QQ .txt, Telegram JSON, WeChat via 留痕 CSV, "
                                      "JSONL): what "
                                      "would have been deleted, reviewed, muted", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("export", type=Path, help="the export file")
    p.add_argument("--format", choices=("auto", *FORMATS), default="auto", help="default: from the file's content")
    p.add_argument("--group", help="the group id to judge it as (default: the chat's name, else the file's name)")
    p.add_argument("--settings", type=Path, help="the group's settings, JSON as PUT /v1/groups/{id} takes them")
    p.add_argument("--db", type=Path, help="keep the store in this new SQLite file (default: a temporary one)")
    p.add_argument("-o", "--output", type=Path, help="write every verdict here, as JSON lines")
    p.add_argument("--list", choices=("delete", "review", "none"), default="delete",
                   help=f"list every deleted message (default; and the first {SHOWN_REVIEWS} sent to review), "
                        "every flagged one, or none")
    p.add_argument("--tz", type=_zone, default=DEFAULT_TZ, help=f"time zone of times without one (default {DEFAULT_TZ})")
    p.add_argument("--chat", help="a whole Telegram account's export: the chat's name or id")
    p.add_argument("--since", type=parse_day, metavar="DAY", help="replay only messages sent on or after DAY (YYYY-MM-DD, "
                                                             "in --tz); the group's profile learns from its first "
                                                             "messages from then")
    p.add_argument("--until", type=parse_day, metavar="DAY", help="replay only messages sent on or before DAY")
    p.add_argument("--batch", type=_batch, default=20, help="consecutive messages a call, as a bot batches (default 20)")
    p.add_argument("--model", type=Path, default=artifact.SHIPPED, help="model folder (default: the shipped model)")
    p.set_defaults(func=cmd_replay)


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown time zone {value!r} (e.g. Asia/Shanghai, UTC)") from None
    return value


def _batch(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 1000:
        raise argparse.ArgumentTypeError(f"a batch is 1 to 1000 messages, got {value!r}")
    return int(value)


def cmd_replay(args: argparse.Namespace) -> int:
    from qunguard.model.errors import ModelArtifactError
    from qunguard.service.chat_logs import ChatLogError, Window, stream_chat_log
    from qunguard.service.engine import LoadedModel
    from qunguard.service.store import StoreUnavailable

    def refuse(message: str) -> int:
        print(f"error: {message}", file=sys.stderr)
        return 2

    if args.db is not None and args.db.exists():
        return refuse(f"{args.db} exists; replay into a new file (a second replay into one store would count "
                      "every member's incidents twice)")
    try:
        settings = _settings(args.settings)
        window = Window(args.since, args.until) if args.since or args.until else None
        # read as they are judged, none held: what cannot be read at all is refused at the first message
        log, stream = stream_chat_log(args.export, args.format, args.tz, args.chat, window)
        first = next(stream, None)
    except (ChatLogError, OSError, ValueError) as exc:
        return refuse(str(exc))
    if first is None:
        _print_skipped(log, sys.stderr)
        return refuse(f"{args.export}: no message to replay")
    messages = _with_progress(itertools.chain([first], stream), args.tz, sys.stderr)
    try:
        model = LoadedModel(*artifact.load(args.model))
    except ModelArtifactError as exc:
        return refuse(str(exc))
    group_id = (args.group or log.name or args.export.stem)[:128]  # as long as the API takes a group id
    try:
        out = args.output.open("w", encoding="utf-8") if args.output else None
    except OSError as exc:
        return refuse(f"cannot write {args.output}: {exc.strerror or exc}")
    try:
        shown = None if args.list == "review" else SHOWN_REVIEWS
        if args.db is not None:
            result = _run(messages, group_id, model, args.db, settings, args.batch, out, shown)
        else:
            with tempfile.TemporaryDirectory(prefix="qunguard-replay-") as tmp:
                result = _run(messages, group_id, model, Path(tmp) / "replay.db", settings, args.batch, out, shown)
    except StoreUnavailable as exc:
        return refuse(f"the store: {exc}")
    except ChatLogError as exc:  # the readers check a file whole before its first message: not expected here
        return refuse(f"{exc}; the messages before it were replayed")
    except OSError as exc:  # the store's folder could not be made, or the verdicts file could not be written
        return refuse(str(exc))
    finally:
        if out is not None:
            out.close()
    print_result(result, log, args, sys.stdout)
    return 0


def _with_progress(messages, tz: str, err: TextIO):
    """The messages, counted on a progress line with the day being replayed when a person watches `err` (a
    terminal); as they are for a pipe or a file. A long history takes minutes (~5,000 messages a second)."""
    if not err.isatty():
        return messages
    from datetime import datetime

    from tqdm import tqdm

    zone = ZoneInfo(tz)
    bar = tqdm(unit=" messages", file=err, mininterval=0.5, leave=False)

    def counted():
        try:
            for n, m in enumerate(messages):
                if n % 1000 == 0:  # the day in the export the replay has reached
                    bar.set_description_str(datetime.fromtimestamp(m.ts, zone).strftime("%Y-%m-%d"), refresh=False)
                bar.update()
                yield m
        finally:
            bar.close()

    return counted()


def _settings(path: Path | None):
    """The group's settings from a JSON file, checked as PUT /v1/groups checks them; None: the defaults."""
    if path is None:
        return None
    import json

    from pydantic import ValidationError

    from qunguard.service.groups import GroupSettings

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"--settings {path}: not JSON ({exc})") from None
    try:
        settings = GroupSettings.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()[:5])
        raise ValueError(f"--settings {path}: {problems}") from None
    return settings.model_copy(update={"dry_run": False})


def _run(messages, group_id, model, db, settings, batch, out, shown_reviews):
    import orjson

    from qunguard.service.replay import replay

    def write(m, v: dict) -> None:  # a LoggedMessage and its verdict
        row = {"where": m.where, "message_id": m.message_id, "user_id": m.user_id, "name": m.name, "ts": m.ts,
               "text": m.text, **{k: v[k] for k in ("action", "label", "scores", "mute_s", "reasons", "topic_score",
                                                    "topic_confidence")}}
        out.write(orjson.dumps(row).decode() + "\n")

    return replay(messages, group_id=group_id, model=model, db=db, settings=settings, batch=batch,
                  on_verdict=write if out is not None else None, keep_reviewed=shown_reviews)


# -- what it prints --------------------------------------------------------------------------
def print_result(r, log, args: argparse.Namespace, out: TextIO) -> None:
    from datetime import datetime

    tz = ZoneInfo(args.tz)

    def w(line: str = "") -> None:
        out.write(line + "\n")

    def when(ts: float) -> str:
        return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M")

    n = r.messages
    w(f"Replayed {n:,} messages of {args.export.name} ({log.format} export) as group {r.group_id!r}: "
      f"{when(r.first_ts)} to {when(r.last_ts)} ({args.tz}), {len(r.members):,} members")
    rate = f", {n / r.cpu_s:,.0f} messages a second" if r.cpu_s > 0 else ""
    w(f"model {r.model_version}; {'settings from ' + str(args.settings) if args.settings else 'default settings'}; "
      f"batches of {args.batch}; {r.cpu_s:.1f} s of CPU{rate}")
    _print_skipped(log, out)

    w("\nWhat a bot would have done")
    for action, shown in (("allow", "allowed"), ("review", "sent to review"), ("delete", "deleted")):
        k = r.actions[action]
        w(f"  {shown:<16}{k:>8,}  {k / n:>7.2%}")
    if r.mutes:
        asked = ", ".join(f"{duration(s)} {k}" for s, k in sorted(r.mutes.items()))
        w(f"  deletes asking a mute: {sum(r.mutes.values())} ({asked}); members muted: {len(r.muted)}")
    else:
        w("  no delete asked for a mute")
    if r.flagged:
        w("  flagged by label: " + ", ".join(f"{label} {action} {k:,}" for (label, action), k
                                             in sorted(r.flagged.items(), key=lambda x: -x[1])))

    if args.list != "none":
        _print_items(f"Deleted ({len(r.deleted):,})", r.deleted, len(r.deleted), when, w)
        reviews = r.actions["review"]
        more = "" if len(r.reviewed) >= reviews else f"; the first {len(r.reviewed)}, --list review for all"
        _print_items(f"Sent to review ({reviews:,}{more})", r.reviewed, len(r.reviewed), when, w)

    w("\nTopic and drift")
    if r.profile_terms:
        w(f"  the group's topic profile at the end (learned from its first legitimate messages and absorbing its talk, "
          f"unless the settings describe the topic), top terms: {', '.join(r.profile_terms)}")
    else:
        w("  no topic profile: too few legitimate messages to learn one (or the settings describe none)")
    w(f"  drift alerts: {len(r.drift_alerts)}")
    for p in r.drift_alerts:
        w(f"    {when(p['ts'])}  drivers: {', '.join(p['drivers']) or '-'}")

    if args.db is not None:
        until = datetime.fromtimestamp(r.last_ts, tz).date().isoformat()
        w(f"\nThe store is {args.db}:")
        db = shlex.quote(str(args.db))
        w(f"  qunguard report {shlex.quote(r.group_id)} --db {db} --until {until} --days 90   the group's health report")
        w(f"  QUNGUARD_DB_PATH={db} qunguard serve   its review queue on the moderator page (/ui)")
    else:
        w("\nWith --db FILE the store is kept: `qunguard report` and the moderator page read it.")


def _print_skipped(log, out: TextIO) -> None:
    if log.skipped:
        out.write("left out: " + "; ".join(f"{k:,} {why} (first: {log.examples[why]})"
                                           for why, k in log.skipped.most_common()) + "\n")
    if log.out_of_order:
        out.write(f"{log.out_of_order:,} messages stood more than {REORDER:,} messages from their place in send order "
                  "in the export: judged where they stood\n")


def _print_items(title: str, items: list, limit: int, when, w) -> None:
    w(f"\n{title}")
    if not items:
        w("  none")
    for m, v in items[:limit]:
        mute = f", mute {duration(v['mute_s'])}" if v["mute_s"] else ""
        who = f"{m.name} ({m.user_id})" if m.name else m.user_id
        text = " ".join(m.text.split())
        w(f"  {when(m.ts)}  {who}  {v['label']}{mute}  [{m.where}]")
        w(f"    {text[:TEXT_CHARS]}{'…' if len(text) > TEXT_CHARS else ''}")
        w(f"    why: {_why(v['reasons'])}")


def _why(reasons: list[dict]) -> str:
    shown = [f"{r['name']}: {r['detail']}" if r.get("detail") else r["name"] for r in reasons if r["name"] != "evidence"]
    evidence = [r["detail"] for r in reasons if r["name"] == "evidence"]
    if evidence:
        shown.append("evidence: " + ", ".join(evidence))
    return " · ".join(shown)
