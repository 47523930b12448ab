"""One error shape for every failure: {"error": {"code", "message", "field"}}.

Typed errors carry their HTTP status; handlers registered once in app.py map
FastAPI's own validation and HTTP errors onto the same shape, and anything
unexpected becomes a 500 with no stack trace in the body.

The errors a client can get (status, code):
  400 invalid_json            the body is not JSON: bad syntax, invalid UTF-8, nested too deeply
  401 unauthorized            no token, or not a known one
  403 forbidden               the token's role may not call this route
  404 unknown_group           GET of a group with no settings (not_found: no such route)
  404 unknown_review_item     no review item has this id (bulk: field "ids", nothing decided)
  405 method_not_allowed
  413 payload_too_large       body over QUNGUARD_MAX_BODY_BYTES, with or without Content-Length
  415 unsupported_media_type  a body sent without `content-type: application/json` (field: "content-type")
  409 version_conflict        a decision on a version of the item that is no longer current (field: "version")
      nothing_to_undo         an undo with no decision left to undo; both 409s carry "current": the item now
  422 invalid_request / text_too_long / batch_too_large / model_artifact_invalid / profile_too_small (field: where)
  500 internal_error
  503 store_unavailable       the flagged verdict could not be committed: nothing acknowledged, retry
  503 drift_unavailable       Redis, where several workers keep the groups' drift, cannot be reached
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from qunguard.service.json_response import JSONBytes
from qunguard.service.store import NothingToUndo, ReviewItemNotFound, StoreUnavailable, VersionConflict
from qunguard.service.surrogates import escape_lone_surrogates

log = logging.getLogger("qunguard")

STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid_request",
                500: "internal_error", 503: "unavailable"}


class APIError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_body(code: str, message: str, field: str | None = None) -> dict:
    # a message or field may quote the client's input, which may hold a lone surrogate: escaped,
    # so that the error itself can be encoded (orjson refuses them) and is never a 500
    if field is not None:
        field = escape_lone_surrogates(field)
    return {"error": {"code": code, "message": escape_lone_surrogates(message), "field": field}}


def _field(loc: tuple) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


def _unparsable_body_message(cause: BaseException | None) -> str:
    """Why FastAPI could not parse a body it raised a bare 400 for (not a JSON syntax error)."""
    if isinstance(cause, UnicodeDecodeError):
        return f"request body is not valid UTF-8 JSON: byte 0x{cause.object[cause.start]:02x} at position {cause.start}"
    if isinstance(cause, RecursionError):
        return "request body is not valid JSON: nested too deeply"
    return "request body is not valid UTF-8 JSON"


def _not_sent_as_json(exc: RequestValidationError) -> bool:
    """A body refused because it came without a JSON content-type: FastAPI parses JSON only
    under application/json (or +json) and otherwise hands the model the raw bytes."""
    return isinstance(exc.body, (bytes, bytearray))


def _content_type_message(request: Request) -> str:
    sent = request.headers.get("content-type")
    got = f"got {sent!r}" if sent else "no content-type header was sent"
    return f"send the body as JSON with the header content-type: application/json ({got})"


def _allowed_methods(request: Request) -> str:
    """Every method served at this path, for a 405's Allow header (Starlette names only the
    methods of the first route whose path matches: GET of /v1/groups/{id}, not its PUT)."""
    path = request.scope["path"]
    methods = {m for regex, served in request.app.state.route_methods if regex.match(path) for m in served}
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError):
        return JSONBytes(error_body(exc.code, exc.message, exc.field), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        if _not_sent_as_json(exc):
            return JSONBytes(error_body("unsupported_media_type", _content_type_message(request), "content-type"), status_code=415)
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request", "type": ""}
        kind = first.get("type", "")
        if kind in ("json_invalid", "json_type") or "decode" in kind:
            return JSONBytes(error_body("invalid_json", f"request body is not valid UTF-8 JSON: {first.get('msg')}"), status_code=400)
        field = _field(tuple(first.get("loc", ())))
        return JSONBytes(error_body("invalid_request", f"{field or 'body'}: {first.get('msg')}", field), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400:  # FastAPI's own 400: a body it could not parse, and not for its syntax
            return JSONBytes(error_body("invalid_json", _unparsable_body_message(exc.__cause__)), status_code=400)
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        code = STATUS_CODES.get(exc.status_code, "error")
        return JSONBytes(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=headers)

    @app.exception_handler(ReviewItemNotFound)
    async def _no_item(request: Request, exc: ReviewItemNotFound):
        return JSONBytes(error_body("unknown_review_item", str(exc)), status_code=404)

    @app.exception_handler(VersionConflict)
    async def _stale(request: Request, exc: VersionConflict):
        # the item as it is now comes along: the client shows it and decides again on its version
        return JSONBytes({**error_body("version_conflict", str(exc), "version"), "current": exc.item}, status_code=409)

    @app.exception_handler(NothingToUndo)
    async def _nothing_to_undo(request: Request, exc: NothingToUndo):
        return JSONBytes({**error_body("nothing_to_undo", str(exc)), "current": exc.item}, status_code=409)

    @app.exception_handler(StoreUnavailable)
    async def _store(request: Request, exc: StoreUnavailable):
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
    """Refuse bodies over the limit with 413: at once when Content-Length says so, else (a
    chunked body) as soon as the bytes read pass the limit."""

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
                    # an HTTPException: FastAPI lets it through its body parsing (which turns any
                    # other exception into a 400), and the handler above answers it as a 413
                    raise StarletteHTTPException(413, self._message())
            return message

        await self.app(scope, limited_receive, send)

    def _message(self) -> str:
        return f"request body is over {self.max_bytes} bytes"

    async def _reject(self, send) -> None:
        import orjson

        body = orjson.dumps(error_body("payload_too_large", self._message()))
        await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
