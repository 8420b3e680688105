"""Database access: one engine per process, sessions handed out explicitly.

In: a SQLAlchemy URL (from settings). Out: `get_engine()`, `session_scope()` and `make_engine()`.
SQLite gets WAL, foreign keys and a busy timeout; the folder of a SQLite file is created on demand. A new
SQLite file gets 16 KiB pages (`SQLITE_PAGE_SIZE`): an interaction's row and its index entries fill fewer
pages, so each ingest commit writes about half as much as with the default 4 KiB. A database created
before keeps its page size (SQLite cannot change it in WAL mode).
Core services take `*, session: Session` and never open sessions of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from core.config import get_settings

SQLITE_PAGE_SIZE = 16_384


def make_engine(url: str) -> Engine:
    """A new engine for `url`, tuned for the dialect."""
    if url.startswith("sqlite"):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=_json_dumps)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, json_serializer=_json_dumps)


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _ensure_sqlite_folder(url: str) -> None:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:" and not url.startswith("sqlite:///:memory:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # before WAL; a no-op once the file has tables
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(get_settings().database_url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that rolls back on error; the caller commits (services commit once at the end)."""
    session = session_factory(engine or get_engine())()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
