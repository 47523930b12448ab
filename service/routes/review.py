"""The review queue: list and read flagged messages, decide on them (one or many), undo, the
audit trail of every decision, and the export of the decided ones: moderators and admins. And a way
in for what the model let through: a bot (or a moderator) reports a message, and it is queued.

Decisions are the store's (service/store/review.py): one transaction each, with its history
row and the `review` revision bump. A stale `version` is a 409 with the item as it is now
(errors.py), so two moderators never silently overwrite each other.
"""
from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import StreamingResponse

from qunguard.service.errors import APIError
from qunguard.service.exports import MEDIA_TYPES, export_chunks
from qunguard.service.json_response import JSONBytes
from qunguard.service.metrics import Metrics
from qunguard.service.routes.classify import engine_message
from qunguard.service.routes.deps import AsModerator, AsReader, MetricsDep, ModeratorDep, SettingsDep
from qunguard.service.schemas import (
    CONFLICT,
    ERRORS,
    EXPORT_CONTENT,
    MAX_ITEM_ID,
    REPORTED_AGAIN,
    YEAR_3000,
    BulkDecisionIn,
    BulkDecisionOut,
    DecisionIn,
    HistoryOut,
    ReportIn,
    ReportsOut,
    ReviewItemOut,
    ReviewLabel,
    ReviewListOut,
    UndoIn,
)
from qunguard.service.store import ReviewItemNotFound

router = APIRouter(tags=["review"])

ItemIdPath = Annotated[int, Path(ge=1, le=MAX_ITEM_ID, description="the review item's id")]
GroupFilter = Annotated[str | None, Query(min_length=1, max_length=128, description="only this group's items")]
Since = Annotated[float | None, Query(ge=0, lt=YEAR_3000, allow_inf_nan=False,
                                      description="message time at or after this, Unix seconds")]
Until = Annotated[float | None, Query(ge=0, lt=YEAR_3000, allow_inf_nan=False,
                                      description="message time before this, Unix seconds")]
# a page ends with an item id, written in base 36: 12 digits hold any id SQLite can give
CURSOR_PATTERN = "^[0-9a-z]{1,12}$"


def _cursor(item_id: int) -> str:
    digits = ""
    while True:
        item_id, d = divmod(item_id, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[d] + digits
        if not item_id:
            return digits


def record_decisions(moderator, metrics: Metrics, decision: str, n: int) -> None:
    """After a committed decision on n items: count it, and let what learns from decisions catch up."""
    metrics.review_decisions.labels(decision).inc(n)
    moderator.review_decided()


@router.get("/v1/review", response_model=ReviewListOut, responses=ERRORS, summary="Flagged messages, newest first")
def list_review_items(
    moderator: ModeratorDep, _: AsModerator,
    status: Annotated[list[Literal["pending", "confirmed", "relabelled", "dismissed"]] | None,
                      Query(description="repeat for several; default: pending")] = None,
    group_id: GroupFilter = None,
    label: Annotated[ReviewLabel | None, Query(description="the verdict's label")] = None,
    action: Annotated[Literal["allow", "review", "delete"] | None, Query(description="the verdict's action")] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1, allow_inf_nan=False,
                                             description="the score of the item's label is at least this")] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1, allow_inf_nan=False,
                                             description="the score of the item's label is at most this")] = None,
    since: Since = None,
    until: Until = None,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN, description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
):
    rows = moderator.store.review_items(
        status=status or "pending", group_id=group_id, label=label, action=action, min_score=min_score,
        max_score=max_score, since=since, until=until, before_id=int(cursor, 36) if cursor else None, limit=limit + 1)
    page = rows[:limit]
    next_cursor = _cursor(page[-1]["id"]) if len(rows) > limit else None  # one more row: there is a next page
    return JSONBytes({"data": page, "count": len(page), "next_cursor": next_cursor})


# ids are digits ({item_id:int}): "bulk" is never taken for one, and GET of it is a 405
@router.post("/v1/review/bulk", response_model=BulkDecisionOut, responses=ERRORS,
             summary="The same decision on many items, all or none")
def decide_many(body: BulkDecisionIn, moderator: ModeratorDep, metrics: MetricsDep, _: AsModerator):
    try:
        items = moderator.store.decide_review_items(body.ids, decision=body.decision, moderator=body.moderator,
                                                    label=body.label, note=body.note)
    except ReviewItemNotFound as exc:
        raise APIError(404, "unknown_review_item", f"{exc}; nothing was decided", "ids") from None
    record_decisions(moderator, metrics, body.decision, len(items))
    return JSONBytes({"data": items, "count": len(items)})


@router.post("/v1/review/report", response_model=ReviewItemOut, status_code=201, responses=ERRORS | REPORTED_AGAIN,
             summary="Queue a message someone reported (201), or find it queued already (200)")
def report(body: ReportIn, moderator: ModeratorDep, settings: SettingsDep, metrics: MetricsDep, _: AsReader) -> Response:
    message = engine_message(body, settings.max_message_chars, "text")
    item, added = moderator.report(message, body.reported_by, body.label, body.note)
    metrics.review_reports.labels("queued" if added else "found_queued").inc()
    return JSONBytes(item, status_code=201 if added else 200)


@router.get("/v1/review/{item_id:int}", response_model=ReviewItemOut, responses=ERRORS, summary="One review item")
def get_review_item(item_id: ItemIdPath, moderator: ModeratorDep, _: AsModerator):
    item = moderator.store.get_review_item(item_id)
    if item is None:
        raise ReviewItemNotFound(item_id)
    return JSONBytes(item)


@router.post("/v1/review/{item_id:int}", response_model=ReviewItemOut, responses=ERRORS | CONFLICT,
             summary="Confirm, relabel or dismiss one item")
def decide(item_id: ItemIdPath, body: DecisionIn, moderator: ModeratorDep, metrics: MetricsDep, _: AsModerator):
    item = moderator.store.decide_review_item(item_id, decision=body.decision, moderator=body.moderator,
                                              label=body.label, note=body.note, expected_version=body.version)
    record_decisions(moderator, metrics, body.decision, 1)
    return JSONBytes(item)


@router.post("/v1/review/{item_id:int}/undo", response_model=ReviewItemOut, responses=ERRORS | CONFLICT,
             summary="Restore the state before the latest decision")
def undo(item_id: ItemIdPath, body: UndoIn, moderator: ModeratorDep, metrics: MetricsDep, _: AsModerator):
    item = moderator.store.undo_review_decision(item_id, moderator=body.moderator, expected_version=body.version)
    record_decisions(moderator, metrics, "undo", 1)
    return JSONBytes(item)


@router.get("/v1/review/{item_id:int}/reports", response_model=ReportsOut, responses=ERRORS,
            summary="Who reported an item, oldest first")
def list_reports(item_id: ItemIdPath, moderator: ModeratorDep, _: AsModerator):
    return _entries(moderator, item_id, moderator.store.item_reports)


@router.get("/v1/review/{item_id:int}/history", response_model=HistoryOut, responses=ERRORS,
            summary="Every decision on an item, oldest first")
def history(item_id: ItemIdPath, moderator: ModeratorDep, _: AsModerator):
    return _entries(moderator, item_id, moderator.store.review_history)


def _entries(moderator, item_id: int, read: Callable[[int], list[dict]]) -> JSONBytes:
    """One item's list (its decisions, its reports), oldest first; 404 for an item that does not exist."""
    if moderator.store.get_review_item(item_id) is None:
        raise ReviewItemNotFound(item_id)
    entries = read(item_id)
    return JSONBytes({"item_id": item_id, "data": entries, "count": len(entries)})


@router.get("/v1/export", response_class=StreamingResponse, responses=EXPORT_CONTENT | ERRORS,
            summary="The decided items, as training data: JSON lines or CSV")
def export(moderator: ModeratorDep, _: AsModerator, format: Literal["jsonl", "csv"] = "jsonl",
           group_id: GroupFilter = None, since: Since = None, until: Until = None):
    items = moderator.store.decided_review_items(group_id=group_id, since=since, until=until)
    # the first page is read now: a store that cannot be read is a 503, not a response cut short
    first = next(items, None)
    chunks = export_chunks(chain([first], items) if first is not None else (), format)
    return StreamingResponse(chunks, media_type=MEDIA_TYPES[format],
                             headers={"Content-Disposition": f'attachment; filename="qunguard-export.{format}"'})
