"""PUT/GET /v1/groups/{group_id}: a group's topic and moderation settings."""
from __future__ import annotations

from fastapi import APIRouter, Path

from qunguard.service.errors import APIError
from qunguard.service.groups import GroupSettings
from qunguard.service.routes.deps import AsModerator, AsReader, ModeratorDep
from qunguard.service.schemas import ERRORS, GroupOut

router = APIRouter(prefix="/v1/groups", tags=["groups"])
GroupId = Path(..., min_length=1, max_length=128)


@router.get("/{group_id}", response_model=GroupOut, responses=ERRORS, summary="A configured group's settings")
def get_group(moderator: ModeratorDep, _: AsReader, group_id: str = GroupId):
    g = moderator.group(group_id)
    if not g.known:
        raise APIError(404, "unknown_group", f"group {group_id!r} has no settings; verdicts use the defaults", "group_id")
    return GroupOut(group_id=group_id, settings=g.settings)


@router.put("/{group_id}", response_model=GroupOut, responses=ERRORS, summary="Create or replace a group's settings")
def put_group(body: GroupSettings, moderator: ModeratorDep, _: AsModerator, group_id: str = GroupId):
    g = moderator.put_group(group_id, body)
    return GroupOut(group_id=group_id, settings=g.settings)
