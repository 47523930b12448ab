"""What routes need from the app, fetched from app.state (built once in app.py)."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from qunguard.service.auth import ADMIN, BOT, MODERATOR, Auth
from qunguard.service.batcher import MicroBatcher
from qunguard.service.config import Settings
from qunguard.service.engine import Moderator
from qunguard.service.metrics import Metrics


async def _moderator(request: Request) -> Moderator:
    return request.app.state.moderator


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _batcher(request: Request) -> MicroBatcher:
    return request.app.state.batcher


async def _metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def _roles(*roles: str):
    async def check(request: Request) -> str:
        auth: Auth = request.app.state.auth
        return auth.require(request, *roles)

    return Depends(check)


ModeratorDep = Annotated[Moderator, Depends(_moderator)]
SettingsDep = Annotated[Settings, Depends(_settings)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]
BatcherDep = Annotated[MicroBatcher, Depends(_batcher)]
AsBot = Annotated[str, _roles(BOT, ADMIN)]
AsReader = Annotated[str, _roles(BOT, MODERATOR, ADMIN)]
AsModerator = Annotated[str, _roles(MODERATOR, ADMIN)]
AsAdmin = Annotated[str, _roles(ADMIN)]
