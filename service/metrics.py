"""Prometheus metrics: requests and latency per endpoint, verdicts per label and action."""
from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

KNOWN = ("/v1/classify", "/v1/classify/batch", "/v1/model/reload", "/v1/review", "/healthz", "/metrics")


def endpoint_of(path: str) -> str:
    """A bounded label: route templates, never raw ids."""
    if path in KNOWN:
        return path
    if path.startswith("/v1/groups/"):
        return "/v1/groups/{group_id}"
    return "other"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("qunguard_requests_total", "HTTP requests", ["endpoint", "method", "status"], registry=self.registry)
        self.latency = Histogram("qunguard_request_seconds", "HTTP request latency", ["endpoint"], registry=self.registry,
                                 buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        self.verdicts = Counter("qunguard_verdicts_total", "verdicts served", ["label", "action"], registry=self.registry)
        self.model_info = Gauge("qunguard_model_info", "loaded model (value 1)", ["version"], registry=self.registry)
        self.flood_tracked = Gauge("qunguard_flood_tracked", "entries in flood windows", ["kind"], registry=self.registry)
        self.review_pending = Gauge("qunguard_review_pending", "review items waiting", registry=self.registry)

    def set_model(self, version: str) -> None:
        self.model_info.clear()
        self.model_info.labels(version=version).set(1)

    def count_verdicts(self, verdicts: list[dict]) -> None:
        for v in verdicts:
            self.verdicts.labels(v["label"], v["action"]).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


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
