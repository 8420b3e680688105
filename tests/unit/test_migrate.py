"""Migrations: they build what the models declare, and an un-migrated database is refused by name."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.db import SQLITE_PAGE_SIZE, make_engine
from core.errors import DatabaseNotReady
from core.migrate import ensure_current, head_revision, upgrade
from tests import scenarios


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    scenarios.schema_matches_models(engine)


def test_empty_database_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/empty.db")
    with pytest.raises(DatabaseNotReady, match="bloomtune db upgrade"):
        ensure_current(engine)
    assert upgrade(engine) == (None, head_revision())
    ensure_current(engine)
    assert upgrade(engine) == (head_revision(), head_revision())


def test_sqlite_folder_is_created(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/nested/folder/bloomtune.db")
    upgrade(engine)
    assert (tmp_path / "nested" / "folder" / "bloomtune.db").is_file()


def test_a_new_sqlite_file_gets_large_pages_and_an_older_one_keeps_its_own(tmp_path: Path) -> None:
    older = tmp_path / "older.db"
    with sqlite3.connect(older) as connection:  # as an earlier version made it: 4 KiB pages, then WAL
        connection.execute("PRAGMA page_size=4096")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE kept (x)")
    for path, size in ((tmp_path / "new.db", SQLITE_PAGE_SIZE), (older, 4096)):
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA page_size").scalar() == size
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        engine.dispose()
