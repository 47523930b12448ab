"""JSON responses serialised with orjson: verdicts are plain dicts, so skip Pydantic on the hot path."""
from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


class JSONBytes(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
