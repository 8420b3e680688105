"""Migrations: they build what the models declare, and an un-migrated database is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.db import make_engine
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
