"""Collector throughput and gateway overhead, over loopback against a real uvicorn server.

In: a database kind and a scratch folder. Out: result rows —
- ingest: records/s for `CLIENTS` concurrent clients posting batches of 100 native records;
- gateway: p50/p99 latency of chat completions through the gateway minus calling the same local fake
  upstream directly (sequential calls, so the difference is the gateway's own work: auth, routing,
  forwarding, logging and pricing the interaction).
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from pydantic import SecretStr
from sqlalchemy.orm import Session

from api.app import create_app
from api.background import serve_in_thread
from bench.databases import fresh_database
from core.audit import utcnow
from core.auth import DEV_ADMIN
from core.collector import keys
from core.config import Settings
from core.db import make_engine
from core.models import RegisteredModel
from tests.fakes.openai_upstream import FakeUpstream

CLIENTS = 8
BATCH = 100
BATCHES_PER_CLIENT = 25
GATEWAY_CALLS = 400
CHAT = {"messages": [{"role": "user", "content": "Is a 32 day cycle normal?"}], "user": "bench-user"}


def _record(number: int) -> dict[str, object]:
    return {
        "id": f"bench-{number}",
        "conversation_id": f"conv-{number // 4}",
        "user_id": f"user-{number % 500}",
        "created_at": "2026-03-01T10:00:00Z",
        "messages": [
            {"role": "system", "content": "You are a supportive menstrual-health assistant."},
            {"role": "user", "content": f"Is it normal to have cramps on day {number % 28} of my cycle?"},
            {
                "role": "assistant",
                "content": "Many people notice this; if it is severe, talk to a clinician.",
            },
        ],
        "model": "gpt-4.1-mini",
        "latency_ms": 900,
        "prompt_tokens": 60,
        "completion_tokens": 40,
        "rating": 1 + number % 5,
    }


def measure_collector(kind: str, folder: Path) -> list[dict[str, object]]:
    upstream = FakeUpstream().start()
    try:
        with fresh_database(kind, folder) as url:
            engine = make_engine(url)
            settings = Settings(
                database_url=url,
                pseudonym_key=SecretStr("bench-key"),
                openai_base_url=upstream.base_url,
                collector_rate_limit_per_minute=0,
            )
            with Session(engine) as session:
                key = keys.create_key("bench", session=session, principal=DEV_ADMIN).key
                session.add(
                    RegisteredModel(
                        name="gpt-4.1-mini", provider="openai", status="live", created_at=utcnow()
                    )
                )
                session.commit()
            with serve_in_thread(create_app(settings, engine)) as base:
                rows = [_ingest(kind, base, key), *_gateway(kind, base, key, upstream.base_url)]
            engine.dispose()
    finally:
        upstream.stop()
    return rows


def _ingest(kind: str, base: str, key: str) -> dict[str, object]:
    def run(client: int) -> int:
        stored = 0
        with httpx.Client(base_url=base, headers={"authorization": f"Bearer {key}"}, timeout=60) as http:
            for batch in range(BATCHES_PER_CLIENT):
                first = (client * BATCHES_PER_CLIENT + batch) * BATCH
                response = http.post(
                    "/v1/interactions", json={"records": [_record(first + i) for i in range(BATCH)]}
                )
                response.raise_for_status()
                stored += response.json()["accepted"]
        return stored

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        stored = sum(pool.map(run, range(CLIENTS)))
    seconds = time.perf_counter() - started
    assert stored == CLIENTS * BATCHES_PER_CLIENT * BATCH
    return {
        "benchmark": f"collector ingest {stored:,} records ({CLIENTS} clients, batches of {BATCH})",
        "database": kind,
        "seconds": round(seconds, 2),
        "rate": f"{stored / seconds:,.0f} records/s",
    }


def _latencies(http: httpx.Client, url: str, headers: dict[str, str]) -> list[float]:
    for _ in range(20):  # warm-up: connections, caches
        http.post(url, json=CHAT, headers=headers).raise_for_status()
    samples = []
    for _ in range(GATEWAY_CALLS):
        started = time.perf_counter()
        http.post(url, json=CHAT, headers=headers).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _gateway(kind: str, base: str, key: str, upstream: str) -> list[dict[str, object]]:
    with httpx.Client(timeout=30) as http:
        direct = _latencies(http, f"{upstream}/chat/completions", {})
        via = _latencies(http, f"{base}/v1/chat/completions", {"authorization": f"Bearer {key}"})
    rows = []
    for label, pick in (
        ("p50", lambda s: statistics.median(s)),
        ("p99", lambda s: statistics.quantiles(s, n=100)[98]),
    ):
        overhead = pick(via) - pick(direct)
        rows.append(
            {
                "benchmark": f"gateway overhead {label} ({GATEWAY_CALLS} sequential calls)",
                "database": kind,
                "seconds": round(overhead / 1000, 4),
                "rate": f"{overhead:.1f} ms added ({pick(direct):.1f} direct → {pick(via):.1f} via gateway)",
            }
        )
    return rows
