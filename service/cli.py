"""The `qunguard` command.

    qunguard classify IN [-o OUT] [--model DIR]

IN is JSONL (one object a line with at least "text"; other fields pass
through) or CSV with a header naming a `text` column; `-` reads JSONL from
stdin. Each input line gives one output line: the input's fields plus
`label`, `scores` and `reasons`, or `line` and `error` when that line is bad.
Exit status: 0 all lines classified, 1 some lines failed, 2 nothing could run
(unreadable input, bad model).
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from model import artifact
from model.errors import InvalidMessageError, ModelArtifactError

if TYPE_CHECKING:
    from model.classifier import MessageClassifier

BATCH = 512


def _records(stream, is_csv: bool) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, record, error) for every input line."""
    if is_csv:
        reader = csv.DictReader(stream)
        if not reader.fieldnames or "text" not in reader.fieldnames:
            raise ValueError(f"CSV header must name a 'text' column, got {reader.fieldnames}")
        for row in reader:
            yield reader.line_num, dict(row), None
        return
    for n, raw in enumerate(stream, 1):
        try:
            # decode line by line, so one bad byte costs one line, not the file
            line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError as exc:
            yield n, None, f"not valid UTF-8 ({exc.reason} at byte {exc.start})"
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield n, None, f"not valid JSON: {exc}"
            continue
        if not isinstance(obj, dict):
            yield n, None, "expected a JSON object with a 'text' field"
            continue
        yield n, obj, None


def classify_stream(clf: MessageClassifier, stream, out: TextIO, is_csv: bool, err=sys.stderr) -> tuple[int, int]:
    from model.classifier import check_message
    from model.normalize import normalize  # imported here: `serve --workers` never builds its tables

    ok = failed = 0
    pending: list[tuple[dict, object]] = []

    def flush() -> None:
        nonlocal ok
        if not pending:
            return
        verdicts = clf.classify_normalized([norm for _, norm in pending])
        for (record, _), verdict in zip(pending, verdicts):
            out.write(json.dumps({**record, **verdict.as_dict()}, ensure_ascii=False) + "\n")
        ok += len(pending)
        pending.clear()

    for n, record, error in _records(stream, is_csv):
        if error is None:
            try:
                norm = normalize(check_message(record.get("text")))
            except InvalidMessageError as exc:
                error = str(exc) if "text" in record else "missing 'text' field"
        if error is not None:
            flush()  # keep output in input order
            out.write(json.dumps({"line": n, "error": {"code": "invalid_line", "message": error}}, ensure_ascii=False) + "\n")
            print(f"line {n}: {error}", file=err)
            failed += 1
            continue
        pending.append((record, norm))
        if len(pending) >= BATCH:
            flush()
    flush()
    return ok, failed


def cmd_classify(args: argparse.Namespace) -> int:
    try:
        clf, meta = artifact.load(args.model)
    except ModelArtifactError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    is_csv = args.input != "-" and args.input.lower().endswith(".csv")
    try:
        if args.input == "-":
            src = sys.stdin.buffer
        elif is_csv:
            src = open(args.input, encoding="utf-8-sig", errors="strict", newline="")
        else:
            src = open(args.input, "rb")
    except OSError as exc:
        print(f"error: cannot read {args.input}: {exc}", file=sys.stderr)
        return 2
    dst = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        ok, failed = classify_stream(clf, src, dst, is_csv)
    except UnicodeDecodeError as exc:
        print(f"error: {args.input} is not valid UTF-8 ({exc.reason} at byte {exc.start})", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if src is not sys.stdin.buffer:
            src.close()
        if dst is not sys.stdout:
            dst.close()
    print(f"{ok} classified, {failed} failed (model {meta['model_version']})", file=sys.stderr)
    return 1 if failed else 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn
    from pydantic import ValidationError

    from service.config import Settings

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port), ("db_path", args.db), ("workers", args.workers))
                 if v is not None}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        for err in exc.errors():
            print(f"error: {err['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        return 2
    if settings.auth == "off":
        print("warning: QUNGUARD_AUTH=off: every endpoint is open to anyone who can reach this port", file=sys.stderr)
    if settings.workers > 1:
        return _serve_workers(settings, overrides)
    from service.app import create_app

    try:
        app = create_app(settings)
    except ModelArtifactError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
    return 0


def _serve_workers(settings, overrides: dict) -> int:
    """QUNGUARD_WORKERS processes on one port (service/workers.py). What they share is
    checked here, once, before any of them starts: the model, Redis, the port."""
    import os
    import tempfile

    import redis

    from service.store import Store
    from service.workers import check_port_free, serve_workers

    try:
        artifact.check(settings.model_dir)  # not loaded here: this process only watches the workers
    except ModelArtifactError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2.0).ping()
    except redis.RedisError as exc:
        print(f"error: QUNGUARD_REDIS_URL={settings.redis_url} cannot be reached ({exc}); "
              "the workers share their flood windows there", file=sys.stderr)
        return 2
    store = Store(settings.db_path)
    store.bump_revision("model", str(settings.model_dir))  # this run starts with the configured model
    store.close()
    try:
        check_port_free(settings.host, settings.port)
    except OSError as exc:
        print(f"error: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 2
    # the workers are new processes: they read the same settings from the environment
    for name, value in overrides.items():
        os.environ[f"QUNGUARD_{name.upper()}"] = str(value)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="qunguard-metrics-")
    return serve_workers(settings.host, settings.port, settings.workers)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="qunguard", description="QunGuard: moderation verdicts for Chinese group chats")
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("classify", help="classify messages from a JSONL or CSV file", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("input", help="JSONL or CSV file, or - for JSONL on stdin")
    c.add_argument("-o", "--output", help="write verdicts here (default stdout)")
    c.add_argument("--model", type=Path, default=artifact.SHIPPED, help="model folder (default: the shipped model)")
    c.set_defaults(func=cmd_classify)
    s = sub.add_parser("serve", help="start the HTTP API (settings from QUNGUARD_* environment variables)")
    s.add_argument("--host", help="overrides QUNGUARD_HOST")
    s.add_argument("--port", type=int, help="overrides QUNGUARD_PORT")
    s.add_argument("--db", type=Path, help="SQLite file; overrides QUNGUARD_DB_PATH")
    s.add_argument("--workers", type=int, help="worker processes; overrides QUNGUARD_WORKERS (more than 1 needs Redis)")
    s.set_defaults(func=cmd_serve)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
