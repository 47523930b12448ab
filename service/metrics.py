"""Prometheus metrics: requests and latency per endpoint, verdicts per label and action.

With several workers (`qunguard serve` sets PROMETHEUS_MULTIPROC_DIR before they
start), every worker writes its values to files there and /metrics, whichever worker
answers it, adds them all up: prometheus_client's multiprocess mode.
"""
from __future__ import annotations

import os
import time

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

KNOWN = ("/v1/classify", "/v1/classify/batch", "/v1/model/reload", "/v1/review", "/v1/review/bulk", "/v1/export",
         "/healthz", "/metrics")


def endpoint_of(path: str) -> str:
    """A bounded label: route templates, never raw ids."""
    if path in KNOWN:
        return path
    if path.startswith("/v1/groups/"):
        return "/v1/groups/{group_id}"
    if path.startswith("/v1/review/"):
        tail = path.rsplit("/", 1)[-1]
        return f"/v1/review/{{item_id}}/{tail}" if tail in ("undo", "history") else "/v1/review/{item_id}"
    return "other"


class Metrics:
    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry()
        self.requests = Counter("qunguard_requests_total", "HTTP requests", ["endpoint", "method", "status"], registry=self.registry)
        self.latency = Histogram("qunguard_request_seconds", "HTTP request latency", ["endpoint"], registry=self.registry,
                                 buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        self.verdicts = Counter("qunguard_verdicts_total", "verdicts served", ["label", "action"], registry=self.registry)
        # per version: 1 where any live worker serves it (two show up while a reload spreads)
        self.model_info = Gauge("qunguard_model_info", "loaded model (value 1)", ["version"], registry=self.registry,
                                multiprocess_mode="livemax")
        # read at scrape time from the shared store and flood windows: the latest reading wins
        self.flood_tracked = Gauge("qunguard_flood_tracked", "entries in flood windows", ["kind"], registry=self.registry,
                                   multiprocess_mode="livemostrecent")
        self.review_pending = Gauge("qunguard_review_pending", "review items waiting", registry=self.registry,
                                    multiprocess_mode="livemostrecent")
        self.review_decisions = Counter("qunguard_review_decisions_total", "moderator decisions recorded, per item",
                                        ["decision"], registry=self.registry)
        self.review_reports = Counter("qunguard_review_reports_total", "messages reported for review: queued now, or found queued",
                                      ["outcome"], registry=self.registry)
        self._version: str | None = None

    def set_model(self, version: str) -> None:
        if self.multiprocess:
            if self._version is not None and self._version != version:
                self.model_info.labels(version=self._version).set(0)  # files keep cleared series: zero it
        else:
            self.model_info.clear()
        self.model_info.labels(version=version).set(1)
        self._version = version

    def count_verdicts(self, verdicts: list[dict]) -> None:
        for v in verdicts:
            self.verdicts.labels(v["label"], v["action"]).inc()

    def render(self) -> bytes:
        if self.multiprocess:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)

    def process_exited(self) -> None:
        """A worker stopping: its live gauges leave the sums."""
        if self.multiprocess:
            multiprocess.mark_process_dead(os.getpid())


class MetricsMiddleware:
    def __init__(self, app, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            endpoint = endpoint_of(scope["path"])
            self.metrics.requests.labels(endpoint, scope["method"], str(status)).inc()
            self.metrics.latency.labels(endpoint).observe(time.perf_counter() - start)
