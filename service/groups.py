"""A group's settings: what it talks about and how strict its moderation is.

Stored as JSON in SQLite (service/store/groups.py); unknown groups get the defaults.
`CompiledGroup` holds what is derived once per settings change (normalised
block/allow words, flood limits, the topic profile), not per message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from qunguard.model.normalize import normalize
from qunguard.service.flood import FloodLimits
from qunguard.service.mutes import MAX_MUTE_S, MIN_MUTE_S
from qunguard.service.text_fields import NO_LONE_SURROGATES, WHOLE_FLOAT_AS_INT, Text

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
FlaggedAction = Literal["review", "delete"]
Name = Annotated[str, StringConstraints(max_length=200), NO_LONE_SURROGATES]
Description = Annotated[str, StringConstraints(max_length=2000), NO_LONE_SURROGATES]


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")
    review: float = Field(0.5, ge=0, le=1, description="score at or above which the message goes to review")
    delete: float = Field(0.9, ge=0, le=1, description="score at or above which the message is deleted")

    @model_validator(mode="after")
    def _ordered(self):
        if self.delete < self.review:
            raise ValueError("delete threshold must be at or above the review threshold")
        return self


def _default_thresholds() -> dict[str, Thresholds]:
    return {
        "spam": Thresholds(review=0.5, delete=0.9),
        "advertising": Thresholds(review=0.5, delete=0.92),
        "flooding": Thresholds(review=0.6, delete=0.95),
    }


class FloodSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    burst_count: int = Field(5, ge=2, le=1000)
    burst_window_s: float = Field(10.0, gt=0, le=3600)
    repeat_count: int = Field(3, ge=2, le=1000)
    repeat_window_s: float = Field(60.0, gt=0, le=86400)
    raid_users: int = Field(4, ge=2, le=1000)
    raid_window_s: float = Field(60.0, gt=0, le=86400)
    raid_min_chars: int = Field(8, ge=1, le=1000, description="texts shorter than this (主播加油) and without a contact handle never count as a raid")
    action: FlaggedAction = Field("review", description="action for a flood seen by behaviour: review or delete")


def _default_ladder() -> list[int]:
    return [0, 600, 3600, 86400]


class MuteSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # whole numbers: 600 or 600.0, never "600" or 600.5
    ladder_s: list[Annotated[int, WHOLE_FLOAT_AS_INT]] = Field(
        default_factory=_default_ladder, max_length=10,
        description="seconds to mute a member whose message is deleted, by incident in the window: the first rung for "
        "the first incident, the last for every one past it; 0 deletes without a mute; [] never mutes. Each rung is 0 "
        f"or {MIN_MUTE_S}-{MAX_MUTE_S} (what QQ and Telegram both accept)")
    window_days: Annotated[int, WHOLE_FLOAT_AS_INT] = Field(7, ge=1, le=90, description="how far back a member's "
                                                                                      "incidents count")

    @field_validator("ladder_s")
    @classmethod
    def _rungs(cls, v: list[int]) -> list[int]:
        if any(s != 0 and not MIN_MUTE_S <= s <= MAX_MUTE_S for s in v):
            raise ValueError(f"each rung is 0 (no mute) or {MIN_MUTE_S} to {MAX_MUTE_S} seconds")
        return v


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: Text = Field(..., description="HH:MM local time")
    end: Text = Field(..., description="HH:MM local time; may be earlier than start (overnight)")
    timezone: Text = "Asia/Shanghai"
    action: FlaggedAction = Field("review", description="what happens to a message sent in quiet hours: review or delete")

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not _HHMM.match(v):
            raise ValueError("must be HH:MM (24-hour)")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file path
            raise ValueError(f"unknown time zone {v!r}") from None
        return v


class GroupSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # every str, and every str of a list, refuses lone surrogates (service/text_fields.py): a 422 naming
    # the entry (block_words.3), never a 500 when the words are normalised
    name: Name = Field("")
    topic_description: Description = Field("", description="what the group is about, in a sentence or two")
    topic_keywords: list[Text] = Field(default_factory=list, max_length=200)
    thresholds: dict[str, Thresholds] = Field(default_factory=_default_thresholds)
    flood: FloodSettings = Field(default_factory=FloodSettings)
    quiet_hours: QuietHours | None = None
    mute: MuteSettings = Field(default_factory=MuteSettings, description="how long a delete verdict asks the bot to "
                               "mute the sender (`mute_s`), climbing with the member's incidents")
    allow_users: list[Text] = Field(default_factory=list, max_length=1000, description="user ids never acted on (admins, the bot)")
    block_words: list[Text] = Field(default_factory=list, max_length=1000)
    allow_words: list[Text] = Field(default_factory=list, max_length=1000)
    dry_run: bool = Field(
        False, description="a trial: every verdict's action is allow and mute_s null; what the settings would have done "
        "is in a `dry_run` reason, and flagged messages still join the review queue with the action they would have "
        "had, so moderators see the bot at work before it acts. Trial deletes are no offence once the trial ends")
    delete_needs_two_signals: bool = Field(
        True, description="delete only when something besides the model backs it (a contact handle, a shopping, "
        "shortener or invitation link, a repeat or burst, a block word); the model alone sends to review. "
        "false: the model's score alone may delete")
    forwards: Literal["judge", "review", "delete"] = Field(
        "judge", description="forwarded messages (a bot's forward_origin): judge them as any message, a channel's post "
        "backing the delete of an ad or a lure the model is sure of; review every forward that would be allowed; or "
        "delete every forward, as a group that allows none (tg-spam's forward check)")
    offtopic_as_flooding: bool = Field(
        False, description="treat strongly off-topic chatter as flooding (sent to review): an allowed on_topic message "
        "whose topic_score is at or below offtopic_threshold with topic_confidence at or above "
        "offtopic_min_confidence; needs a topic profile that is not low-confidence")
    offtopic_threshold: float = Field(0.1, ge=0, le=1, description="topic_score at or below which a message is off-topic")
    offtopic_min_confidence: float = Field(0.8, ge=0, le=1, description="topic_confidence needed to act on a message "
                                           "as off-topic (short chit-chat carries little topic signal)")

    @field_validator("thresholds")
    @classmethod
    def _labels(cls, v: dict[str, Thresholds]) -> dict[str, Thresholds]:
        unknown = set(v) - {"spam", "advertising", "flooding"}
        if unknown:
            raise ValueError(f"thresholds are set per spam, advertising, flooding; unknown {sorted(unknown)}")
        return {**_default_thresholds(), **v}

    @field_validator("topic_keywords", "block_words", "allow_words", "allow_users")
    @classmethod
    def _no_blank(cls, v: list[str]) -> list[str]:
        if any(not w.strip() or len(w) > 200 for w in v):
            raise ValueError("entries must be non-blank and at most 200 characters")
        return v


def _canonical_word(word: str) -> str:
    return "".join(normalize(word).text.split())


@dataclass
class CompiledGroup:
    """Settings plus what is derived from them once."""

    settings: GroupSettings
    known: bool
    flood_limits: FloodLimits = field(init=False)
    block_words: list[tuple[str, str]] = field(init=False)
    allow_words: list[tuple[str, str]] = field(init=False)
    allow_users: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        f = self.settings.flood
        self.flood_limits = FloodLimits(f.burst_count, f.burst_window_s, f.repeat_count, f.repeat_window_s, f.raid_users, f.raid_window_s, f.raid_min_chars)
        # matched on normalised text without spaces, so 加 V / 薇信 / full-width forms do not dodge them
        self.block_words = [(w, _canonical_word(w)) for w in self.settings.block_words if _canonical_word(w)]
        self.allow_words = [(w, _canonical_word(w)) for w in self.settings.allow_words if _canonical_word(w)]
        self.allow_users = frozenset(self.settings.allow_users)

    def in_quiet_hours(self, ts: float) -> bool:
        q = self.settings.quiet_hours
        if q is None:
            return False
        now = datetime.fromtimestamp(ts, ZoneInfo(q.timezone)).time()
        start, end = time.fromisoformat(q.start), time.fromisoformat(q.end)
        return start <= now < end if start <= end else (now >= start or now < end)
