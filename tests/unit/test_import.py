"""File import on SQLite: the sample file, every format, idempotency, interruption, permissions."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.auth import Principal, Role
from core.config import Settings
from core.db import session_scope
from core.errors import InputError, PermissionDenied
from core.ingest import importer as importer_module
from core.ingest import writer as writer_module
from core.ingest.importer import import_files
from core.ingest.packed import PackedBatch
from core.models import Interaction, Rating
from tests import scenarios
from tests.conftest import SAMPLE, SHARED_SAMPLE, TEST_KEY

SAMPLE_BAD_LINE = b'{"messages": [{"role": "user", "content": "What is PMS?"}], "rating": 9}\n'


def test_sample_file_imports_seven_and_rejects_lines_8_and_9(
    session: Session, settings: Settings, admin: Principal
) -> None:
    scenarios.sample_import_twice(session, settings, admin)


def test_csv_and_jsonl_in_one_run(
    session: Session, settings: Settings, admin: Principal, tmp_path: Path
) -> None:
    scenarios.mixed_formats(session, settings, admin, tmp_path)


def test_concurrent_writers_store_each_record_once(engine: Engine) -> None:
    scenarios.concurrent_writers(engine)


def test_forced_format_applies_to_every_record(
    session: Session, settings: Settings, admin: Principal, tmp_path: Path
) -> None:
    path = tmp_path / "x.jsonl"
    qa = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    path.write_bytes(orjson.dumps({"messages": qa, "metadata": {"user_id": "u"}}) + b"\n")
    report = import_files([path], "native", session=session, principal=admin, settings=settings)
    assert report.imported == 1  # native reads the same keys; metadata is ignored there
    assert session.scalar(select(Interaction.user_pseudonym)) is None
    with pytest.raises(InputError, match="header row"):
        import_files([path], "csv", session=session, principal=admin, settings=settings)


def test_unknown_format_and_missing_file_are_input_errors(
    session: Session, settings: Settings, admin: Principal, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="unknown format"):
        import_files([tmp_path], "xml", session=session, principal=admin, settings=settings)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="no such file"):
        import_files([tmp_path / "nope.jsonl"], "auto", session=session, principal=admin, settings=settings)


def test_csv_without_required_header_is_an_input_error(
    session: Session, settings: Settings, admin: Principal, tmp_path: Path
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("question,answer\nq,a\n")
    with pytest.raises(InputError, match="user_message and assistant_message"):
        import_files([path], "auto", session=session, principal=admin, settings=settings)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.REVIEWER, Role.CLINICIAN])
def test_only_admins_import(session: Session, settings: Settings, role: Role, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        import_files([tmp_path], "auto", session=session, principal=Principal("x@y", role), settings=settings)


def _write_records(path: Path, n: int) -> None:
    start = datetime(2026, 9, 1, tzinfo=UTC)
    with path.open("wb") as handle:
        for i in range(n):
            record = {
                "messages": [
                    {"role": "user", "content": f"Question {i} about my period?"},
                    {"role": "assistant", "content": f"Answer {i}."},
                ],
                "rating": 1 + i % 5,
                "metadata": {
                    "user_id": f"u{i % 97}",
                    "created_at": (start + timedelta(minutes=i)).isoformat(),
                },
            }
            handle.write(orjson.dumps(record) + b"\n")


def test_failure_mid_file_keeps_whole_batches_and_a_rerun_completes(
    engine: Engine, settings: Settings, admin: Principal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.jsonl"
    _write_records(path, 1000)
    small = settings.model_copy(update={"import_batch_size": 100})
    real_store = writer_module.IngestWriter.store
    calls = {"n": 0}

    def failing_store(self: writer_module.IngestWriter, rows: PackedBatch) -> writer_module.WriteResult:
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("disk full")
        return real_store(self, rows)

    monkeypatch.setattr(writer_module.IngestWriter, "store", failing_store)
    with session_scope(engine) as session, pytest.raises(RuntimeError):
        import_files([path], "auto", session=session, principal=admin, settings=small)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Interaction)) == 300
        assert session.scalar(select(func.count()).select_from(Rating)) == 300

    monkeypatch.setattr(writer_module.IngestWriter, "store", real_store)
    with session_scope(engine) as session:
        report = import_files([path], "auto", session=session, principal=admin, settings=small)
        assert (report.imported, report.duplicates) == (700, 300)
        assert session.scalar(select(func.count()).select_from(Interaction)) == 1000


def test_killed_process_leaves_no_half_batch(db_url: str, engine: Engine, tmp_path: Path) -> None:
    """SIGKILL mid-import: the stored interactions are whole batches, each with its rating; a re-run completes."""
    path = tmp_path / "big.jsonl"
    _write_records(path, 40_000)
    env = {**os.environ, "DATABASE_URL": db_url, "PSEUDONYM_KEY": TEST_KEY, "IMPORT_BATCH_SIZE": "500"}
    command = [sys.executable, "-c", "from core.cli import main; main()", "import", str(path), "--json"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while process.poll() is None:
            with session_scope(engine) as session:
                if (session.scalar(select(func.count()).select_from(Interaction)) or 0) >= 1000:
                    break
            try:
                process.wait(timeout=0.02)
            except subprocess.TimeoutExpired:
                pass
        process.kill()
    finally:
        process.wait()
    with session_scope(engine) as session:
        stored = session.scalar(select(func.count()).select_from(Interaction)) or 0
        ratings = session.scalar(select(func.count()).select_from(Rating)) or 0
    assert stored % 500 == 0 and stored == ratings
    rerun = subprocess.run(command, env=env, capture_output=True, check=True)
    report = orjson.loads(rerun.stdout)
    assert report["imported"] + report["duplicates"] == 40_000
    assert report["duplicates"] == stored


messages = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["system", "user", "assistant"]), "content": st.text(max_size=40)}
    ),
    max_size=4,
)
native_records = st.fixed_dictionaries(
    {
        "id": st.uuids().map(str),
        "user_id": st.text(min_size=1, max_size=12),
        "messages": messages.map(
            lambda ms: [*ms, {"role": "user", "content": "q?"}, {"role": "assistant", "content": "a."}]
        ),
        "rating": st.none() | st.integers(1, 5),
        "thumbs": st.none() | st.sampled_from(["up", "down"]),
        "latency_ms": st.none() | st.integers(0, 120_000),
        "model": st.none()
        | st.sampled_from(["gpt-4.1-mini-2025-04-14", "ft:gpt-4o-mini-2024-07-18:o::x", "x"]),
    }
)


@hyp_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(native_records, min_size=1, max_size=8, unique_by=lambda r: r["id"]))
def test_round_trip_native_records(
    records: list[dict],
    engine: Engine,
    settings: Settings,
    admin: Principal,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    """Whatever valid native records go in come back out of the database unchanged (scrubbing off: random
    text may hold what looks like a phone number, which scrubbing would rightly replace)."""
    settings = settings.model_copy(update={"scrub_pii_on_ingest": False})
    run = uuid.uuid4().hex[:8]  # the database outlives one example: keep ids apart
    records = [{**record, "id": f"{run}-{record['id']}"} for record in records]
    path = tmp_path / "roundtrip.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    with session_scope(engine) as session:
        import_files([path], "native", session=session, principal=admin, settings=settings)
        for record in records:
            stored = session.get(Interaction, record["id"])
            assert stored is not None
            assert stored.messages == record["messages"]
            assert (stored.latency_ms, stored.model) == (record["latency_ms"], record["model"])
            rating = session.scalar(select(Rating).where(Rating.interaction_id == record["id"]))
            if record["rating"] is None and record["thumbs"] is None:
                assert rating is None
            else:
                assert rating is not None and (rating.stars, rating.thumbs) == (
                    record["rating"],
                    record["thumbs"],
                )


def test_worker_process_path_gives_the_same_report(
    engine: Engine, settings: Settings, admin: Principal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large files are parsed in worker processes; the outcome must not depend on it."""
    path = tmp_path / "mixed.jsonl"
    _write_records(path, 500)
    with path.open("ab") as handle:
        handle.write(b"{broken\n" + SAMPLE_BAD_LINE)
    monkeypatch.setattr(importer_module, "PARALLEL_MIN_BYTES", 0)
    small = settings.model_copy(update={"import_batch_size": 64})
    with session_scope(engine) as session:
        report = import_files([path], "auto", session=session, principal=admin, settings=small)
        assert (report.read, report.imported, report.rejected) == (502, 500, 2)
        assert [e["line"] for e in report.errors] == [501, 502]
        again = import_files([path], "auto", session=session, principal=admin, settings=small)
        assert (again.imported, again.duplicates) == (0, 500)


def test_a_large_files_first_and_last_chunks_are_smaller_so_writing_starts_sooner_and_ends_sooner() -> None:
    def chunk_sizes(count: int, size: int, **options: Any) -> list[int]:
        items = iter([(line, b"{}") for line in range(1, count + 1)])
        return [
            len(chunk)
            for chunk in importer_module._chunks(importer_module._take_from(items), size, **options)
        ]

    assert chunk_sizes(40_000, 10_000, ramp=True) == [1250, 2500, 5000, 10_000, 10_000, 10_000, 1250]
    ending = chunk_sizes(40_000, 10_000, ramp=True, left=lambda read: 40_000 - read)
    assert ending == [1250, 2500, 5000, 10_000, 10_000, 5625, 2812, 1406, 1000, 407]
    halfway = importer_module._Reading(size=1000, progress=None, done=250)
    assert halfway.items_left(50) == 150  # a quarter of the bytes held 50 records
    assert chunk_sizes(1200, 500, ramp=True) == [500, 500, 200]  # a batch size below the first step is kept
    assert chunk_sizes(25_000, 10_000) == [10_000, 10_000, 5000]


def test_json_lines_travel_as_one_block_per_chunk_with_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "blocks.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{"b": 2}\r\n{broken\n{"c": 3}')
    reading = importer_module._Reading(path.stat().st_size, progress=None)
    with importer_module._reader(path, "auto", reading) as take:
        first, rest, end = take(2), take(10), take(10)
    assert first == ([(1, b'{"a": 1}\n\n')], 2)
    assert rest == ([(3, b'{"b": 2}\r\n{broken\n{"c": 3}')], 3)
    assert end == ([], 0) and reading.done == path.stat().st_size
    lines = [line for line, _ in importer_module._records(first[0] + rest[0], "native")]
    assert lines == [1, 3, 4, 5]  # the blank line 2 is no record


def test_the_sample_copy_matches_the_shared_sample() -> None:
    if not SHARED_SAMPLE.exists():
        pytest.skip(f"no shared sample beside the repository ({SHARED_SAMPLE})")
    assert SAMPLE.read_bytes() == SHARED_SAMPLE.read_bytes()
