"""Throw-away benchmark databases: a fresh SQLite file, or a new PostgreSQL database dropped afterwards.

In: the kind (`sqlite` or `postgresql`) and a scratch folder. Out: the URL of a migrated, empty database.
PostgreSQL is the server of `BENCH_POSTGRES_URL` (default: the local test server).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.db import make_engine
from core.migrate import upgrade

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        path = folder / f"bench-{uuid.uuid4().hex[:8]}.db"
        url = f"sqlite:///{path}"
        _migrate(url)
        try:
            yield url
        finally:
            for leftover in folder.glob(f"{path.name}*"):
                leftover.unlink()
        return
    base = make_url(POSTGRES)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"bloomtune_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
