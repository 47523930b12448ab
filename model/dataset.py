"""Read labelled messages: the built data/ files and moderators' exports.

An export is JSONL (one object a line) or CSV (header row), with at least
`text` and `label` (the moderator's final label); other fields are ignored.
A bad row (unknown label, empty text, broken JSON, bad UTF-8, a missing field)
is skipped and named as `FILE:LINE: reason`, never trained on silently; a file
that cannot be an export at all raises DatasetError.
"""
from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qunguard.model.labels import LABELS


class DatasetError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    source: str
    augmented: bool = False  # a copy of a corpus row with an attachment (data/augment.py)
    hand_labelled: bool = False  # labelled by us by the guide (data/labels/), not by a mapping rule


def read_jsonl_rows(path: Path) -> list[dict]:
    """Every object of a gzipped (name ends .gz) or plain JSONL file, blank lines skipped."""
    path = Path(path)
    with (gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def read_jsonl_gz(path: Path) -> list[Example]:
    return [Example(r["text"], r["label"], r.get("source", path.name), bool(r.get("augmented")),
                    r.get("rule") == "hand_label")
            for r in read_jsonl_rows(path)]


@dataclass
class ExportRows:
    """What an export gave: the usable rows, and one `FILE:LINE: reason` for every row skipped."""
    examples: list[Example]
    problems: list[str]


def _row_problem(text, label) -> str | None:
    """Why a row cannot be trained on, or None."""
    if text is None:
        return "missing field 'text'"
    if label is None:
        return "missing field 'label'"
    if not isinstance(text, str):
        return f"'text' is a {type(text).__name__}, not a string"
    if not text.strip():
        return "empty text"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: a JSON "\ud800" escape, or a CSV byte that was not UTF-8
        return "text is not valid UTF-8 (a lone surrogate or an undecodable byte)"
    if label not in LABELS:
        return f"unknown label {label!r} (expected one of {', '.join(LABELS)})"
    return None


def _jsonl_rows(path: Path, fh) -> Iterator[tuple[int, object, object, str | None]]:
    """(line, text, label, problem) for every non-blank line; lines are decoded one by one, so a bad byte costs one row."""
    for n, raw in enumerate(fh, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield n, None, None, f"not valid UTF-8 ({exc.reason} at byte {exc.start + 1})"
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as exc:  # the record is one line: its character says where
            yield n, None, None, f"broken JSON ({exc.msg.removesuffix(' at')} at character {exc.pos + 1})"
            continue
        if not isinstance(obj, dict):
            yield n, None, None, f"expected a JSON object, got {type(obj).__name__}"
            continue
        yield n, obj.get("text"), obj.get("label"), None


def _csv_rows(path: Path, fh) -> Iterator[tuple[int, object, object, str | None]]:
    """(first line of the row, text, label, problem) for every non-blank CSV row. Bytes that are not UTF-8 are
    kept as lone surrogates (surrogateescape) and found by _row_problem, so one costs its row, not the file."""
    reader = csv.reader(fh)
    header = next(reader, None)
    if not header or not {"text", "label"} <= set(header):
        raise DatasetError(f"{path}: CSV header must name 'text' and 'label', got {header}")
    first = reader.line_num + 1
    for row in reader:
        n, first = first, reader.line_num + 1  # a quoted field may span lines: a row is named by its first
        if not row:
            continue
        if len(row) > len(header):
            yield n, None, None, f"has {len(row)} fields; the header names {len(header)}"
            continue
        fields = dict(zip(header, row, strict=False))  # a short row leaves its last fields out
        yield n, fields.get("text"), fields.get("label"), None


def read_export(path: Path) -> ExportRows:
    """A moderators' export (JSONL, or CSV with a header): every row with a usable text and a known
    label; every other row is skipped and named in `problems`. DatasetError if the file cannot be read
    as an export at all (missing, or a CSV header without text and label)."""
    path = Path(path)
    examples, problems = [], []
    try:
        if path.suffix.lower() == ".csv":
            with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
                rows = list(_csv_rows(path, fh))
        else:
            with path.open("rb") as fh:
                rows = list(_jsonl_rows(path, fh))
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror or exc}") from None
    for n, text, label, problem in rows:
        problem = problem or _row_problem(text, label)
        if problem:
            problems.append(f"{path}:{n}: {problem}")
        else:
            assert isinstance(text, str) and isinstance(label, str)  # _row_problem checked both
            examples.append(Example(text, label, f"export:{path.name}"))
    return ExportRows(examples, problems)
