"""The `qunguard` command.

    qunguard classify IN [-o OUT] [--model DIR]

IN is JSONL (one object a line with at least "text"; other fields pass
through) or CSV with a header naming a `text` column; `-` reads JSONL from
stdin. An optional "links" (JSONL: a list of strings; CSV: a column of
space-separated addresses) holds the addresses a platform hid behind the words
or under buttons, judged after the words as the API's `links` are (a
`hidden_link` reason each). Every input line (every row after a CSV's header) gives exactly one
output line, in order, carrying the input's line number as `line` (1-based;
it replaces an input field of that name):
  - a verdict: the input's fields plus `line`, `label`, `scores` and `reasons`;
  - or an error: {"line": N, "error": {"code": "invalid_line", "message": ...}}
    for a blank line, bad JSON or UTF-8, or a missing, empty, too long or
    broken text (a lone surrogate); the same message goes to stderr.
Exit status: 0 every line got a verdict; 1 the run finished but some lines
got an error line instead, or the reader of stdout went away (`| head`);
2 nothing could run (unreadable input, unwritable output, bad model).
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

import orjson

from qunguard.model import artifact
from qunguard.model.errors import InvalidMessageError, ModelArtifactError
from qunguard.service.surrogates import has_lone_surrogate, lone_surrogate_problem

if TYPE_CHECKING:
    from qunguard.model.classifier import MessageClassifier
    from qunguard.model.normalize import Normalized

BATCH = 512

Record = tuple[int, dict | None, str | None]  # line number, record, what is wrong with the line


# --- reading: one (line, record, error) for every input line ---------------------------------
def _records(stream, is_csv: bool) -> Iterator[Record]:
    return _csv_records(stream) if is_csv else _jsonl_records(stream)


def _jsonl_records(stream) -> Iterator[Record]:
    for n, raw in enumerate(stream, 1):
        try:
            # decode line by line, so one bad byte costs one line, not the file
            line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError as exc:
            yield n, None, f"not valid UTF-8 ({exc.reason} at byte {exc.start + 1})"
            continue
        yield n, *_parse_json_line(line)


def _parse_json_line(line: str) -> tuple[dict | None, str | None]:
    if not line.strip():
        return None, "blank line"  # an error line all the same: output stays aligned with input
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        # the record is one line: its column says it all ("line 1 column 12" would not)
        return None, f"not valid JSON ({exc.msg} at character {exc.pos + 1})"
    if not isinstance(obj, dict):
        return None, "expected a JSON object with a 'text' field"
    return obj, None


def _csv_records(stream) -> Iterator[Record]:
    reader = csv.reader(stream)
    header = next(reader, None)
    if not header or "text" not in header:
        raise ValueError(f"CSV header must name a 'text' column, got {header}")
    first = reader.line_num + 1
    for row in reader:
        yield first, *_csv_row(header, row)
        first = reader.line_num + 1  # a quoted field may span lines: a row is named by its first


def _csv_row(header: list[str], row: list[str]) -> tuple[dict | None, str | None]:
    if not row:
        return None, "blank line"
    if len(row) > len(header):
        return None, f"has {len(row)} fields; the header names {len(header)}"
    record: dict = dict(zip(header, row, strict=False))  # a short row leaves its last fields out
    if "links" in record:  # a CSV cell: the addresses separated by spaces
        record["links"] = record["links"].split()
    return record, None


# --- checking and classifying -----------------------------------------------------------------
class _Judged(NamedTuple):
    norm: Normalized
    text: str  # the words, then the links they hide
    links: list[str]  # the hidden links judged after the words


class _Texts:
    """Checks and normalises each record's text with the model's own functions."""

    def __init__(self) -> None:
        # imported once a run, not at the top: `serve --workers` never builds the normaliser's tables
        from qunguard.model.classifier import check_message
        from qunguard.model.normalize import normalize

        self._check, self._normalize = check_message, normalize

    def judged(self, record: dict) -> tuple[_Judged | None, str | None]:
        """The record's text as the verdict judges it (normalised, with its hidden links), or what is wrong with it."""
        from qunguard.service.hidden_links import hidden, with_links

        problem = self._problem(record)
        if problem is not None:
            return None, problem
        links, problem = _links(record.get("links"))
        if problem is not None:
            return None, problem
        shown = hidden(record["text"], links)
        text = with_links(record["text"], shown)
        try:
            return _Judged(self._normalize(text), text, shown), None
        except Exception as exc:  # noqa: BLE001 - one line's failure must not end the run
            return None, f"could not be normalised ({exc!r})"

    def _problem(self, record: dict) -> str | None:
        if "text" not in record:
            return "missing 'text' field"
        try:
            text = self._check(record["text"])
        except InvalidMessageError as exc:
            return str(exc)
        problem = lone_surrogate_problem(text)  # refused as the API refuses it (422)
        return None if problem is None else f"text {problem}"


def _links(value: object) -> tuple[list[str], str | None]:
    """A record's `links` as the API takes them (at most 20 addresses of 1 to 2,048 characters), or what is wrong."""
    from qunguard.service.hidden_links import MAX_LINK_CHARS, MAX_LINKS

    if value is None:
        return [], None
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
        return [], "'links' must be a list of strings"
    if len(value) > MAX_LINKS:
        return [], f"'links' holds {len(value)} addresses; at most {MAX_LINKS}"
    for i, u in enumerate(value):
        if not 1 <= len(u) <= MAX_LINK_CHARS:
            return [], f"links.{i} must be 1 to {MAX_LINK_CHARS} characters, got {len(u)}"
        if (problem := lone_surrogate_problem(u)) is not None:
            return [], f"links.{i} {problem}"
    return value, None


def _dumps(row: dict) -> str:
    # orjson writes; json still reads each line: orjson.loads turns an integer past 64 bits into a float
    try:
        return orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE).decode()  # ~10x faster than json.dumps
    except (orjson.JSONEncodeError, TypeError):  # what it refuses: a lone surrogate or an integer past 64 bits
        pass
    line = json.dumps(row, ensure_ascii=False)
    if has_lone_surrogate(line):  # a passed-through field holds one: escaped, so the line can be written
        line = json.dumps(row)
    return line + "\n"


class _Output:
    """Writes verdict and error lines, and counts them."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err
        self.ok = self.failed = 0

    def verdict(self, n: int, record: dict, verdict: dict) -> None:
        row = {"line": n, **record, **verdict}
        row["line"] = n  # the input's line number wins over an input field of that name
        self.out.write(_dumps(row))
        self.ok += 1

    def error(self, n: int, message: str) -> None:
        from tqdm import tqdm

        self.out.write(_dumps({"line": n, "error": {"code": "invalid_line", "message": message}}))
        tqdm.write(f"line {n}: {message}", file=self.err)  # a plain print when no progress bar is shown
        self.failed += 1


class _Batches:
    """Good lines wait here and are classified BATCH at a time (the fast path); a batch that
    fails is classified again line by line, so only the line at fault gets an error."""

    def __init__(self, clf: MessageClassifier, output: _Output) -> None:
        self.clf, self.output = clf, output
        self.pending: list[tuple[int, dict, _Judged]] = []

    def add(self, n: int, record: dict, judged: _Judged) -> None:
        self.pending.append((n, record, judged))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if batch:
            self._classify(batch)

    def _classify(self, batch: list[tuple[int, dict, _Judged]]) -> None:
        from qunguard.service.hidden_links import reasons

        try:
            verdicts = self.clf.classify_normalized([j.norm for _, _, j in batch], texts=[j.text for _, _, j in batch])
        except Exception as exc:  # noqa: BLE001 - one line's failure must not end the run
            if len(batch) == 1:
                self.output.error(batch[0][0], f"could not be classified ({exc!r})")
            else:
                for item in batch:
                    self._classify([item])
            return
        for (n, record, judged), verdict in zip(batch, verdicts, strict=True):
            row = verdict.as_dict()
            if judged.links:
                row["reasons"] = row["reasons"] + reasons(judged.links)
            self.output.verdict(n, record, row)


def classify_stream(clf: MessageClassifier, stream, out: TextIO, is_csv: bool, err=sys.stderr,
                    progress: Callable[[Iterator[Record]], Iterator[Record]] | None = None) -> tuple[int, int]:
    """Write one output line for every input line, in input order; returns (classified, failed).
    `progress` wraps the input's records (a progress bar)."""
    texts, output = _Texts(), _Output(out, err)
    batches = _Batches(clf, output)
    records = _records(stream, is_csv)
    for n, record, error in progress(records) if progress else records:
        judged = None
        if error is None:
            assert record is not None  # every line has a record or an error
            judged, error = texts.judged(record)
        if error is None:
            assert record is not None and judged is not None  # judged() gives a text or a problem
            batches.add(n, record, judged)
        else:
            batches.flush()  # keep output in input order
            output.error(n, error)
    batches.flush()
    return output.ok, output.failed


# --- the command ------------------------------------------------------------------------------
def _open_input(path: str, is_csv: bool):
    if path == "-":
        return contextlib.nullcontext(sys.stdin.buffer)
    if is_csv:
        return open(path, encoding="utf-8-sig", errors="strict", newline="")
    return open(path, "rb")


def _count_lines(path: str) -> int | None:
    """Lines in a file, for the progress bar's total (one quick pass over the bytes); None for stdin."""
    if path == "-":
        return None
    with open(path, "rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def _progress_bar(path: str, err: TextIO):
    """A progress bar on `err` when a person watches it (a terminal); None for a pipe or a file."""
    if not err.isatty():
        return None
    from tqdm import tqdm

    total = _count_lines(path)
    return lambda records: tqdm(records, total=total, unit="line", file=err, mininterval=0.5)


def _open_output(path: str | None):
    if path is None:
        return contextlib.nullcontext(sys.stdout)
    return open(path, "w", encoding="utf-8")


def cmd_classify(args: argparse.Namespace) -> int:
    try:
        clf, meta = artifact.load(args.model)
    except ModelArtifactError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    is_csv = args.input != "-" and args.input.lower().endswith(".csv")
    with contextlib.ExitStack() as files:
        try:
            src = files.enter_context(_open_input(args.input, is_csv))
        except OSError as exc:
            print(f"error: cannot read {args.input}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        try:
            dst = files.enter_context(_open_output(args.output))
        except OSError as exc:  # a missing folder, no permission: one line, not a traceback
            print(f"error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        try:
            ok, failed = classify_stream(clf, src, dst, is_csv, progress=_progress_bar(args.input, sys.stderr))
        except UnicodeDecodeError as exc:
            print(f"error: {args.input} is not valid UTF-8 ({exc.reason} at byte {exc.start})", file=sys.stderr)
            return 2
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(f"{ok} classified, {failed} failed (model {meta['model_version']})", file=sys.stderr)
    return 1 if failed else 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn
    from pydantic import ValidationError

    from qunguard.service.config import Settings, report_invalid

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port), ("db_path", args.db), ("workers", args.workers))
                 if v is not None}
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        report_invalid(exc)
        return 2
    if settings.auth == "off":
        print("warning: QUNGUARD_AUTH=off: every endpoint is open to anyone who can reach this port", file=sys.stderr)
    if settings.workers > 1:
        return _serve_workers(settings, overrides)
    from qunguard.service.app import create_app

    try:
        app = create_app(settings)
    except ModelArtifactError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from qunguard.service.workers import check_port_free

    try:
        check_port_free(settings.host, settings.port)  # before saying where we listen
    except OSError as exc:
        print(f"error: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 2
    _say_listening(settings, app.state.moderator.model.version)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
    return 0


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("qunguard")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _say_listening(settings, model_version: str) -> None:
    """The one line a person starting the service needs: where, how many workers, which model, which store."""
    workers = f"{settings.workers} worker{'s' if settings.workers > 1 else ''}"
    print(f"qunguard {_package_version()} listening on http://{settings.host}:{settings.port} ({workers}, "
          f"model {model_version} from {settings.model_to_serve()}, store {settings.db_path})", flush=True)


def _serve_workers(settings, overrides: dict) -> int:
    """QUNGUARD_WORKERS processes on one port (service/workers.py), after its pre-flight has
    checked, once, what they share: the model, Redis, the store, the port."""
    from qunguard.service.workers import PreflightError, preflight, serve_workers

    try:
        ready = preflight(settings, overrides)
    except PreflightError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _say_listening(settings, ready.model_version)
    return serve_workers(settings.host, settings.port, settings.workers)


SERVE_HELP = """Start the HTTP API. Settings come from QUNGUARD_* environment variables (README.md,
"Configuration"); the options below override a few of them.

Tokens and auth:
  Every request sends "Authorization: Bearer <token>". QUNGUARD_TOKENS lists the tokens as
  role:token pairs, comma-separated; the roles are
    bot        classify messages
    moderator  group settings and the review queue
    admin      everything, and model reload
  A token needs 8+ characters; make each with `openssl rand -hex 16`:
    QUNGUARD_TOKENS="bot:$(openssl rand -hex 16),admin:$(openssl rand -hex 16)" qunguard serve
  e.g. QUNGUARD_TOKENS="bot:3f9c1e0a7b2d4c6e8f1a2b3c4d5e6f70" for one bot.
  Without tokens the service refuses to start, unless QUNGUARD_AUTH=off, which serves every
  endpoint to anyone who can reach the port: for local use only.
"""


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="qunguard", description="QunGuard: moderation verdicts for Chinese group chats")
    ap.add_argument("--version", action="version", version=f"qunguard {_package_version()}")
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("classify", help="classify messages from a JSONL or CSV file", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("input", help="JSONL or CSV file, or - for JSONL on stdin")
    c.add_argument("-o", "--output", help="write verdicts here (default stdout)")
    c.add_argument("--model", type=Path, default=artifact.SHIPPED, help="model folder (default: the shipped model)")
    c.set_defaults(func=cmd_classify)
    s = sub.add_parser("serve", help="start the HTTP API (settings from QUNGUARD_* environment variables)",
                       description=SERVE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--host", help="overrides QUNGUARD_HOST")
    s.add_argument("--port", type=int, help="overrides QUNGUARD_PORT")
    s.add_argument("--db", type=Path, help="SQLite file; overrides QUNGUARD_DB_PATH")
    s.add_argument("--workers", type=int, help="worker processes; overrides QUNGUARD_WORKERS (more than 1 needs Redis)")
    s.set_defaults(func=cmd_serve)
    from qunguard.service.commands import export, models, replay, report, users  # each adds its own subcommand

    for command in (users, export, models, report, replay):
        command.register(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        # the reader went away (`qunguard report G | head`): stop quietly, as other command-line tools do; stdout
        # goes to devnull so that the interpreter's own flush at exit does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
