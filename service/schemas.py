"""Request and response bodies of the HTTP API (they are the OpenAPI schema)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.groups import GroupSettings


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group_id: str = Field(..., min_length=1, max_length=128, description="the chat group's id, as the bot knows it")
    user_id: str = Field(..., min_length=1, max_length=128, description="the sender's id")
    text: str = Field(..., description="message text (placeholders such as [图片] welcome)")
    message_id: str | None = Field(None, max_length=128, description="echoed back in the verdict")
    ts: float | None = Field(None, ge=0, description="send time, Unix seconds; default: arrival time")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text is empty or only whitespace")
        return v


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
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
    model_config = ConfigDict(extra="forbid")
    path: str | None = Field(None, description="model folder to load; default: the configured QUNGUARD_MODEL_DIR")


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
    status: str


class ReviewListOut(BaseModel):
    data: list[ReviewItemOut]
    count: int


ERRORS = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 413, 422)}
