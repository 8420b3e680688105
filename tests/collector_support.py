"""Fixtures and helpers for the collector API tests (loaded from tests/conftest.py as a plugin).

In: the per-test SQLite database of `tests/conftest.py` (or PostgreSQL via `pg_*` fixtures). Out: running
fake upstreams (OpenAI-compatible and Azure; Vertex AI Gemini), collector settings pointing at it, an app key, the FastAPI app, a `TestClient` that sends
the key, helpers that register models and experiments, `serve()` — the app under a real uvicorn
server on a loopback port — and `concurrent_ingest()`, the load scenario shared by SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.app import create_app
from api.background import serve_in_thread
from core.auth import Principal, Role
from core.collector import keys
from core.config import Settings
from core.models import Experiment, RegisteredModel
from tests.fakes.openai_upstream import FakeUpstream
from tests.fakes.vertex_upstream import FakeVertex

UPSTREAM_KEY = "sk-test-provider-secret"
KEY_ADMIN = Principal(email="keys@example.org", role=Role.ADMIN)


@pytest.fixture(scope="session")
def fake_upstream_server() -> Iterator[FakeUpstream]:
    server = FakeUpstream().start()
    yield server
    server.stop()


@pytest.fixture
def upstream(fake_upstream_server: FakeUpstream) -> Iterator[FakeUpstream]:
    fake_upstream_server.reset()
    yield fake_upstream_server
    fake_upstream_server.release.set()


@pytest.fixture(scope="session")
def fake_vertex_server() -> Iterator[FakeVertex]:
    server = FakeVertex().start()
    assert isinstance(server, FakeVertex)
    yield server
    server.stop()


@pytest.fixture
def vertex(fake_vertex_server: FakeVertex) -> Iterator[FakeVertex]:
    fake_vertex_server.reset()
    yield fake_vertex_server
    fake_vertex_server.release.set()


def collector_settings(db_url: str, upstream: FakeUpstream, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "dev_mode": False,
        "pseudonym_key": SecretStr("test-pseudonym-key"),
        "openai_api_key": SecretStr(UPSTREAM_KEY),
        "openai_base_url": upstream.base_url,
        "collector_rate_limit_per_minute": 0,
        "gateway_timeout_seconds": 5.0,
        "gateway_route_cache_seconds": 0,  # tests change models and experiments between calls
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def api_settings(db_url: str, upstream: FakeUpstream) -> Settings:
    return collector_settings(db_url, upstream)


def make_key(engine: Engine, name: str = "app") -> str:
    with Session(engine) as session:
        return keys.create_key(name, session=session, principal=KEY_ADMIN).key


@pytest.fixture
def app_key(engine: Engine) -> str:
    return make_key(engine)


@pytest.fixture
def api_app(api_settings: Settings, engine: Engine) -> FastAPI:
    return create_app(api_settings, engine)


@pytest.fixture
def client(api_app: FastAPI, app_key: str) -> Iterator[TestClient]:
    with TestClient(api_app, headers={"authorization": f"Bearer {app_key}"}) as test_client:
        yield test_client


def add_model(
    session: Session,
    name: str,
    *,
    status: str = "candidate",
    provider: str = "openai",
    endpoint: str | None = None,
) -> None:
    session.add(
        RegisteredModel(
            name=name, provider=provider, endpoint=endpoint, status=status, created_at=datetime(2026, 1, 1)
        )
    )
    session.commit()


def add_experiment(
    session: Session,
    name: str = "ft-v1",
    *,
    status: str = "running",
    share: float = 0.5,
    decision: str | None = None,
    control: str = "gpt-4.1-mini",
    treatment: str = "ft:gpt-4.1-mini:bloom:v1:abc",
) -> None:
    session.add(
        Experiment(
            name=name,
            control_model=control,
            treatment_model=treatment,
            treatment_share=share,
            salt=f"salt-{name}",
            status=status,
            started_at=datetime(2026, 2, 1),
            decision=decision,
            created_by="admin@example.org",
            created_at=datetime(2026, 2, 1),
        )
    )
    session.commit()


def native_record(index: int, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": f"rec-{index}",
        "conversation_id": f"conv-{index // 3}",
        "user_id": f"user-{index % 7}",
        "created_at": "2026-03-01T10:00:00Z",
        "messages": [
            {"role": "user", "content": f"Is a {20 + index % 20} day cycle normal for my period?"},
            {"role": "assistant", "content": "Cycles between 21 and 35 days are usually considered normal."},
        ],
        "model": "gpt-4.1-mini",
        "latency_ms": 800,
        "prompt_tokens": 40,
        "completion_tokens": 60,
        "status": "ok",
    }
    record.update(fields)
    return record


serve = serve_in_thread  # the app under a real uvicorn server on a loopback port


def concurrent_ingest(base_url: str, key: str, engine: Engine, *, clients: int = 8, batches: int = 10) -> int:
    """Clients post overlapping batches at once; every acknowledged id must be stored exactly once.

    Returns the number of distinct records stored. Batch `b` of client `c` holds 50 records whose ids
    overlap with the next client's, so duplicates race across connections too.
    """
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    from sqlalchemy import func, select

    from core.models import Interaction

    def run(client_number: int) -> list[tuple[str, str]]:
        seen: list[tuple[str, str]] = []
        with httpx.Client(base_url=base_url, headers={"authorization": f"Bearer {key}"}, timeout=60) as http:
            for batch in range(batches):
                start = (client_number * batches + batch) * 25  # half of each batch overlaps another
                records = [native_record(start + i) for i in range(50)]
                response = http.post("/v1/interactions", json={"records": records})
                assert response.status_code == 200, response.text
                for result in response.json()["results"]:
                    seen.append((result["id"], result["status"]))
        return seen

    with ThreadPoolExecutor(max_workers=clients) as pool:
        outcomes = list(pool.map(run, range(clients)))
    results = [result for seen in outcomes for result in seen]
    acknowledged = {record_id for record_id, _ in results}
    accepted = [record_id for record_id, status in results if status == "accepted"]
    assert all(status in ("accepted", "duplicate") for _, status in results)
    assert len(accepted) == len(set(accepted)), "an id was accepted twice"
    with Session(engine) as session:
        stored = set(session.scalars(select(Interaction.id)))
        assert session.scalar(select(func.count()).select_from(Interaction)) == len(stored)
    assert acknowledged <= stored, f"lost: {sorted(acknowledged - stored)[:5]}"
    assert set(accepted) == acknowledged == stored
    return len(stored)
