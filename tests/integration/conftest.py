"""PostgreSQL tier: a throw-away database on the server named by TEST_POSTGRES_URL, migrated once (and an
empty one for each test that migrates step by step).

Skipped with the reason when no server answers, unless REQUIRE_POSTGRES=1 (CI), where that is a failure.
Each test starts from empty tables (the seeded price rows stay).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core.config import Settings
from core.db import make_engine, session_scope
from core.migrate import upgrade
from core.models import Base
from tests.conftest import TEST_KEY

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KEEP_TABLES = {"price"}


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Engine]:
    """An engine on the database TEST_POSTGRES_URL names, to create and drop the throw-away ones."""
    base = make_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_URL))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server"
        admin.dispose()
        reason = f"PostgreSQL not reachable at {base.render_as_string(hide_password=True)}: {exc}"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    yield admin
    admin.dispose()


@contextmanager
def throwaway_database(server: Engine) -> Iterator[str]:
    """A new, empty database on the server (its URL), dropped afterwards."""
    name = f"bloomtune_test_{uuid.uuid4().hex[:10]}"
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_url(pg_server: Engine) -> Iterator[str]:
    with throwaway_database(pg_server) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def empty_db_url(pg_server: Engine) -> Iterator[str]:
    """In this folder, tests that migrate step by step (`tests.old_schema`) do it on PostgreSQL."""
    with throwaway_database(pg_server) as url:
        yield url


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name not in KEEP_TABLES)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine
    engine.dispose()


@pytest.fixture
def pg_session(pg_engine: Engine) -> Iterator[Session]:
    with session_scope(pg_engine) as session:
        yield session


@pytest.fixture
def pg_settings(pg_url: str) -> Settings:
    return Settings(database_url=pg_url, dev_mode=False, pseudonym_key=SecretStr(TEST_KEY))


@pytest.fixture
def session(pg_session: Session) -> Session:
    """In this folder, services that take the shared `session` fixture run on PostgreSQL."""
    return pg_session


@pytest.fixture
def settings(pg_settings: Settings) -> Settings:
    return pg_settings
