"""Shared fixtures: a migrated SQLite database per test (copied from one migrated template), settings
that point at it, and a way to run the CLI against it.

The folder decides the tier: unit (SQLite, no network), integration (PostgreSQL), dashboard (AppTest),
e2e (a real browser).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core import config, db
from core.auth import Principal, Role
from core.config import Settings
from core.db import make_engine, session_scope
from core.migrate import upgrade
from tests.finetune_support import TODAY

TEST_KEY = "test-pseudonym-key"
pytest_plugins = ("tests.collector_support",)  # collector API fixtures
DATA = Path(__file__).parent / "data"
# A copy of the shared sample export (`../shared/data/app_export_sample.jsonl`), so the suite runs anywhere.
SAMPLE = DATA / "app_export_sample.jsonl"
SHARED_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "app_export_sample.jsonl"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def db_url(tmp_path: Path, migrated_template: Path) -> str:
    target = tmp_path / "bloomtune.db"
    shutil.copyfile(migrated_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def empty_db_url(tmp_path: Path) -> str:
    """A database with no schema yet, for tests that migrate step by step (`tests.old_schema`)."""
    return f"sqlite:///{tmp_path / 'old.db'}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_scope(engine) as session:
        yield session


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Production-like settings (no development mode, so no pinned lifecycle date even under `app_env`)."""
    return Settings(
        database_url=db_url, dev_mode=False, pseudonym_key=SecretStr(TEST_KEY), lifecycle_today=None
    )


@pytest.fixture
def admin() -> Principal:
    return Principal(email="admin@example.org", role=Role.ADMIN)


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[str]:
    """Environment for code that reads settings itself (CLI, dashboard): points at the test database, and
    pins the lifecycle date before OpenAI's cut-off, so which base models may be launched or promoted does
    not depend on the day the tests run."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("LIFECYCLE_TODAY", TODAY.isoformat())
    monkeypatch.setenv("PSEUDONYM_KEY", TEST_KEY)
    monkeypatch.setenv("DEV_MODE", "1")
    monkeypatch.setenv("DASHBOARD_CACHE_SECONDS", "0")
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield db_url
    db.get_engine().dispose()
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
