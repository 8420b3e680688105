"""Import rate: records per second from a JSONL export into a fresh SQLite file or PostgreSQL database.

In: a record count, a database kind and whether personal data is scrubbed at ingest (`SCRUB_PII_ON_INGEST`,
on by default as in production). Out: a result row (database, records, seconds, records/s).
"""

from __future__ import annotations

import time
from pathlib import Path

from pydantic import SecretStr

from bench.databases import fresh_database
from bench.records import write_export
from core.auth import DEV_ADMIN
from core.config import Settings
from core.db import make_engine, session_scope
from core.ingest.importer import import_files


def measure_import(kind: str, count: int, folder: Path, *, scrub_pii: bool = True) -> dict[str, object]:
    export = folder / f"export-{count}.jsonl"
    if not export.exists():
        write_export(export, count)
    with fresh_database(kind, folder) as url:
        engine = make_engine(url)
        settings = Settings(
            database_url=url, pseudonym_key=SecretStr("bench-key"), scrub_pii_on_ingest=scrub_pii
        )
        started = time.perf_counter()
        with session_scope(engine) as session:
            report = import_files([export], "auto", session=session, principal=DEV_ADMIN, settings=settings)
        seconds = time.perf_counter() - started
        engine.dispose()
    assert report.imported == count, report.as_dict()
    return {
        "benchmark": f"import {count:,} records (PII scrubbing {'on' if scrub_pii else 'off'})",
        "database": kind,
        "seconds": round(seconds, 2),
        "rate": f"{count / seconds:,.0f} records/s",
    }
