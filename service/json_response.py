"""JSON responses serialised with orjson: verdicts are plain dicts, so skip Pydantic on the hot path.

A JSONResponse subclass, so that FastAPI puts each route's `response_model` in the OpenAPI
schema; a route that returns a JSONBytes itself is sent as is, without a Pydantic pass.
"""
from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class JSONBytes(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
