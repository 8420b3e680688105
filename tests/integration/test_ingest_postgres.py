"""Import, idempotency, readiness and concurrent writers on a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.auth import Principal
from core.config import Settings
from core.migrate import ensure_current, upgrade
from tests import scenarios


def test_sample_file_on_postgres(pg_session: Session, pg_settings: Settings, admin: Principal) -> None:
    scenarios.sample_import_twice(pg_session, pg_settings, admin)


def test_csv_and_jsonl_on_postgres(
    pg_session: Session, pg_settings: Settings, admin: Principal, tmp_path: Path
) -> None:
    scenarios.mixed_formats(pg_session, pg_settings, admin, tmp_path)


def test_migrations_are_current_and_idempotent(pg_engine: Engine) -> None:
    ensure_current(pg_engine)
    before, after = upgrade(pg_engine)
    assert before == after


def test_concurrent_writers_store_each_record_once(pg_engine: Engine) -> None:
    scenarios.concurrent_writers(pg_engine)


def test_migrated_schema_matches_the_models(pg_engine: Engine) -> None:
    scenarios.schema_matches_models(pg_engine)
