"""Build the FastAPI app from settings: the one place that wires the parts together."""
from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute

from qunguard.model import artifact
from qunguard.model.errors import ModelArtifactError
from qunguard.service import errors
from qunguard.service.auth import Auth
from qunguard.service.batcher import MicroBatcher
from qunguard.service.config import Settings
from qunguard.service.engine import LoadedModel, Moderator
from qunguard.service.flood import FloodTracker, InMemoryFloodTracker
from qunguard.service.json_response import JSONBytes
from qunguard.service.metrics import Metrics, MetricsMiddleware
from qunguard.service.routes import classify, groups, ops, review, topics
from qunguard.service.store import Store
from qunguard.service.ui import routes as ui_routes
from qunguard.service.ui import session as ui_session

log = logging.getLogger("qunguard")


def build_flood_tracker(settings: Settings) -> FloodTracker:
    if settings.flood_backend == "redis":
        from qunguard.service.flood_redis import (
            RedisFloodTracker,  # only this backend needs the client
        )

        return RedisFloodTracker(settings.redis_url, ttl_s=settings.flood_ttl_s)
    return InMemoryFloodTracker(max_users=settings.flood_max_users, max_keys=settings.flood_max_keys, ttl_s=settings.flood_ttl_s)


def build_moderator(settings: Settings, *, shared: bool = False) -> Moderator:
    """`shared`: one of several workers on one store; it loads the model folder in effect
    (the last one reloaded during this run, else the configured one) and follows the others.
    Alone, it loads the configured model (the registry's champion, else QUNGUARD_MODEL_DIR) and
    follows the champion that `qunguard model promote|rollback` announces in the store."""
    store = Store(settings.db_path, durable_fsync=settings.db_fsync)
    folder = (store.revisions()["model"][1] if shared else None) or settings.model_to_serve()
    classifier, meta = artifact.load(folder)
    moderator = Moderator(LoadedModel(classifier, meta), store, build_flood_tracker(settings))
    moderator.model_dir = Path(folder)
    if shared:
        moderator.share_with_workers()
    else:
        moderator.follow_store(every_s=1.0)
    return moderator


def create_worker_app() -> FastAPI:
    """The app of one of QUNGUARD_WORKERS processes: uvicorn calls this in each worker.

    `qunguard serve` has checked the settings, the model and Redis before starting them."""
    settings = Settings()
    return create_app(settings, build_moderator(settings, shared=True))


def create_app(settings: Settings, moderator: Moderator | None = None) -> FastAPI:
    moderator = moderator or build_moderator(settings)
    moderator.configure_campaigns(settings.campaign_memory_per_group, settings.share_campaigns)
    moderator.topics.configure(learn_messages=settings.topic_learn_messages, history_s=settings.drift_history_s,
                               flush_s=settings.activity_flush_s, drift_warmup=settings.drift_warmup)
    metrics = Metrics()
    metrics.set_model(moderator.model.version)
    moderator.on_model_change = metrics.set_model  # reloads here, and those followed from other workers

    def reload_on_sighup() -> None:
        try:
            # with several workers each one gets the signal: none needs to tell the others
            loaded = moderator.reload(moderator.model_dir or settings.model_dir, announce=not moderator.shared)
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
        moderator.topics.close()  # writes the activity counts still in memory
        moderator.store.close()
        metrics.process_exited()

    app = FastAPI(title="QunGuard", version="0.1.0", default_response_class=JSONBytes, lifespan=lifespan,
                  description="Moderation verdicts for Chinese group chats: on_topic, spam, advertising, flooding.")
    app.state.settings = settings
    app.state.moderator = moderator
    app.state.metrics = metrics
    app.state.batcher = MicroBatcher(moderator)
    app.state.auth = Auth(settings.token_roles(), enabled=settings.auth == "on")
    app.state.reload_on_sighup = reload_on_sighup
    errors.install(app)
    ui_session.install(app, settings, moderator.store)  # /ui: the login cookie, its CSRF check, the login throttle
    ui_routes.mount_static(app)
    routers = (classify.router, groups.router, ops.router, review.router, ui_routes.router, topics.router)
    for router in routers:
        app.include_router(router)
    # path pattern -> methods, for the Allow header of a 405 (errors.py)
    app.state.route_methods = [(route.path_regex, route.methods) for router in routers for route in router.routes
                               if isinstance(route, APIRoute)]
    app.add_middleware(errors.BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app
