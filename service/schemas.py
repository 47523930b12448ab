"""Request and response bodies of the HTTP API (they are the OpenAPI schema)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from qunguard.service.forwards import Origin
from qunguard.service.groups import GroupSettings
from qunguard.service.hidden_links import MAX_LINK_CHARS, MAX_LINKS
from qunguard.service.store.review import check_decision
from qunguard.service.text_fields import NO_LONE_SURROGATES, WHOLE_FLOAT_AS_INT, Text

Id = Annotated[str, StringConstraints(min_length=1, max_length=128), NO_LONE_SURROGATES]
MessageId = Annotated[str, StringConstraints(max_length=128), NO_LONE_SURROGATES]
NOT_BLANK = r"[^\s\x1c-\x1f\x85]|\ufeff"  # a character that is not whitespace to Python (MessageFields.text)
Link = Annotated[str, StringConstraints(min_length=1, max_length=MAX_LINK_CHARS), NO_LONE_SURROGATES]
YEAR_3000 = 32_503_680_000  # 3000-01-01T00:00:00Z in Unix seconds: a send time past it is a bug, not a message


class ReplyToIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    text: Text = Field(..., description="the quoted message's text (Telegram: reply_to_message, its `quote`, or "
                                        "external_reply; QQ: the replied message)")
    external: bool = Field(False, description="true when it comes from another chat (Telegram's external_reply): "
                                              "then it is judged with the reply, as content the member brings in; "
                                              "false: a message of this group, judged when it was posted, left out")
    message_id: MessageId | None = Field(None, description="the quoted message's id, if the bot has it (not used to judge)")
    user_id: Annotated[str, StringConstraints(max_length=128), NO_LONE_SURROGATES] | None = Field(
        None, description="who wrote the quoted message, if the bot knows (not used to judge)")


class ForwardOriginIn(BaseModel):
    """Telegram's `forward_origin` (Bot API 7.0), passed on as the bot got it: only `type` is read."""

    # the Bot API's other fields (date, sender_user, chat, author_signature…) are accepted and not read
    model_config = ConfigDict(extra="ignore", strict=True)
    type: Origin = Field(..., description="where the forwarded message was first posted: user, hidden_user, chat or "
                                          "channel. A channel's post backs deleting an ad or a lure the model is sure of "
                                          "(service/forwards.py)")


class MessageFields(BaseModel):
    """What a message is, to classify it or to report it."""

    # strict: the types the schema declares, nothing coerced (a ts of false or "5" is refused)
    model_config = ConfigDict(extra="forbid", strict=True)
    # every str field refuses lone surrogates (service/text_fields.py): a 422 naming the field, never a model error
    group_id: Id = Field(..., description="the chat group's id, as the bot knows it")
    user_id: Id = Field(..., description="the sender's id")
    # the schema's pattern says what _not_blank checks: some character Python's str.strip() keeps. JSON Schema's \s
    # (ECMAScript's) lacks \x1c-\x1f and \x85, which Python strips, and has \ufeff, which Python keeps
    text: Text = Field(..., description="message text (placeholders such as [图片] welcome)",
                       json_schema_extra={"pattern": NOT_BLANK})
    message_id: MessageId | None = Field(None, description="echoed back in the verdict")
    # JSON may spell Infinity or NaN, and 1e308 is a float: refused, never stored as null
    ts: float | None = Field(None, ge=0, lt=YEAR_3000, allow_inf_nan=False,
                             description="send time, Unix seconds, finite and before the year 3000; default: arrival time")
    reply_to: ReplyToIn | None = Field(None, description="the message this one replies to, if it quotes one: the verdict "
                                   "judges the member's own words, not the quoted message (a WeChat quote written "
                                   "into `text` as 「name：…」 and a dashed line is read the same way)")
    forward_origin: ForwardOriginIn | None = Field(None, description=(
        "for a forwarded message, where it was first posted (Telegram's `forward_origin`). Named in the reasons "
        "(`forwarded`); a channel's post is a second signal for deleting an ad or a lure; a group's `forwards` "
        "setting can review or delete every forward"))
    is_automatic_forward: bool = Field(False, description="Telegram's is_automatic_forward: a post of the group's own "
                                                          "linked channel, which counts as no forward")
    links: list[Link] = Field(default_factory=list, max_length=MAX_LINKS, description=(
        "addresses the platform shows as words or buttons, not in `text`: Telegram's `text_link` entities and "
        "inline keyboard URL buttons, a card's jump address. Judged after the words, as if written there (a t.me "
        "invitation or a shortener is evidence; a university notice is not), and listed as `hidden_link` reasons; "
        "the review queue shows them after the words. A link the text already shows, or a `tg://user` mention, is "
        "left out"))

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text is empty or only whitespace")
        return v


class MessageIn(MessageFields):
    edited: bool = Field(False, description="true for a new text of a message sent before (Telegram's edited_message; "
                                            "send its message_id): judged like any message, so a chat line edited into an "
                                            "ad is caught, but not counted again by the flood windows, the topic profile, "
                                            "drift or the group's report")


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    messages: list[MessageIn] = Field(..., min_length=1, description="up to QUNGUARD_MAX_BATCH messages, in order")


class Scores(BaseModel):
    on_topic: float
    spam: float
    advertising: float
    flooding: float


class ReasonOut(BaseModel):
    name: str = Field(..., description="the check: contact_handle, link, burst, repeat, raid, block_word, model, evidence, ...")
    detail: str
    item_id: int | None = Field(None, description="known_campaign and allowed_by_moderator: the review item a moderator "
                                                  "decided that this message is a near-copy of (absent otherwise)")
    message_ids: list[str] | None = Field(None, description="burst and repeat: the member's earlier messages the window "
                                                        "counted; raid: the other members' copies; oldest first, so a bot "
                                                        "removes the whole flood, not only this message (messages sent "
                                                        "with a message_id; absent otherwise)")


class VerdictOut(BaseModel):
    message_id: str | None
    label: str = Field(..., description="on_topic, spam, advertising or flooding")
    scores: Scores
    action: str = Field(..., description="allow, review or delete, from the group's thresholds")
    reasons: list[ReasonOut]
    topic_score: float | None = Field(None, description="0-1: how well the message fits its group's topic profile; "
                                      "null while the group has no profile")
    topic_confidence: float | None = Field(None, description="0-1: how much topic signal the message carries at all "
                                           "(好的, 哈哈, [表情] carry next to none); null while the group has no profile")
    mute_s: int | None = Field(None, description="with a delete: seconds to mute the sender for, from the group's mute "
                               "ladder and the member's incidents in its window (a `mute` reason says which); 0: delete "
                               "without a mute; null for allow and review, and for a delete no ladder judges (a "
                               "group with `ladder_s: []`, a delete of quiet hours)")
    model_version: str


class BatchOut(BaseModel):
    verdicts: list[VerdictOut]
    count: int


class GroupOut(BaseModel):
    group_id: str
    settings: GroupSettings


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorOut(BaseModel):
    error: ErrorDetail


class ReloadIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    path: Text | None = Field(None, description="model folder to load; default: the registry's champion, else QUNGUARD_MODEL_DIR")


class ModelOut(BaseModel):
    model_version: str
    labels: list[str]
    trained_at: str | None = None


class ReviewItemOut(BaseModel):
    id: int
    message_id: str | None
    group_id: str
    user_id: str
    text: str
    label: str = Field(..., description="the verdict's label")
    action: str
    scores: Scores
    reasons: list[ReasonOut]
    model_version: str
    message_ts: float
    created_at: float
    status: str = Field(..., description="pending, confirmed, relabelled or dismissed")
    final_label: str | None = Field(..., description="the label a moderator settled on (dismissed: on_topic); null while pending")
    reviewed_by: str | None = Field(..., description="who decided it last; null while pending")
    reviewed_at: float | None = Field(..., description="when it was decided last, Unix seconds; null while pending")
    version: int = Field(..., description="1, plus 1 for every decision; send it back with a decision to refuse a stale one (409)")
    note: str | None = Field(..., description="the note of the latest decision")
    reports: int = Field(..., description="how many reported it (POST /v1/review/report), each reporter once; 0 if none did")


class ReviewListOut(BaseModel):
    data: list[ReviewItemOut] = Field(..., description="newest first")
    count: int
    next_cursor: str | None = Field(..., description="pass as `cursor` for the next page; null on the last page")


ReviewLabel = Literal["on_topic", "spam", "advertising", "flooding"]
MAX_ITEM_ID = 10**15  # exact as a JSON Schema float, and so are its neighbours (under 2**53); ids never get near it
ItemId = Annotated[int, Field(ge=1, le=MAX_ITEM_ID), WHOLE_FLOAT_AS_INT]
Note = Annotated[str, StringConstraints(max_length=2000), NO_LONE_SURROGATES]
# the schema says what _label_only_with_relabel checks: relabel names a label, confirm and dismiss none
_LABEL_ONLY_WITH_RELABEL: dict[str, Any] = {
    "if": {"properties": {"decision": {"const": "relabel"}}},
    "then": {"required": ["label"], "properties": {"label": {"type": "string"}}},
    "else": {"properties": {"label": {"type": "null"}}},
}


class _Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_LABEL_ONLY_WITH_RELABEL)
    decision: Literal["confirm", "relabel", "dismiss"] = Field(
        ..., description="confirm: the verdict was right; relabel: it was another label; dismiss: the message was fine (on_topic)")
    # validate_default: a relabel without a label is refused here, naming the field
    label: ReviewLabel | None = Field(None, validate_default=True, description="the right label; with relabel only, and required there")
    moderator: Id = Field(..., description="who decides: recorded in the item and its history")
    note: Note | None = Field(None, description="why, for the audit trail (up to 2,000 characters)")

    @field_validator("label")
    @classmethod
    def _label_only_with_relabel(cls, v: str | None, info: ValidationInfo) -> str | None:
        decision = info.data.get("decision")
        if decision is not None:  # else the decision itself was refused, and is reported
            try:
                check_decision(decision, v)
            except ValueError as exc:
                raise PydanticCustomError("label_and_decision", str(exc)) from None
        return v


class ReportIn(MessageFields):
    message_id: MessageId | None = Field(None, description="the reported message's id as the bot knows it: a second report of "
                                                          "it finds the item queued already")
    reported_by: Id = Field(..., description="who reports it (a member's or a moderator's id); each reporter counts once "
                                             "(GET /v1/review/{id}/reports), the first one also in the item's `reported` reason")
    label: ReviewLabel | None = Field(None, description="the label the reporter thinks it deserves: recorded; a moderator decides")
    note: Note | None = Field(None, description="why, in the reporter's words: recorded with the report")


class DecisionIn(_Decision):
    version: ItemId | None = Field(None, description="the item's version the decision was made on: 409 if it is no longer current")


class BulkDecisionIn(_Decision):
    ids: list[ItemId] = Field(..., min_length=1, max_length=1000,
                              description="up to 1,000 item ids, all decided in one transaction or none (404 naming a missing one)")


class UndoIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    moderator: Id = Field(..., description="who undoes: recorded in the history")
    version: ItemId | None = Field(None, description="the item's version the undo was asked on: 409 if it is no longer current")


class BulkDecisionOut(BaseModel):
    data: list[ReviewItemOut] = Field(..., description="the items after the decision, in the order of the ids")
    count: int


class ItemState(BaseModel):
    status: str
    final_label: str | None
    reviewed_by: str | None
    reviewed_at: float | None
    version: int
    note: str | None


class HistoryEntryOut(BaseModel):
    id: int
    item_id: int
    group_id: str
    moderator: str = Field(..., description="who decided")
    at: float = Field(..., description="when, Unix seconds")
    decision: str = Field(..., description="confirm, relabel, dismiss or undo")
    before: ItemState
    after: ItemState
    note: str | None


class HistoryOut(BaseModel):
    item_id: int
    data: list[HistoryEntryOut] = Field(..., description="oldest first")
    count: int


class ReportEntryOut(BaseModel):
    reported_by: str
    label: str | None = Field(..., description="the label the reporter suggested")
    note: str | None
    at: float = Field(..., description="when they first reported it, Unix seconds")


class ReportsOut(BaseModel):
    item_id: int
    data: list[ReportEntryOut] = Field(..., description="oldest first; a reporter's later reports of the item add nothing")
    count: int


class ConflictOut(BaseModel):
    error: ErrorDetail
    current: ReviewItemOut = Field(..., description="the item as it is now: its version and state")


class FeatureLibraryMismatch(BaseModel):
    mismatch: dict[str, list[str]] = Field(..., description="library -> [version trained with, version installed]")


class HealthOut(BaseModel):
    status: str = Field(..., description="ok, or degraded when the store is not writable or the flood windows are unreachable")
    model_version: str
    store_writable: bool
    flood_windows: str = Field(..., description="ok or unavailable")
    pid: int = Field(..., description="the answering worker's process id")
    feature_libraries: Literal["match"] | FeatureLibraryMismatch = Field(
        ..., description='"match" when the libraries that define features (rjieba, jieba, pypinyin, opencc, emoji, numpy) '
                         "are the versions the model was trained with, else which differ")


class ExamplesIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    texts: list[Text] = Field(..., min_length=1, max_length=5000, description="example messages of the group's topic, as members "
                                                                "would write them (5 or more with content words)")


DriftPoint = Annotated[list[float], Field(min_length=2, max_length=2, description="[ts (Unix seconds), drift (0-1)]")]


class TermOut(BaseModel):
    term: str
    weight: float


class LearningOut(BaseModel):
    texts: int = Field(..., description="legitimate messages buffered so far")
    needed: int = Field(..., description="QUNGUARD_TOPIC_LEARN_MESSAGES")


class ProfileOut(BaseModel):
    group_id: str
    source: Literal["description", "examples", "learned"] | None = Field(
        ..., description="where the profile comes from; null while the group has none")
    n_texts: int = Field(..., description="texts the profile was built from")
    low_confidence: bool = Field(..., description="built from too few texts to act on (the off-topic policy does not)")
    top_terms: list[TermOut]
    learning: LearningOut | None = Field(..., description="while the group learns its profile from its own traffic")
    note: str | None = Field(..., description="why the description or the traffic gave no profile, if so")


class DriftOut(BaseModel):
    group_id: str
    drift: float | None = Field(..., description="0-1: how far the group's recent legitimate talk sits from its "
                                                 "profile; null while it has no profile")
    alert: bool
    history: list[DriftPoint] = Field(..., description="[ts, drift] points, oldest first")
    drivers: list[str] = Field(..., description="terms the group talks about instead of its topic")


class MemberCount(BaseModel):
    user_id: str
    count: int


class TopMembers(BaseModel):
    flooding: list[MemberCount]
    advertising: list[MemberCount]


class SilentMember(BaseModel):
    user_id: str
    last_seen: float
    messages: int


class LabelsDay(BaseModel):
    day: str = Field(..., description="YYYY-MM-DD in the group's time zone")
    counts: dict[str, int]


class ReportOut(BaseModel):
    group_id: str
    days: int
    timezone: str = Field(..., description="the group's quiet-hours time zone, else Asia/Shanghai")
    messages_per_hour: list[int] = Field(..., description="24 counts, by hour of day in the group's time zone")
    labels_per_day: list[LabelsDay]
    top_members: TopMembers = Field(..., description="members with the most flagged (review or delete) verdicts")
    silent_members: list[SilentMember] = Field(..., description="seen before, nothing in the last `days` days; "
                                                                "the longest silent first")
    drift: list[DriftPoint] = Field(..., description="[ts, drift] points of the drift history")


# the error statuses of the API, in the one error shape (service/errors.py lists the codes);
# these tables are typed as FastAPI's `responses=` parameter is
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 413, 415, 422, 503)}

# /healthz answers 503 with the same body when the store is not writable
HEALTH_RESPONSES: dict[int | str, dict[str, Any]] = {503: {"model": HealthOut, "description": "the store is not writable"}}
# a decision on a stale version, or an undo with nothing left to undo: the error and the item as it is now
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": ConflictOut, "description": "version_conflict or nothing_to_undo"}}
# a report of a message queued already answers 200 with that item; a new one 201
REPORTED_AGAIN: dict[int | str, dict[str, Any]] = {200: {"model": ReviewItemOut, "description": "the message was queued already: that item"}}
# GET /v1/export streams JSON lines or CSV, not one JSON body
EXPORT_CONTENT: dict[int | str, dict[str, Any]] = {200: {"description": "one record per decided item (see the README)",
                                                          "content": {"application/x-ndjson": {"schema": {"type": "string"}},
                                                                      "text/csv": {"schema": {"type": "string"}}}}}
# /metrics is Prometheus' text exposition format, not JSON
METRICS_TEXT: dict[int | str, dict[str, Any]] = {200: {"description": "Prometheus text exposition format 0.0.4",
                                                        "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}}}}
