"""Scenarios run unchanged on SQLite (tests/unit) and PostgreSQL (tests/integration).

Each takes a session, settings and an admin principal, does the work through core services and asserts
what the database then holds.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core import search
from core.auth import Principal
from core.config import Settings
from core.dataset.readiness import assess
from core.db import session_scope
from core.ingest.importer import import_files
from core.ingest.records import parse_json_line
from core.ingest.writer import IngestWriter
from core.models import AuditLog, Base, Conversation, Interaction, InteractionTopic, Rating
from core.pseudonym import Pseudonymizer
from tests.conftest import SAMPLE


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def sample_import_twice(session: Session, settings: Settings, admin: Principal) -> None:
    """The shared sample: 7 stored, lines 8 and 9 rejected; again: nothing new, 7 duplicates."""
    first = import_files([SAMPLE], "auto", session=session, principal=admin, settings=settings)
    assert (first.read, first.imported, first.duplicates, first.rejected) == (9, 7, 0, 2)
    assert [e["line"] for e in first.errors] == [8, 9]
    assert "invalid JSON" in first.errors[0]["reason"]
    assert "rating" in first.errors[1]["reason"] and "assistant" in first.errors[1]["reason"]

    again = import_files([SAMPLE], "auto", session=session, principal=admin, settings=settings)
    assert (again.imported, again.duplicates, again.rejected) == (0, 7, 2)
    assert count(session, Interaction) == 7
    assert count(session, Rating) == 7  # every sample record carries a rating or thumbs
    assert count(session, AuditLog) == 2

    native = session.get(Interaction, "6f1c2b1e-1d5e-4f0a-9a55-0c2f6b1d9e01")
    assert native is not None and native.variant == "control" and native.experiment == "ft-v1"
    assert native.user_pseudonym == Pseudonymizer(settings.pseudonym_key.get_secret_value())("u-205")
    assert native.cost_usd is not None and native.cost_usd > 0  # priced from the seeded price table
    stored_ids = set(session.scalars(select(Conversation.user_pseudonym)))
    assert "u-205" not in stored_ids  # raw ids are never stored
    thumbs_down = session.scalar(select(func.count()).where(Rating.thumbs == "down"))
    assert thumbs_down == 1
    assert session.scalar(select(func.count()).where(InteractionTopic.topic == "period")) >= 1

    readiness = assess(session=session, settings=settings)
    assert readiness.total_interactions == 7
    assert readiness.high_rated_interactions == 5
    assert readiness.ready_for_training is False


def mixed_formats(session: Session, settings: Settings, admin: Principal, folder: Path) -> None:
    """CSV and JSONL in one run; a bad CSV row is reported with its line and the rest kept."""
    csv_path = folder / "export.csv"
    csv_path.write_text(
        "user_message,assistant_message,rating,created_at,model,user_id\n"
        "What is ovulation?,The release of an egg.,5,2026-10-01T10:00:00Z,gpt-4o-mini-2024-07-18,u1\n"
        "Bad row,,3,2026-10-01T10:00:00Z,m,u2\n"
        '"Multi-line\nquestion about cramps?",Heat helps.,4,2026-10-02T10:00:00Z,m,u3\n'
        "Late row,Answer,7,2026-10-03T10:00:00Z,m,u4\n",
        encoding="utf-8",
    )
    jsonl_path = folder / "export.jsonl"
    record = {"messages": [{"role": "user", "content": "q?"}, {"role": "assistant", "content": "a."}]}
    jsonl_path.write_bytes(orjson.dumps(record) + b"\n\n" + b"not json\n")
    report = import_files([csv_path, jsonl_path], "auto", session=session, principal=admin, settings=settings)
    assert (report.read, report.imported, report.rejected) == (6, 3, 3)
    assert [(e["file"].rsplit("/", 1)[-1], e["line"]) for e in report.errors] == [
        ("export.csv", 3),
        ("export.csv", 6),
        ("export.jsonl", 3),
    ]
    multi = session.scalar(select(Interaction).where(Interaction.user_message.like("Multi-line%")))
    assert multi is not None and multi.user_message == "Multi-line\nquestion about cramps?"


def concurrent_writers(engine: Engine) -> None:
    """Eight writers race on the same 200 ids: every id is accepted exactly once in total."""
    records = [parse_json_line(line, "auto") for line in SAMPLE.read_bytes().splitlines()[:7]]
    batch = [r.model_copy(update={"id": f"{r.id}-{i}"}) for i in range(30) for r in records][:200]

    def write_all(_: int) -> int:
        with session_scope(engine) as session:
            writer = IngestWriter(session, pseudonymize=Pseudonymizer("k"), source="import")
            accepted = len(writer.write(batch).accepted)
            session.commit()
            return accepted

    with ThreadPoolExecutor(max_workers=8) as pool:
        accepted = list(pool.map(write_all, range(8)))
    assert sum(accepted) == 200
    with session_scope(engine) as session:
        assert count(session, Interaction) == 200


def schema_matches_models(engine: Engine) -> None:
    """The migrations build exactly the tables, columns and indexes the models declare."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": search.include_name})
        assert compare_metadata(context, Base.metadata) == []
