"""Property-based run over the collector's OpenAPI schema (schemathesis): no input makes the server fail.

Every operation gets a bounded number of generated requests — valid ones and, separately, ones that break
the schema — sent with a valid app key, against a database with a live model and a running experiment
whose upstream is the local fake; any 5xx fails the test.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.app import create_app
from core.config import Settings
from tests.collector_support import add_experiment, add_model

MAX_EXAMPLES = 25


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_makes_the_server_fail(
    api_settings: Settings, engine: Engine, session: Session, app_key: str, mode: GenerationMode
) -> None:
    add_model(session, "gpt-4.1-mini", status="live")
    add_experiment(session)
    app = create_app(api_settings, engine)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    auth = {"authorization": f"Bearer {app_key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 5
    with TestClient(app):
        for operation in operations:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            def no_server_error(case: schemathesis.Case) -> None:
                response = case.call(headers=auth)
                assert response.status_code < 500, (
                    f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:300]}"
                )

            try:
                no_server_error()
            except Unsatisfiable:  # nothing to break in an operation without inputs (GET /healthz)
                assert mode is GenerationMode.NEGATIVE and operation.path == "/healthz"
