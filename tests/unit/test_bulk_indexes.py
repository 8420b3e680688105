"""Large SQLite loads set the random-key indexes aside and always get them back (`core.ingest.bulk_indexes`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from core.auth import Principal
from core.config import Settings
from core.db import session_scope
from core.ingest import bulk_indexes, importer
from core.ingest import writer as writer_module
from core.ingest.bulk_indexes import REBUILDING, SET_ASIDE, Stage, indexes_set_aside, restore_indexes
from core.ingest.importer import ImportReport, import_files
from core.ingest.packed import PackedBatch
from core.models import Interaction
from tests.conftest import TEST_KEY
from tests.unit.test_cli import one_json_object, run
from tests.unit.test_import import _write_records


def index_sql(engine: Engine) -> dict[str, str]:
    """The stored statement of every index of `SET_ASIDE` present, as another connection sees it."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all()
    return {name: sql for name, sql in rows if name in SET_ASIDE}


@dataclass
class StoreSpy:
    """What other connections see of `SET_ASIDE` while each chunk is stored; the call `fail_at` raises."""

    seen: list[set[str]] = field(default_factory=list)
    fail_at: int | None = None


@pytest.fixture
def spy(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> StoreSpy:
    spy = StoreSpy()
    real_store = writer_module.IngestWriter.store

    def store(self: writer_module.IngestWriter, rows: PackedBatch) -> writer_module.WriteResult:
        spy.seen.append(set(index_sql(engine)))
        if len(spy.seen) == spy.fail_at:
            raise RuntimeError("disk full")
        return real_store(self, rows)

    monkeypatch.setattr(writer_module.IngestWriter, "store", store)
    return spy


@pytest.fixture
def load(
    engine: Engine, settings: Settings, admin: Principal, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., ImportReport]:
    """Import a file, guessing `bytes_per_record` bytes per record from its size, committing every `batch`."""

    def run(
        path: Path, *, bytes_per_record: int, batch: int = 200, stage: Stage | None = None
    ) -> ImportReport:
        monkeypatch.setattr(importer, "BYTES_PER_RECORD", bytes_per_record)
        small = settings.model_copy(update={"import_batch_size": batch})
        with session_scope(engine) as session:
            return import_files([path], "auto", session=session, principal=admin, settings=small, stage=stage)

    return run


def test_a_large_import_writes_without_them_and_ends_with_the_same_indexes(
    engine: Engine, load: Callable[..., ImportReport], spy: StoreSpy, tmp_path: Path
) -> None:
    before = index_sql(engine)
    assert set(before) == set(SET_ASIDE)
    path = tmp_path / "big.jsonl"
    _write_records(path, 600)
    stages: list[str] = []
    report = load(path, bytes_per_record=1, stage=stages.append)  # every byte counts as a record: "large"
    assert report.imported == 600
    assert spy.seen and all(seen == set() for seen in spy.seen)
    assert stages == [REBUILDING]  # the progress display says what the wait at the end is
    assert index_sql(engine) == before  # the very statements the migrations wrote
    with engine.connect() as connection:
        plan = connection.execute(
            text("EXPLAIN QUERY PLAN SELECT id FROM interaction WHERE conversation_id = 'c'")
        ).all()
    assert "ix_interaction_conversation_id" in str(plan)


def test_a_small_import_or_one_into_a_much_larger_database_keeps_them(
    load: Callable[..., ImportReport], spy: StoreSpy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    _write_records(first, 300)
    load(first, bytes_per_record=1000)  # about 60 records by size: fewer than MIN_RECORDS
    second.write_bytes(first.read_bytes()[: first.stat().st_size // 10])
    monkeypatch.setattr(bulk_indexes, "MIN_RECORDS", 1)
    stages: list[str] = []
    load(second, bytes_per_record=200, stage=stages.append)  # about 30 records into 300 stored
    assert stages == []
    assert spy.seen and all(seen == set(SET_ASIDE) for seen in spy.seen)


def test_a_failed_import_keeps_its_whole_batches_and_gets_the_indexes_back(
    engine: Engine, load: Callable[..., ImportReport], spy: StoreSpy, tmp_path: Path
) -> None:
    before = index_sql(engine)
    path = tmp_path / "big.jsonl"
    _write_records(path, 500)
    spy.fail_at = 3
    with pytest.raises(RuntimeError, match="disk full"):
        load(path, bytes_per_record=1, batch=100)
    assert index_sql(engine) == before
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Interaction)) == 200


def drop_as_a_killed_load_would(session: Session) -> None:
    for name in SET_ASIDE:
        session.execute(text(f"DROP INDEX {name}"))
    session.commit()


def test_indexes_a_killed_load_left_out_come_back_at_the_next_load(engine: Engine, session: Session) -> None:
    before = index_sql(engine)
    drop_as_a_killed_load_would(session)
    with indexes_set_aside(session, incoming=10):  # a small load: keeps them, so restores them first
        assert index_sql(engine) == before
    assert restore_indexes(session) == []


def test_db_upgrade_recreates_what_a_killed_load_left_out(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    before = index_sql(engine)
    with session_scope(engine) as session:
        drop_as_a_killed_load_would(session)
    env = {**os.environ, "DATABASE_URL": db_url, "PSEUDONYM_KEY": TEST_KEY}
    result = run(["db", "upgrade", "--json"], env, tmp_path)
    assert one_json_object(result.stdout)["indexes_restored"] == list(SET_ASIDE)
    assert index_sql(engine) == before


def test_every_index_set_aside_is_declared() -> None:
    assert set(SET_ASIDE) <= set(bulk_indexes._declared())
