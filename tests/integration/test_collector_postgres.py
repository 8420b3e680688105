"""The collector on a real PostgreSQL: batch ingest, feedback, the gateway log, and concurrent clients."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.app import create_app
from core.models import Interaction, Rating
from tests.collector_support import (
    add_model,
    collector_settings,
    concurrent_ingest,
    make_key,
    native_record,
    serve,
)
from tests.fakes.openai_upstream import FakeUpstream


def _app(pg_url: str, pg_engine: Engine, upstream: FakeUpstream) -> FastAPI:
    return create_app(collector_settings(pg_url, upstream), pg_engine)


def test_ingest_feedback_and_gateway_on_postgres(
    pg_url: str, pg_engine: Engine, pg_session: Session, upstream: FakeUpstream
) -> None:
    key = make_key(pg_engine)
    client = TestClient(_app(pg_url, pg_engine, upstream), headers={"authorization": f"Bearer {key}"})
    records = [native_record(0, rating=4), native_record(1), native_record(0), {"id": "bad"}]
    body = client.post("/v1/interactions", json={"records": records}).json()
    assert [r["status"] for r in body["results"]] == ["accepted", "accepted", "duplicate", "rejected"]
    assert client.post("/v1/interactions", json={"records": records[:2]}).json()["duplicates"] == 2
    assert client.post("/v1/feedback", json={"interaction_id": "rec-1", "thumbs": "up"}).status_code == 200
    assert client.post("/v1/feedback", json={"interaction_id": "nope", "thumbs": "up"}).status_code == 404

    add_model(pg_session, "gpt-4.1-mini", status="live")
    chat = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "Cramps?"}]})
    assert chat.status_code == 200
    pg_session.expire_all()
    row = pg_session.get(Interaction, chat.headers["x-interaction-id"])
    assert row is not None and row.source == "gateway" and row.prompt_tokens == 1
    assert pg_session.query(Rating).count() == 2


def test_concurrent_clients_lose_nothing_on_postgres(
    pg_url: str, pg_engine: Engine, upstream: FakeUpstream
) -> None:
    key = make_key(pg_engine)
    with serve(_app(pg_url, pg_engine, upstream)) as base:
        stored = concurrent_ingest(base, key, pg_engine, clients=8, batches=10)
    assert stored == (8 * 10 - 1) * 25 + 50
