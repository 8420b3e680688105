"""A bounded load test on loopback: concurrent clients against a real uvicorn server lose no record."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from tests.collector_support import concurrent_ingest, serve


def test_concurrent_clients_lose_nothing(api_app: FastAPI, engine: Engine, app_key: str) -> None:
    with serve(api_app) as base:
        stored = concurrent_ingest(base, app_key, engine, clients=8, batches=10)
    assert stored == (8 * 10 - 1) * 25 + 50
