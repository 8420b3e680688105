"""Large ingest batches on SQLite: the row triggers whose work the ingest writer does itself stand aside.

In: the session and the number of interactions about to be inserted in its transaction. Out:
`triggers_set_aside()`, a context manager around the batch's inserts. On SQLite, for a batch of at least
`BATCH_MIN_ROWS`, it drops these AFTER INSERT triggers for the length of the batch:
- `interaction_fts_insert` (`core.search`): the new rows' text is indexed in one statement when the inserts
  succeeded;
- `topic_triage_insert`, `rating_triage_insert_user` (`core.triage`) and `rating_user_stars_insert`
  (`core.rating_triggers`): the writer has already stored the suspicion, thumbs and stars they would set,
  and the batch's ratings and topic tags all belong to interactions new in the batch, so each firing would
  look up an interaction to change nothing — about 15 µs per tag or rating, a fifth of the writer's time.
Each trigger is created again from the very statement SQLite stored, in the same transaction and even when
the block fails, so no other connection ever sees the schema without them and a rollback restores them
anyway. Smaller batches (the collector's, the gateway's) and PostgreSQL keep every trigger: no schema change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from core import search
from core.sql import dialect_of

BATCH_MIN_ROWS: Final = 500
SET_ASIDE: Final = (
    search.INSERT_TRIGGER,
    "topic_triage_insert",
    "rating_triage_insert_user",
    "rating_user_stars_insert",
)
_STORED = text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN :names").bindparams(
    bindparam("names", expanding=True)
)


@contextmanager
def triggers_set_aside(session: Session, rows: int) -> Iterator[None]:
    """Around the insert of `rows` new interactions (with their ratings and topic tags) by the writer."""
    if rows < BATCH_MIN_ROWS or dialect_of(session) != "sqlite":
        yield
        return
    stored = session.execute(_STORED, {"names": list(SET_ASIDE)}).all()
    last = session.scalar(text("SELECT coalesce(max(rowid), 0) FROM interaction"))
    connection = session.connection()
    for name, _ in stored:
        connection.exec_driver_sql(f"DROP TRIGGER {name}")
    try:
        yield
        search.index_rows_after(session, last)  # the batch's rows: rowids only grow
    finally:
        for _, statement in stored:
            connection.exec_driver_sql(statement)
