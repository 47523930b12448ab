"""Build the FastAPI app from settings: the one place that wires the parts together."""
from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import asynccontextmanager

from fastapi import FastAPI

from model import artifact
from model.errors import ModelArtifactError
from service import errors
from service.auth import Auth
from service.batcher import MicroBatcher
from service.config import Settings
from service.engine import LoadedModel, Moderator
from service.flood import InMemoryFloodTracker
from service.json_response import JSONBytes
from service.metrics import Metrics, MetricsMiddleware
from service.routes import classify, groups, ops
from service.store import Store

log = logging.getLogger("qunguard")


def build_moderator(settings: Settings) -> Moderator:
    classifier, meta = artifact.load(settings.model_dir)
    store = Store(settings.db_path, durable_fsync=settings.db_fsync)
    flood = InMemoryFloodTracker(max_users=settings.flood_max_users, max_keys=settings.flood_max_keys, ttl_s=settings.flood_ttl_s)
    return Moderator(LoadedModel(classifier, meta), store, flood)


def create_app(settings: Settings, moderator: Moderator | None = None) -> FastAPI:
    moderator = moderator or build_moderator(settings)
    metrics = Metrics()
    metrics.set_model(moderator.model.version)

    def reload_on_sighup() -> None:
        try:
            loaded = moderator.reload(settings.model_dir)
            metrics.set_model(loaded.version)
            log.warning("SIGHUP: loaded model %s", loaded.version)
        except ModelArtifactError as exc:
            log.error("SIGHUP: %s; the previous model keeps serving", exc)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        moderator.store.open()
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, reload_on_sighup)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread (tests) or no signals
            pass
        yield
        moderator.store.close()

    app = FastAPI(title="QunGuard", version="0.1.0", default_response_class=JSONBytes, lifespan=lifespan,
                  description="Moderation verdicts for Chinese group chats: on_topic, spam, advertising, flooding.")
    app.state.settings = settings
    app.state.moderator = moderator
    app.state.metrics = metrics
    app.state.batcher = MicroBatcher(moderator)
    app.state.auth = Auth(settings.token_roles(), enabled=settings.auth == "on")
    app.state.reload_on_sighup = reload_on_sighup
    errors.install(app)
    for router in (classify.router, groups.router, ops.router):
        app.include_router(router)
    app.add_middleware(errors.BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app
