"""Several worker processes on one port (QUNGUARD_WORKERS > 1), one CPU core each.

Each worker is a uvicorn server with a listening socket of its own, bound with
SO_REUSEPORT, so the kernel spreads new connections over the workers. uvicorn's own
`--workers` shares one socket, and asyncio accepts every pending connection of a socket
in one wake-up (up to its backlog): connections opened together can all land on one
worker while the other sits idle. This module only starts, watches and signals the workers:
- SIGTERM / SIGINT: stop every worker (each finishes its requests in flight) and exit;
- SIGHUP: every worker reloads the model in effect from disk;
- a worker that dies is started again, with the model in effect.
What the workers share (the model, flood windows in Redis, the SQLite store, metrics files)
is checked and set up once by `preflight`, before any of them starts.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.context import SpawnProcess

    from qunguard.service.config import Settings

log = logging.getLogger("qunguard.workers")


class PreflightError(Exception):
    """The workers cannot start; the message is one line for whoever ran `qunguard serve`."""


@dataclass(frozen=True)
class PreflightResult:
    model_version: str  # of the artifact the workers will load
    model_revision: int  # the store's model revision this run starts from
    metrics_dir: str  # PROMETHEUS_MULTIPROC_DIR, where every worker writes its metrics


def preflight(settings: Settings, overrides: Mapping[str, Any]) -> PreflightResult:
    """Check and set up, once, what the workers share, before any of them starts:
    - the model is a readable artifact (checked, not loaded: this process only watches the workers);
    - Redis, where the workers share their flood windows, answers;
    - the store's model revision names the configured model, so every worker starts with it;
    - the port is free (a worker would only log it);
    - the environment carries `overrides` (the command line's settings) and a fresh metrics folder,
      since the workers are new processes that read their settings from there.
    Raises PreflightError; nothing is written to the environment unless every check passed."""
    import redis

    from qunguard.model import artifact
    from qunguard.model.errors import ModelArtifactError
    from qunguard.service.store import Store

    try:
        folder = settings.model_to_serve()  # the registry's champion, else QUNGUARD_MODEL_DIR
        meta = artifact.check(folder)
    except ModelArtifactError as exc:
        raise PreflightError(str(exc)) from exc
    try:
        redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2.0).ping()
    except redis.RedisError as exc:
        raise PreflightError(f"QUNGUARD_REDIS_URL={settings.redis_url} cannot be reached ({exc}); "
                             "the workers share their flood windows there") from exc
    store = Store(settings.db_path)
    try:
        revision = store.bump_revision("model", str(folder))  # this run starts with the configured model
    finally:
        store.close()
    try:
        check_port_free(settings.host, settings.port)
    except OSError as exc:
        raise PreflightError(f"cannot listen on {settings.host}:{settings.port}: {exc}") from exc
    for name, value in overrides.items():
        os.environ[f"QUNGUARD_{name.upper()}"] = str(value)
    metrics_dir = tempfile.mkdtemp(prefix="qunguard-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    return PreflightResult(meta["model_version"], revision, metrics_dir)


def reuseport_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _run_worker(host: str, port: int) -> None:
    import uvicorn

    sock = reuseport_socket(host, port)
    config = uvicorn.Config("qunguard.service.app:create_worker_app", factory=True, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def check_port_free(host: str, port: int) -> None:
    """Raise OSError now if another program holds the port (a worker would only log it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))


def serve_workers(host: str, port: int, workers: int) -> int:
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no state forked mid-flight
    procs: list[SpawnProcess] = []
    stopping = False

    started: dict[SpawnProcess, float] = {}  # when each worker was started

    def start() -> SpawnProcess:
        p = ctx.Process(target=_run_worker, args=(host, port), name="qunguard-worker", daemon=False)
        p.start()
        started[p] = time.monotonic()
        return p

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for p in procs:
            if p.is_alive() and p.pid is not None:
                os.kill(p.pid, signal.SIGTERM)

    def reload_all(_signum, _frame) -> None:
        for p in procs:
            if p.is_alive() and p.pid is not None:
                os.kill(p.pid, signal.SIGHUP)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, reload_all)
    procs.extend(start() for _ in range(workers))
    print(f"qunguard: {workers} workers on http://{host}:{port} (pids {', '.join(str(p.pid) for p in procs)})",
          file=sys.stderr)
    while not stopping:
        time.sleep(0.5)
        for i, p in enumerate(procs):
            if not p.is_alive() and not stopping:
                log.error("worker %s exited with %s; starting another", p.pid, p.exitcode)
                print(f"qunguard: worker {p.pid} exited with {p.exitcode}; starting another", file=sys.stderr)
                if time.monotonic() - started.pop(p, 0.0) < 10:
                    time.sleep(2)  # it died young: do not spin on a failure that will repeat
                procs[i] = start()
    for p in procs:
        p.join(timeout=30)
        if p.is_alive():
            p.kill()
    return 0
