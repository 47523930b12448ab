"""Property-based run over the OpenAPI schema: whatever schemathesis sends, no 5xx and one error shape.

Runs as admin (every route admits it) against the real app with the shipped model and a
real SQLite file. The app is built at import because schemathesis reads the schema then.
"""
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from service.app import create_app
from service.config import Settings
from tests.conftest import TOKENS, auth

_DB_DIR = tempfile.TemporaryDirectory(prefix="qunguard-schemathesis-")
app = create_app(Settings(tokens=",".join(f"{r}:{t}" for r, t in TOKENS.items()), db_path=Path(_DB_DIR.name) / "q.db"))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_one_error_shape(case):
    response = case.call(headers=auth("admin"))
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"code", "message", "field"} and error["code"] and error["message"]
