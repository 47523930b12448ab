"""Health, metrics and model reload (the review queue is routes/review.py)."""
from __future__ import annotations

import os

from fastapi import APIRouter, Response

from qunguard.model.artifact import feature_library_mismatches
from qunguard.model.errors import ModelArtifactError
from qunguard.service.errors import APIError
from qunguard.service.json_response import JSONBytes
from qunguard.service.routes.deps import (
    AsAdmin,
    MetricsDep,
    ModeratorDep,
    SettingsDep,
)
from qunguard.service.schemas import (
    ERRORS,
    HEALTH_RESPONSES,
    METRICS_TEXT,
    HealthOut,
    ModelOut,
    ReloadIn,
)

router = APIRouter()


@router.get("/healthz", tags=["ops"], response_model=HealthOut, responses=HEALTH_RESPONSES, summary="Model loaded and store writable")
def healthz(moderator: ModeratorDep):
    if moderator.shared:
        moderator.follow_other_workers()
    else:
        moderator.follow_announced_model()  # a champion promoted meanwhile shows here within a second
    store_ok = moderator.store.writable()
    # flood windows in Redis may be unreachable: verdicts still flow, so this is reported, not a 503
    flood_ok = getattr(moderator.flood, "available", True)
    body = {"status": "ok" if store_ok and flood_ok else "degraded", "model_version": moderator.model.version,
            "store_writable": store_ok, "flood_windows": "ok" if flood_ok else "unavailable", "pid": os.getpid(),
            "feature_libraries": feature_libraries(moderator.model.meta)}
    return JSONBytes(body, status_code=200 if store_ok else 503)


def feature_libraries(meta: dict) -> str | dict:
    """/healthz's feature_libraries: "match", or {"mismatch": {library: [trained with, installed]}}."""
    mismatches = feature_library_mismatches(meta)
    return {"mismatch": mismatches} if mismatches else "match"


@router.get("/metrics", tags=["ops"], response_class=Response, responses=METRICS_TEXT, summary="Prometheus metrics")
def metrics(moderator: ModeratorDep, m: MetricsDep):
    m.review_pending.set(moderator.store.count_review_items("pending"))
    for kind, n in moderator.flood.stats().items():
        m.flood_tracked.labels(kind).set(n)
    return Response(m.render(), media_type="text/plain; version=0.0.4")


@router.post("/v1/model/reload", tags=["ops"], response_model=ModelOut, responses=ERRORS, summary="Load a model artifact atomically")
def reload_model(moderator: ModeratorDep, settings: SettingsDep, _: AsAdmin, body: ReloadIn | None = None):
    try:
        # without a path: the configured model, the registry's champion first
        loaded = moderator.reload(body.path if body and body.path else settings.model_to_serve())
    except ModelArtifactError as exc:
        raise APIError(422, "model_artifact_invalid", f"{exc}; the previous model keeps serving", "path") from None
    return ModelOut(model_version=loaded.version, labels=loaded.meta["labels"], trained_at=loaded.meta.get("trained_at"))
