"""Large imports into SQLite: the secondary indexes keyed by random values stand aside until the import ends.

In: the session and how many interactions an import is expected to bring. Out:
- `indexes_set_aside(session, incoming, stage)`, a context manager around the whole import: on SQLite, when
  the import brings at least `MIN_RECORDS` interactions and at least a quarter of those already stored, it
  drops the indexes of `SET_ASIDE` (committed, so each batch's transaction writes without them) and, at the
  end — also when the import fails — creates them again, first telling `stage` (a progress display) so;
- `restore_indexes(session)`: creates any index of `SET_ASIDE` that is missing (an import killed meanwhile),
  from its declaration in `core.models`, which is the record of what to restore. Every import calls it
  first, and so does `bloomtune db upgrade` (which `make run` runs);
- `missing_indexes(session)`: which of them are missing now (the console says so above every page).
Why: each of these indexes is keyed by an id, a hash, a pseudonym or a latency, so one batch's rows land on
leaf pages all over it, and once it is large every commit rewrites most of its pages. Importing 1,000,000
records into a new file with them in place ran at about 5,000 records/s; without them, the inserts run
at the speed of a small database and each index is built at the end by one sorted pass (about a second
per index per million rows). Re-creating costs in proportion to the whole table, hence the quarter. (The
demo commits every 100,000 rows, which amortises the rewrites as well: setting the indexes aside gained it
nothing measurable, so it keeps them.)
Meanwhile the queries that would use them scan instead: opening a conversation, filtering by topic, a
user's erasure are slower while such an import runs. The indexes that follow time (`created_at`, the review
queue) stay: new rows append to them. PostgreSQL keeps every index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final

from sqlalchemy import Index, text
from sqlalchemy.orm import Session

from core.models import Base
from core.sql import dialect_of, pragmas, set_pragmas

MIN_RECORDS: Final = 50_000
SET_ASIDE: Final = (
    "ix_interaction_conversation_id",
    "ix_interaction_content_hash",
    "ix_interaction_user_created_at",
    "ix_interaction_latency_created_at",
    "ix_interaction_topic_topic",
    "ix_rating_interaction_id",
    "ix_conversation_user_pseudonym",
)
REBUILDING: Final = "building indexes"
SORTER: Final = {"threads": 4}  # SQLite's worker threads for the sorts of CREATE INDEX (capped by the build)


Stage = Callable[[str], None]  # names what a long job is doing now (`core.cli.output.Bar.stage`)


@contextmanager
def indexes_set_aside(session: Session, incoming: int, stage: Stage | None = None) -> Iterator[None]:
    """Around an import of about `incoming` interactions, committed by the caller batch by batch."""
    if dialect_of(session) != "sqlite":
        yield
        return
    restore_indexes(session)
    stored = session.scalar(text("SELECT coalesce(max(rowid), 0) FROM interaction")) or 0
    if incoming < MIN_RECORDS or incoming * 4 < stored:
        yield
        return
    for name in SET_ASIDE:
        session.execute(text(f"DROP INDEX IF EXISTS {name}"))
    session.commit()
    try:
        yield
    finally:
        session.rollback()  # a failed batch's transaction: what was committed stays
        if stage is not None:
            stage(REBUILDING)
        restore_indexes(session)


def missing_indexes(session: Session) -> list[str]:
    """The indexes of `SET_ASIDE` not in the database now: a large import is running or was killed."""
    if dialect_of(session) != "sqlite":
        return []
    present = set(session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'")))
    return [name for name in SET_ASIDE if name not in present]


def restore_indexes(session: Session) -> list[str]:
    """Create the indexes of `SET_ASIDE` that are missing, in one transaction; returns their names."""
    missing = missing_indexes(session)
    if missing:
        declared = _declared()
        usual = pragmas(session, SORTER)
        set_pragmas(session, SORTER)
        for name in missing:
            declared[name].create(session.connection())
        set_pragmas(session, usual)
        session.commit()
    return missing


def _declared() -> dict[str, Index]:
    return {
        index.name: index for table in Base.metadata.tables.values() for index in table.indexes if index.name
    }
