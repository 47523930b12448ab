"""The export of moderator-labelled messages: one record per decided review item.

What `GET /v1/export` and `qunguard export` write, and what `train.py --exports` reads
(qunguard.model.dataset.read_export needs `text` and `label`). Fields, in this order:
id, text (the words the verdict judged: a reply without the group's message it quoted, service/quotes.py), label (the moderator's final label), predicted_label (the verdict's), scores
(object; in CSV a JSON string), group_id, user_id, message_ts, decision (the item's status:
confirmed, relabelled, dismissed), moderator, decided_at, model_version, note.

Written as a stream of chunks: an export of any size costs one store page of memory.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

import orjson

from qunguard.service.quotes import judged_words

FORMATS = ("jsonl", "csv")
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}
FIELDS = ("id", "text", "label", "predicted_label", "scores", "group_id", "user_id", "message_ts", "decision",
          "moderator", "decided_at", "model_version", "note")
CHUNK_RECORDS = 200  # records per written chunk: few writes, little memory


def export_record(item: dict) -> dict:
    """A decided review item (the store's dict) as an export record."""
    return {"id": item["id"], "text": judged_words(item["text"], item["reasons"]), "label": item["final_label"],
            "predicted_label": item["label"],
            "scores": item["scores"], "group_id": item["group_id"], "user_id": item["user_id"],
            "message_ts": item["message_ts"], "decision": item["status"], "moderator": item["reviewed_by"],
            "decided_at": item["reviewed_at"], "model_version": item["model_version"], "note": item["note"]}


def export_chunks(items: Iterable[dict], fmt: str) -> Iterator[bytes]:
    """UTF-8 bytes of the export of `items`, a few hundred records a chunk; CSV starts with its header."""
    if fmt not in FORMATS:
        raise ValueError(f"export format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    write = _jsonl if fmt == "jsonl" else _csv
    if fmt == "csv":
        yield (",".join(FIELDS) + "\r\n").encode()
    batch: list[dict] = []
    for item in items:
        batch.append(export_record(item))
        if len(batch) == CHUNK_RECORDS:
            yield write(batch)
            batch = []
    if batch:
        yield write(batch)


def _jsonl(records: list[dict]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def _csv(records: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180: CRLF between records, fields quoted where needed
    for r in records:
        # scores as JSON; a missing value (a note never written) as an empty cell
        writer.writerow(orjson.dumps(v).decode() if k == "scores" else "" if v is None else v for k, v in r.items())
    return out.getvalue().encode("utf-8")
