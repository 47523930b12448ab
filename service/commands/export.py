"""`qunguard export`: write the moderator-labelled messages, as `GET /v1/export` does, from the SQLite file.

    qunguard export [-o FILE] [--format jsonl|csv] [--db PATH] [--group G] [--since TS] [--until TS]

One record per decided review item (service/exports.py has the fields): the training data that
`train.py --exports FILE` reads. No server needed; a running one may keep writing meanwhile.
A file is written whole or not at all (a temporary file renamed when complete).
Exit status: 0 written; 2 nothing could run (no database there, unwritable output).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path

from qunguard.service.commands.common import store_path
from qunguard.service.exports import FORMATS, export_chunks


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommand to the `qunguard` parser."""
    p = sub.add_parser("export", help="write the moderator-labelled messages (JSONL or CSV) for training",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    p.add_argument("--format", choices=FORMATS, help="default: csv if the output file ends in .csv, else jsonl")
    p.add_argument("--db", type=Path, help="SQLite file (default: QUNGUARD_DB_PATH, else ./qunguard.db)")
    p.add_argument("--group", help="only this group's items")
    p.add_argument("--since", type=_unix_time, help="message time at or after this, Unix seconds")
    p.add_argument("--until", type=_unix_time, help="message time before this, Unix seconds")
    p.set_defaults(func=cmd_export)


def _unix_time(value: str) -> float:
    try:
        ts = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected Unix seconds, got {value!r}") from None
    if not math.isfinite(ts) or ts < 0:
        raise argparse.ArgumentTypeError(f"expected Unix seconds (a finite number, 0 or more), got {value!r}")
    return ts


def cmd_export(args: argparse.Namespace) -> int:
    from qunguard.service.store import Store, StoreUnavailable

    db = store_path(args.db)
    if not db.is_file():  # opening would create an empty database, and export nothing from it
        print(f"error: no database at {db} (give --db or set QUNGUARD_DB_PATH)", file=sys.stderr)
        return 2
    fmt = args.format or ("csv" if args.output and args.output.suffix.lower() == ".csv" else "jsonl")
    try:
        store = Store(db)
        try:
            items = store.decided_review_items(group_id=args.group, since=args.since, until=args.until)
            counted = _counting(items)
            chunks = export_chunks(counted, fmt)
            if args.output is None:
                for chunk in chunks:
                    sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
            else:
                _write_whole(args.output, chunks)
        finally:
            store.close()
    except (StoreUnavailable, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    where = args.output or "stdout"
    print(f"exported {counted.n} decided review items from {db} to {where} ({fmt})", file=sys.stderr)
    return 0


class _counting:
    """Passes items through, counting them."""

    def __init__(self, items) -> None:
        self.items, self.n = items, 0

    def __iter__(self):
        for item in self.items:
            self.n += 1
            yield item


def _write_whole(path: Path, chunks) -> None:
    """Write to a temporary file beside `path`, renamed over it once complete."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
