"""Fixtures for the AppTest tier: the dashboard app against the per-test SQLite database.

In: `app_env` (tests/conftest.py) which points DATABASE_URL at a migrated test database in development
mode. Out: `store`, which writes interactions through the real ingest writer, `make_records()` to build
them, `app`, a fresh `AppTest` of `dashboard/app.py`, and `environ` to change its settings for one test.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from core import config, db
from core.db import session_scope
from core.ingest.records import Record
from core.ingest.writer import IngestWriter
from core.pseudonym import Pseudonymizer
from tests.conftest import TEST_KEY

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
START = datetime(2026, 10, 1, 9, 0)
Store = Callable[..., None]


def make_records(count: int, *, prefix: str = "r", **overrides: Any) -> list[Record]:
    """`count` interactions one hour apart from `START`; record i asks "question i" and answers "answer i".

    Every third record is rated 5 stars and thumbs up, the others are unrated; `overrides` apply to all.
    """
    records = []
    for i in range(count):
        fields: dict[str, Any] = {
            "id": f"{prefix}-{i:04d}",
            "user_id": f"user-{i % 3}",
            "conversation_id": f"{prefix}-conv-{i // 2}",
            "created_at": START + timedelta(hours=i),
            "messages": [
                {"role": "user", "content": f"question {i}"},
                {"role": "assistant", "content": f"answer {i}"},
            ],
            "model": "gpt-4.1-mini",
            "latency_ms": 500 + i,
        }
        if i % 3 == 0:
            fields.update(rating=5, thumbs="up")
        fields.update(overrides)
        records.append(Record.model_validate(fields))
    return records


@pytest.fixture
def store(app_env: str, engine: Engine) -> Store:
    """Write records into the app's database through `IngestWriter`, as an import or demo would."""

    def _store(records: Iterable[Record], *, source: str = "import") -> None:
        with session_scope(engine) as session:
            writer = IngestWriter(session, pseudonymize=Pseudonymizer(TEST_KEY), source=source)
            writer.write(list(records))
            session.commit()

    return _store


def reload_settings() -> None:
    """Forget the cached settings and engine, so the next run reads the environment again."""
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()


def outside_development(environ: pytest.MonkeyPatch) -> None:
    """Production-like settings: development mode off, and with it the pinned lifecycle date (refused there).

    Call `reload_settings()` afterwards.
    """
    environ.setenv("DEV_MODE", "0")
    environ.delenv("LIFECYCLE_TODAY", raising=False)


@pytest.fixture
def environ(app_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Change the app's environment for one test; undone before `app_env` cleans up.

    Call `reload_settings()` after changing it.
    """
    with monkeypatch.context() as patch:
        yield patch
    reload_settings()


@pytest.fixture
def app(app_env: str) -> Iterator[AppTest]:
    """A fresh AppTest of the console. Streamlit runs the script as `sys.modules["__main__"]`; the real
    one is put back afterwards, or a later `multiprocessing` spawn in the same process would re-run
    the dashboard as its main module."""
    main_module = sys.modules["__main__"]
    yield AppTest.from_file(str(APP), default_timeout=30)
    sys.modules["__main__"] = main_module
