"""Success metrics: daily rows and KPI values for a known data set, computed in SQL.

In: interactions and ratings written through the ingest writer. Out: the `Kpis` values and breaches.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from core.auth import Principal
from core.config import Settings
from core.ingest.records import Record
from core.queries.kpis import WINDOW_DAYS, _bucket_percentile, kpis
from tests.conftest import TEST_KEY
from tests.experiment_data import write

END = datetime(2026, 10, 30, 12, 0)


def record(i: int, *, status: str = "ok", stars: int | None = None, latency: int = 1000) -> Record:
    return Record.model_validate(
        {
            "id": f"k-{i}",
            "conversation_id": f"c-{i // 2}",
            "user_id": f"u-{i % 4}",
            "created_at": END - timedelta(hours=i),
            "messages": [{"role": "user", "content": f"q {i}"}, {"role": "assistant", "content": f"a {i}"}],
            "status": status,
            "latency_ms": latency,
            "cost_usd": 0.002,
            "rating": stars,
        }
    )


def test_empty_database_has_no_kpis(session: Session, admin: Principal, settings: Settings) -> None:
    assert kpis(session=session, principal=admin, settings=settings).kpis == []


def test_known_values_and_breaches(session: Session, admin: Principal, settings: Settings) -> None:
    rows = [record(i, stars=3, latency=3000 if i == 0 else 900) for i in range(40)]
    rows += [record(100 + i, status="error") for i in range(2)]
    write(session, rows, TEST_KEY)
    result = kpis(session=session, principal=admin, settings=settings)
    by_key = {k.key: k for k in result.kpis}
    assert len(result.days) == WINDOW_DAYS
    assert by_key["satisfaction"].value == pytest.approx(3.0)
    assert by_key["satisfaction"].breached  # below 4.0
    assert by_key["success_rate"].value == pytest.approx(40 / 42)
    assert by_key["cost"].value == pytest.approx(0.002)
    assert not by_key["cost"].breached
    assert by_key["medical_accuracy"].value is None and not by_key["medical_accuracy"].breached
    assert by_key["p95_latency"].value == 1010.0  # median of the daily p95s (910, 910, 1010, 3010)
    assert {k.key for k in result.breaches} == {"satisfaction", "success_rate"}
    assert sum(day.interactions for day in result.days) == 42


def test_bucket_percentile_is_nearest_rank() -> None:
    histogram = [(50, 90), (100, 5), (300, 5)]  # buckets of 10 ms
    assert _bucket_percentile(histogram, 0.95) == 1010.0
    assert _bucket_percentile(histogram, 0.5) == 510.0
