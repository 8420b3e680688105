"""App keys (CLI and service), the bearer check on every /v1 route, the rate limit and the health check."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.app import create_app
from core.auth import Principal, Role
from core.cli import app as cli_app
from core.collector import keys
from core.collector.ratelimit import RateLimiter
from core.config import Settings
from core.db import make_engine
from core.errors import InputError, NotFound, PermissionDenied
from core.models import ApiKey, AuditLog
from tests.collector_support import collector_settings, make_key
from tests.fakes.openai_upstream import FakeUpstream

V1_ROUTES = [
    ("POST", "/v1/interactions", {"records": []}),
    ("POST", "/v1/feedback", {"interaction_id": "x", "stars": 5}),
    ("GET", "/v1/assignments/ft-v1?user_id=u1", None),
    ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]}),
]


def test_cli_creates_lists_and_revokes_keys_storing_only_the_hash(app_env: str, engine: Engine) -> None:
    runner = CliRunner()
    created = runner.invoke(cli_app, ["apikey", "create", "app-prod", "--json"])
    assert created.exit_code == 0, created.output
    result = orjson.loads(created.stdout)
    assert set(result) == {"name", "key"} and result["key"].startswith("bt_")
    with Session(engine) as session:
        row = session.scalar(select(ApiKey).where(ApiKey.name == "app-prod"))
        assert row is not None and row.key_hash == hashlib.sha256(result["key"].encode()).hexdigest()
        assert (
            result["key"] not in orjson.dumps([a.details for a in session.scalars(select(AuditLog))]).decode()
        )

    listed = orjson.loads(runner.invoke(cli_app, ["apikey", "list", "--json"]).stdout)
    assert [(k["name"], k["active"]) for k in listed["keys"]] == [("app-prod", True)]
    assert "key" not in listed["keys"][0]

    revoked = runner.invoke(cli_app, ["apikey", "revoke", "app-prod", "--json"])
    assert revoked.exit_code == 0 and orjson.loads(revoked.stdout)["active"] is False

    again = runner.invoke(cli_app, ["apikey", "create", "app-prod", "--json"])
    assert isinstance(again.exception, InputError) and "already exists" in str(again.exception)
    missing = runner.invoke(cli_app, ["apikey", "revoke", "nope"])
    assert isinstance(missing.exception, NotFound)  # main() prints it on one line and exits 1


def test_key_services_need_the_permission_and_are_audited(session: Session) -> None:
    viewer = Principal(email="v@example.org", role=Role.VIEWER)
    admin = Principal(email="a@example.org", role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        keys.create_key("app", session=session, principal=viewer)
    with pytest.raises(PermissionDenied):
        keys.list_keys(session=session, principal=viewer)
    with pytest.raises(InputError, match="key name"):
        keys.create_key("bad name!", session=session, principal=admin)
    created = keys.create_key("app", session=session, principal=admin)
    assert keys.authenticate(created.key, session=session) == "app"
    with pytest.raises(PermissionDenied):
        keys.revoke_key("app", session=session, principal=viewer)
    keys.revoke_key("app", session=session, principal=admin)
    keys.revoke_key("app", session=session, principal=admin)  # no-op, not audited twice
    assert keys.authenticate(created.key, session=session) is None
    with pytest.raises(NotFound):
        keys.revoke_key("other", session=session, principal=admin)
    actions = list(session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions == ["apikey.create", "apikey.revoke"]


@pytest.mark.parametrize(("method", "path", "body"), V1_ROUTES)
@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer bt_wrong", "Basic abc", "bt_not-bearer", "Bearer revoked"]
)
def test_every_v1_route_refuses_missing_wrong_or_revoked_keys(
    api_settings: Settings, engine: Engine, method: str, path: str, body: object, header: str | None
) -> None:
    revoked = make_key(engine, "old")
    with Session(engine) as session:
        keys.revoke_key("old", session=session, principal=Principal("a@example.org", Role.ADMIN))
    headers = {} if header is None else {"authorization": header.replace("revoked", revoked)}
    client = TestClient(create_app(api_settings, engine))
    response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "unauthorized"}
    assert response.headers["www-authenticate"] == "Bearer"


def test_rate_limit_answers_429_with_retry_after(
    db_url: str, upstream: FakeUpstream, engine: Engine, app_key: str
) -> None:
    settings = collector_settings(db_url, upstream, collector_rate_limit_per_minute=3)
    client = TestClient(create_app(settings, engine), headers={"authorization": f"Bearer {app_key}"})
    codes = [client.post("/v1/interactions", json={"records": []}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.post("/v1/interactions", json={"records": []})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    other = make_key(engine, "other")
    assert (
        client.post(
            "/v1/interactions", json={"records": []}, headers={"authorization": f"Bearer {other}"}
        ).status_code
        == 200
    )
    assert client.get("/healthz").status_code == 200  # the health check is not rate limited


def test_token_bucket_refills_with_time() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert all(limiter.acquire("k") == 0 for _ in range(60))
    assert limiter.acquire("k") == 1
    now[0] += 1.0
    assert limiter.acquire("k") == 0
    assert limiter.acquire("k") == 1
    assert RateLimiter(0).acquire("k") == 0  # 0 switches the limit off


def test_healthz_reports_the_revision_and_refuses_an_unmigrated_database(
    client: TestClient, api_settings: Settings, tmp_path: Path
) -> None:
    healthy = client.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.json()["status"] == "ok" and healthy.json()["database"] == "sqlite"
    empty = make_engine(f"sqlite:///{tmp_path}/empty.db")
    response = TestClient(create_app(api_settings, empty)).get("/healthz")
    assert response.status_code == 503
    assert "bloomtune db upgrade" in response.json()["detail"]
    empty.dispose()


def test_openapi_documents_every_route_and_the_bearer_scheme(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {
        "/healthz",
        "/v1/interactions",
        "/v1/feedback",
        "/v1/assignments/{experiment}",
        "/v1/chat/completions",
    } <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert client.get("/docs").status_code == 200
