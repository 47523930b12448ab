"""Read labelled messages: the built data/ files and moderators' exports.

An export is JSONL (one object a line) or CSV (header row), with at least
`text` and `label`; other fields are ignored. A bad row raises
DatasetError naming the file and line, so an operator can fix it.
"""
from __future__ import annotations

import csv
import gzip
import json
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


def _check(path: Path, line: int, text, label) -> Example:
    if not isinstance(text, str) or not text.strip():
        raise DatasetError(f"{path}:{line}: missing or empty 'text'")
    if label not in LABELS:
        raise DatasetError(f"{path}:{line}: label {label!r} is not one of {', '.join(LABELS)}")
    return Example(text, label, f"export:{path.name}")


def read_export(path: Path) -> list[Example]:
    path = Path(path)
    out = []
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"text", "label"} <= set(reader.fieldnames):
                raise DatasetError(f"{path}: CSV header must name 'text' and 'label', got {reader.fieldnames}")
            for row in reader:
                out.append(_check(path, reader.line_num, row.get("text"), row.get("label")))
        return out
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                raise DatasetError(f"{path}:{n}: not JSON: {exc}") from None
            if not isinstance(obj, dict):
                raise DatasetError(f"{path}:{n}: expected a JSON object")
            out.append(_check(path, n, obj.get("text"), obj.get("label")))
    return out
