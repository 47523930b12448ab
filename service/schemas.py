"""Request and response bodies of the HTTP API (they are the OpenAPI schema)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from qunguard.service.groups import GroupSettings
from qunguard.service.surrogates import NO_LONE_SURROGATES, Text

Id = Annotated[str, StringConstraints(min_length=1, max_length=128), NO_LONE_SURROGATES]
MessageId = Annotated[str, StringConstraints(max_length=128), NO_LONE_SURROGATES]
YEAR_3000 = 32_503_680_000  # 3000-01-01T00:00:00Z in Unix seconds: a send time past it is a bug, not a message


class MessageIn(BaseModel):
    # strict: the types the schema declares, nothing coerced (a ts of false or "5" is refused)
    model_config = ConfigDict(extra="forbid", strict=True)
    # every str field refuses lone surrogates (service/surrogates.py): a 422 naming the field, never a model error
    group_id: Id = Field(..., description="the chat group's id, as the bot knows it")
    user_id: Id = Field(..., description="the sender's id")
    # the schema's pattern says what _not_blank checks: some character that is not whitespace
    text: Text = Field(..., description="message text (placeholders such as [图片] welcome)", json_schema_extra={"pattern": r"\S"})
    message_id: MessageId | None = Field(None, description="echoed back in the verdict")
    # JSON may spell Infinity or NaN, and 1e308 is a float: refused, never stored as null
    ts: float | None = Field(None, ge=0, lt=YEAR_3000, allow_inf_nan=False,
                             description="send time, Unix seconds, finite and before the year 3000; default: arrival time")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text is empty or only whitespace")
        return v


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    messages: list[MessageIn] = Field(..., min_length=1, description="up to QUNGUARD_MAX_BATCH messages, in order")


class Scores(BaseModel):
    on_topic: float
    spam: float
    advertising: float
    flooding: float


class ReasonOut(BaseModel):
    name: str = Field(..., description="the check: contact_handle, burst, repeat, raid, block_word, model, evidence, ...")
    detail: str


class VerdictOut(BaseModel):
    message_id: str | None
    label: str = Field(..., description="on_topic, spam, advertising or flooding")
    scores: Scores
    action: str = Field(..., description="allow, review or delete, from the group's thresholds")
    reasons: list[ReasonOut]
    topic_score: float | None = Field(None, description="0-1 closeness to the group's topic; null if the group has none")
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
    path: Text | None = Field(None, description="model folder to load; default: the configured QUNGUARD_MODEL_DIR")


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
    label: str
    action: str
    scores: Scores
    reasons: list[ReasonOut]
    model_version: str
    message_ts: float
    created_at: float
    status: str = Field(..., description="pending, confirmed or relabelled")
    final_label: str | None = Field(..., description="the label a moderator settled on; null while pending")
    reviewed_by: str | None = Field(..., description="who reviewed it; null while pending")
    reviewed_at: float | None = Field(..., description="when it was reviewed, Unix seconds; null while pending")


class ReviewListOut(BaseModel):
    data: list[ReviewItemOut]
    count: int


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


# the error statuses of the API, in the one error shape (service/errors.py lists the codes);
# these tables are typed as FastAPI's `responses=` parameter is
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 413, 415, 422, 503)}

# /healthz answers 503 with the same body when the store is not writable
HEALTH_RESPONSES: dict[int | str, dict[str, Any]] = {503: {"model": HealthOut, "description": "the store is not writable"}}
# /metrics is Prometheus' text exposition format, not JSON
METRICS_TEXT: dict[int | str, dict[str, Any]] = {200: {"description": "Prometheus text exposition format 0.0.4",
                                                        "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}}}}
