"""A database stopped at an earlier migration, holding one interaction written the way that schema took it —
for tests that a later migration backfills what was stored before it, or survives a downgrade.

In: the URL of an empty database (the `empty_db_url` fixture: SQLite in tests/unit, PostgreSQL in
tests/integration), the revision to stop at, and the question and answer of the interaction (id `old`). Out:
the engine and an open transaction's connection (inside `old_database`) to add more rows at that revision;
`downgrade()` takes a database back to a revision.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from sqlalchemy import Connection, Engine, text

from core.db import make_engine
from core.migrate import alembic_config

OLD_ID = "old"


@contextmanager
def old_database(url: str, revision: str, question: str, answer: str) -> Iterator[tuple[Engine, Connection]]:
    engine = make_engine(url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.execute(
            text("INSERT INTO conversation (id, started_at) VALUES ('c', '2026-10-01 08:00:00')")
        )
        connection.execute(
            text(
                "INSERT INTO interaction (id, conversation_id, created_at, messages, user_message, "
                "assistant_message, status, content_hash, source, ingested_at) VALUES (:id, 'c', "
                "'2026-10-01 08:00:00', '[]', :question, :answer, 'ok', 'h', 'import', '2026-10-01 08:00:00')"
            ),
            {"id": OLD_ID, "question": question, "answer": answer},
        )
        yield engine, connection


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
