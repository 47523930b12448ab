"""A group's topic profile, its drift and its health report.

    GET    /v1/groups/{id}/profile            the profile: source, top terms and weights (reader)
    DELETE /v1/groups/{id}/profile            reset it: examples and learned terms forgotten, drift
                                              restarts, drift history kept (moderator)
    POST   /v1/groups/{id}/profile/examples   build it from example messages (moderator)
    GET    /v1/groups/{id}/drift?days=N       drift now, its history, what the group talks about instead (reader)
    GET    /v1/groups/{id}/report?days=N      the health report, service/report.py (moderator)

Readers (a bot too) may read a profile and a drift: a bot can tell its group it is drifting.
The report names members, so it is for moderators. A group is known once it has settings,
a profile or any traffic; any other is 404.
"""
from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Path, Query

from qunguard.model.topic_profile import TopicProfileError
from qunguard.service.drift import DriftUnavailable
from qunguard.service.engine import Moderator
from qunguard.service.errors import APIError
from qunguard.service.report import MAX_DAYS, group_report
from qunguard.service.routes.deps import AsModerator, AsReader, ModeratorDep
from qunguard.service.schemas import ERRORS, DriftOut, ExamplesIn, ProfileOut, ReportOut
from qunguard.service.topic import GroupTopic

router = APIRouter(prefix="/v1/groups", tags=["topics"])
GroupId = Path(..., min_length=1, max_length=128)
Days = Annotated[int, Query(ge=1, le=MAX_DAYS, description=f"the last N days, 1 to {MAX_DAYS}")]
TOP_TERMS = 20


def _known(moderator: Moderator, group_id: str) -> None:
    moderator.topics.activity.flush()  # traffic of the last seconds makes a group known too
    if not moderator.group(group_id).known and not moderator.store.group_known(group_id):
        raise APIError(404, "unknown_group", f"group {group_id!r} has no settings, profile or traffic", "group_id")


def _profile_out(moderator: Moderator, group_id: str, t: GroupTopic) -> dict:
    p = t.profile
    need = moderator.topics.learn_messages
    learning = {"texts": min(t.learning, need), "needed": need} if p is None and need else None
    return {"group_id": group_id, "source": t.source, "n_texts": p.n_texts if p else 0,
            "low_confidence": p.low_confidence if p else False,
            "top_terms": [{"term": term, "weight": round(w, 4)} for term, w in (p.top_terms(TOP_TERMS) if p else [])],
            "learning": learning, "note": t.note}


@router.get("/{group_id}/profile", response_model=ProfileOut, responses=ERRORS, summary="A group's topic profile")
def get_profile(moderator: ModeratorDep, _: AsReader, group_id: str = GroupId):
    _known(moderator, group_id)
    return _profile_out(moderator, group_id, moderator.topics.fresh(group_id, moderator.group(group_id)))


@router.delete("/{group_id}/profile", response_model=ProfileOut, responses=ERRORS,
               summary="Reset a group's topic profile (the drift history stays)")
def reset_profile(moderator: ModeratorDep, _: AsModerator, group_id: str = GroupId):
    _known(moderator, group_id)
    return _profile_out(moderator, group_id, moderator.topics.reset(group_id, moderator.group(group_id)))


@router.post("/{group_id}/profile/examples", response_model=ProfileOut, responses=ERRORS,
             summary="Build a group's topic profile from example messages")
def post_examples(body: ExamplesIn, moderator: ModeratorDep, _: AsModerator, group_id: str = GroupId):
    try:
        t = moderator.topics.set_examples(group_id, moderator.group(group_id), body.texts)
    except TopicProfileError as exc:
        raise APIError(422, "profile_too_small", f"{exc}; nothing was changed", "texts") from None
    return _profile_out(moderator, group_id, t)


@router.get("/{group_id}/drift", response_model=DriftOut, responses=ERRORS, summary="A group's topic drift")
def get_drift(moderator: ModeratorDep, _: AsReader, group_id: str = GroupId, days: Days = 7):
    _known(moderator, group_id)
    t = moderator.topics.fresh(group_id, moderator.group(group_id))
    try:
        drift, alert, drivers = moderator.topics.drift_now(group_id, t)
    except DriftUnavailable as exc:
        raise APIError(503, "drift_unavailable", f"{exc}; try again shortly") from None
    history = moderator.store.drift_history(group_id, time.time() - days * 86400)
    return {"group_id": group_id, "drift": drift, "alert": alert,
            "history": [[p["ts"], p["drift"]] for p in history], "drivers": drivers}


@router.get("/{group_id}/report", response_model=ReportOut, responses=ERRORS, summary="A group's health report")
def get_report(moderator: ModeratorDep, _: AsModerator, group_id: str = GroupId, days: Days = 7):
    _known(moderator, group_id)
    return group_report(moderator.store, group_id, days)
