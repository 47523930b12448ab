"""One error shape for every failure: {"error": {"code", "message", "field"}}.

Typed errors carry their HTTP status; handlers registered once in app.py map
FastAPI's own validation and HTTP errors onto the same shape, and anything
unexpected becomes a 500 with no stack trace in the body.
"""
from __future__ import annotations

import logging
import sqlite3

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.json_response import JSONBytes

log = logging.getLogger("qunguard")

STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid_request",
                500: "internal_error", 503: "unavailable"}


class APIError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_body(code: str, message: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field}}


def _field(loc: tuple) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


def install(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError):
        return JSONBytes(error_body(exc.code, exc.message, exc.field), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request", "type": ""}
        kind = first.get("type", "")
        if kind in ("json_invalid", "json_type") or "decode" in kind:
            return JSONBytes(error_body("invalid_json", f"request body is not valid UTF-8 JSON: {first.get('msg')}"), status_code=400)
        field = _field(tuple(first.get("loc", ())))
        return JSONBytes(error_body("invalid_request", f"{field or 'body'}: {first.get('msg')}", field), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = STATUS_CODES.get(exc.status_code, "error")
        return JSONBytes(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(sqlite3.Error)
    async def _store(request: Request, exc: sqlite3.Error):
        # nothing was acknowledged: the flagged items of this request were not committed, so
        # the bot must retry rather than act on a verdict the review queue never saw
        log.error("review store failed on %s %s: %s", request.method, request.url.path, exc)
        return JSONBytes(error_body("store_unavailable", "the review store could not record this verdict; retry"),
                         status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONBytes(error_body("internal_error", "internal error; the server log has details"), status_code=500)


class BodyLimitMiddleware:
    """Refuse bodies over the limit with 413 before the app reads them."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    return await self._reject(send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._reject(send)

    async def _reject(self, send) -> None:
        import orjson

        body = orjson.dumps(error_body("payload_too_large", f"request body is over {self.max_bytes} bytes"))
        await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
